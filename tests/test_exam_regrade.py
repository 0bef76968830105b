"""Re-grading keeps a trainer's manual grades; item analysis on real graded notebooks.

Real nbgrader on the small fixture bank: five trainees hand in form A, are graded, and
a trainer marks the written answers (and overrides one multiple-choice score) the way
the formgrader does. The tests in this module share one course and run in file order.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from fixtures.exam.support import make_course, tamper
from typer.testing import CliRunner

from ppskit.exam.bank import load_bank
from ppskit.exam.build import build
from ppskit.exam.course import gradebook, run_converter
from ppskit.exam.grade import grade
from ppskit.exam.results import score_frame
from ppskit.exam.simulate import fill, load_release, submit

pytestmark = pytest.mark.slow

SCENARIO = "crisis-safety-as1"  # form A's written answer in the fixture bank
OVERRIDDEN = "communication-a1"  # a multiple-choice score the trainer overrides
WRITTEN = "I stay with the mother, follow the family's safety plan and call the crisis team."


def _manual_grade(course, trainee: str, item: str, score: float) -> None:  # noqa: ANN001
    """What the formgrader's grade API does when a trainer types a score."""
    with gradebook(course) as gb:
        row = gb.find_grade(item, "exam", "exam-A", trainee)
        row.manual_score = score
        row.extra_credit = None
        row.needs_manual_grade = False
        gb.db.commit()


def _grade_row(course, trainee: str, item: str) -> tuple:  # noqa: ANN001
    with gradebook(course) as gb:
        row = gb.find_grade(item, "exam", "exam-A", trainee)
        return row.manual_score, bool(row.needs_manual_grade)


def _scores(course, trainee: str) -> dict:  # noqa: ANN001
    df = score_frame(course, ["exam-A"])
    df = df[df["trainee_id"] == trainee]
    return dict(zip(df["item_id"], zip(df["score"], df["needs_manual_grade"], strict=True),
                    strict=True))  # fmt: skip


@pytest.fixture(scope="module")
def course(tmp_path_factory):  # noqa: ANN001, ANN201
    course = make_course(tmp_path_factory.mktemp("regrade") / "course")
    build(course)
    bank = load_bank(course.assessments)
    rel = load_release(course, "exam-A")
    mc = [i["id"] for i in rel["metadata"]["ppskit"]["items"] if i["type"] == "mc"]
    keys = {i: bank.item(i).key for i in mc}
    # "plain" gets every culture item wrong: the first wrong letter after the key.
    plain = {i: ("ABCD"[("ABCD".index(k) + 1) % 4] if i.startswith("culture-") else k)
             for i, k in keys.items()}  # fmt: skip
    at = datetime.now(UTC) - timedelta(days=2)
    for trainee in ("writer", "changer"):
        submit(course, trainee, "exam-A", fill(rel, keys, {SCENARIO: WRITTEN}), at=at)
    submit(course, "plain", "exam-A", fill(rel, plain, {}), at=at)
    submit(course, "blank", "exam-A", rel, at=at)
    tampered = tamper(fill(rel, keys, {}), edit_test="communication-a1",
                      cheat_test="culture-a1", stuffed="culture-a2",
                      as_markdown="communication-a2", delete_test="advocacy-a2")  # fmt: skip
    submit(course, "tamper", "exam-A", tampered, at=at)
    first = grade(course, workers=2)
    assert {o.status for o in first.outcomes} == {"graded"}, first.outcomes
    _manual_grade(course, "writer", SCENARIO, 3)
    _manual_grade(course, "writer", OVERRIDDEN, 0)
    _manual_grade(course, "changer", SCENARIO, 2)
    return SimpleNamespace(course=course, rel=rel, keys=keys, plain=plain, at=at)


def test_force_regrade_keeps_manual_grades_for_unchanged_answers(course) -> None:  # noqa: ANN001
    c = course.course
    before = _scores(c, "writer")
    assert before[SCENARIO] == (3.0, False) and before[OVERRIDDEN] == (0.0, False)
    # changer hands in again with a different written answer before the re-grade.
    text = "I would call the crisis line and stay with the family until help comes."
    submit(c, "changer", "exam-A", fill(course.rel, course.keys, {SCENARIO: text}),
           at=course.at + timedelta(hours=1))  # fmt: skip
    from ppskit.cli import app

    out = CliRunner().invoke(
        app, ["exam", "grade", "exam-A", "--course", str(c.root), "--force",
              "--trainee", "writer", "--trainee", "changer"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "Graded 2" in out.output
    assert "Kept 2 manual grades" in out.output
    assert f"changer exam-A: answer changed since it was marked by hand: {SCENARIO}" in (out.output)
    # The trainer's marks stand and nothing waits in the formgrader for writer.
    assert _scores(c, "writer") == before
    assert _grade_row(c, "writer", SCENARIO) == (3.0, False)
    assert _grade_row(c, "writer", OVERRIDDEN) == (0.0, False)
    # A mark given for the old answer is not applied to the new one: back to review.
    assert _grade_row(c, "changer", SCENARIO) == (2.0, True)


def test_analysis_on_graded_notebooks_leaves_out_blank_and_flagged(course, tmp_path: Path) -> None:  # noqa: ANN001, E501
    from ppskit.exam.analyze import analyze

    result = analyze(course.course, out=tmp_path)
    names = [f.name for f in result.files]
    assert names == ["items.csv", "sections.csv", "items.png", "distractors.csv", "excluded.csv"]
    assert all(f.stat().st_size > 0 for f in result.files)
    excluded = result.excluded.set_index("trainee_id")["reason"]
    assert excluded["blank"].startswith("blank")
    assert excluded["tamper"].startswith("flagged")
    # changer waits for review of the new answer; writer and plain are analysed.
    assert excluded["changer"] == f"waiting for manual grading of {SCENARIO}; counted once graded"
    assert set(excluded.index) == {"blank", "tamper", "changer"}
    assert set(result.items["n"]) == {2}
    assert result.warnings and "only 2 candidates" in result.warnings[0]
    options = result.distractors.set_index(["item_id", "option"])
    # The letters are read from the graded answer boxes: plain's culture-a1 choice.
    wrong = course.plain["culture-a1"]
    assert options.loc[("culture-a1", wrong), "chosen"] == 1
    assert options.loc[("culture-a1", course.keys["culture-a1"]), "chosen"] == 1
    assert (result.sections["cut_pct"].notna()).all()
    from ppskit.cli import app

    args = ["exam", "analyze", "--course", str(course.course.root), "--out", str(tmp_path)]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    assert "Left out 3 sittings:" in out.output
    assert "blank exam-A: blank: no multiple-choice answer given" in out.output
    assert "Warning: Form A (exam-A): only 2 candidates" in out.output
    assert "decision consistency at the pass mark" in out.output


def test_nbgrader_alone_sends_marked_cells_back_for_review(course) -> None:  # noqa: ANN001
    # Why grade() restores the marks: nbgrader's own re-autograde keeps the manual score
    # but marks the cell as needing manual grading again.
    c = course.course
    result = run_converter(c, "Autograde", "exam-A", student="writer", force=True)
    assert result["success"]
    assert _grade_row(c, "writer", SCENARIO) == (3.0, True)
    assert _grade_row(c, "writer", OVERRIDDEN) == (0.0, True)
