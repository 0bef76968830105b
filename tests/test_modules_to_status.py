"""From notebook to certificate path: finishing every core module with the real content
records self-reported hours that a trainer verifies and `ppskit status` then counts."""

from __future__ import annotations

from datetime import date, timedelta

from conftest import TRAINEE_HEADER, write_csv
from test_exercises import complete
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.exercises import open_module
from ppskit.framework import load_framework
from ppskit.ledger.api import hours_frame, record_module_hours
from ppskit.status import compute_status


def test_finished_modules_move_a_trainee_to_exam_ready(tmp_path):
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    runner = CliRunner()
    people = write_csv(
        tmp_path / "t.csv",
        TRAINEE_HEADER,
        [["P7", "Pat Reyes", "1982-04-09", "yes", "ged", "yes", "", ""]],
    )
    assert runner.invoke(app, ["trainees", "import", str(people), "--db", db]).exit_code == 0

    core = [m for m in load_framework().modules if m.kind == "core"]
    for i, info in enumerate(core):
        module = open_module(info.id, trainee="P7", db=db)
        for exercise_id in module.exercise_ids:
            complete(module.exercise(exercise_id))
        if i == 0:
            assert "Recorded" in module.finish().record()  # the notebook's button, today
        else:
            # No one trains more than 24 hours a day: the other modules were finished on
            # the days before (the button always records today).
            on = date.today() - timedelta(days=i)
            assert record_module_hours("P7", info.id, on=on, db=db).created
        assert "already recorded" in module.finish().record()

    row = compute_status(trainee="P7", db=db).iloc[0]
    planned = sum(m.hours for m in core)
    assert row["stage"] == "in-training"
    assert f"{planned:g} self-reported hours await a trainer's verification" in row["next_action"]

    entries = [str(e) for e in hours_frame(db=db)["entry_id"]]
    assert len(entries) == len(core)
    result = runner.invoke(app, ["hours", "verify", *entries, "--by", "Trainer Tess", "--db", db])
    assert result.exit_code == 0, result.output
    # The modules alone are their reading and exercises (the hours rule): not 40 hours.
    row = compute_status(trainee="P7", db=db).iloc[0]
    assert (row["stage"], row["core_hours"], row["missing_domains"]) == (
        "in-training",
        f"{planned:g}",
        "",
    )
    # The trainer runs each domain's facilitated session and scores its skill check.
    from ppskit.sessions import available_guides, load_guide

    sessions = [load_guide(g) for g in available_guides() if load_guide(g).kind == "core"]
    for k, guide in enumerate(sessions):
        scores = [f"--score={c.id}=2" for c in guide.skill_check.criteria]
        day = (date.today() - timedelta(days=40 + k)).isoformat()
        args = ["sessions", "record", "P7", guide.id, "--date", day, "--facilitator", "Tess"]
        result = runner.invoke(app, [*args, *scores, "--db", db])
        assert result.exit_code == 0, result.output
    total = planned + sum(g.hours for g in sessions)
    row = compute_status(trainee="P7", db=db).iloc[0]
    assert (row["stage"], row["core_hours"], row["missing_domains"]) == (
        "exam-ready",
        f"{round(total, 2):g}",
        "",
    )
    progress = runner.invoke(app, ["modules", "progress", "P7", "--db", db]).output
    assert "communication" in progress and "verified" in progress
