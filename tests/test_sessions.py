"""Facilitated sessions: the packaged guides, recording a session's hours and its scored
skill check (both rows or neither), the facilitator's printed guide, and the CLI, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from html import escape

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.db import read_connection
from ppskit.framework import load_framework
from ppskit.imports import ImportRejected, void_hours
from ppskit.ledger.tables import hours_entries, skill_checks
from ppskit.sessions import available_guides, load_guide
from ppskit.sessions import records as session_records
from ppskit.sessions.records import (
    SessionRefused,
    credited_hours,
    record_session,
    score_check,
    skill_check_rows,
)
from ppskit.sessions.render import agenda_rows, to_html, to_markdown
from ppskit.sessions.schema import PassRule

D = date.fromisoformat
TODAY = D("2026-06-30")
ON = D("2026-06-01")
#: The core domains whose session guides this kit ships from guides-a (issue 12).
DOMAINS = (
    "communication",
    "crisis-safety",
    "culture",
    "behavioral-health",
    "navigating-systems",
    "facilitation",
)
GUIDE = "communication-session"


def _guide_ids() -> list[str]:
    return [f"{d}-session" for d in DOMAINS]


def _levels(guide_id: str, level: int = 2, **override: int) -> dict[str, int]:
    scores = {c.id: level for c in load_guide(guide_id).skill_check.criteria}
    scores.update(override)
    return scores


def _rows(url: str, table) -> list:  # noqa: ANN001
    with read_connection(url) as conn:
        return conn.execute(select(table)).all()


def _record(ledger, **kw):  # noqa: ANN001, ANN202
    trainee_id, guide_id = kw.pop("trainee_id", "T1"), kw.pop("guide_id", GUIDE)
    args = {
        "on": ON,
        "facilitator": "Ana Lee",
        "scores": _levels(GUIDE),
        "by": "trainer",
        "db": ledger.url,
        "today": TODAY,
    }
    args.update(kw)
    return record_session(trainee_id, guide_id, **args)


# ---------------------------------------------------------------------- the guides


def test_every_packaged_guide_follows_the_schema():
    ids = available_guides()
    assert ids, "no session guides are packaged"
    for gid in ids:
        assert load_guide(gid).id == gid


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_domain_has_one_core_guide_with_a_skill_check(domain):
    assert domain in load_framework().domain_ids
    guides = [load_guide(g) for g in available_guides() if load_guide(g).topic == domain]
    core = [g for g in guides if g.kind == "core"]
    assert [g.id for g in core] == [f"{domain}-session"]
    assert core[0].skill_check is not None


@pytest.mark.parametrize("guide_id", _guide_ids())
def test_guide_shape_a_trainer_can_run(guide_id):
    g = load_guide(guide_id)
    assert 165 <= g.minutes <= 195, f"{guide_id}: {g.minutes} credited minutes"
    breaks = [a for a in g.agenda if a.activity == "break"]
    assert len(breaks) == 1 and 10 <= breaks[0].minutes <= 15
    checks = [a for a in g.agenda if a.activity == "skill-check"]
    assert len(checks) == 1 and 25 <= checks[0].minutes <= 35
    assert g.skill_check.agenda_item == checks[0].id
    assert 2 <= len(g.role_plays) <= 3
    assert len(g.discussion_questions) >= 5 and g.materials
    assert any("002" in s for s in g.sources), "sources name seed 002"
    crit = g.skill_check.criteria
    assert 4 <= len(crit) <= 6 and g.skill_check.pass_rule.min_each == 2
    # An hours entry holds two decimals: the credited hours are exactly the minutes.
    assert credited_hours(g) * 60 == pytest.approx(g.minutes)


@pytest.mark.parametrize("guide_id", _guide_ids())
def test_role_play_scripts_alternate_between_the_two_briefed_parts(guide_id):
    for rp in load_guide(guide_id).role_plays:
        assert len(rp.parts) == 2 and all(p.brief.strip() for p in rp.parts)
        assert len(rp.script) >= 8, rp.id
        speakers = []
        for line in rp.script:
            part = [i for i, p in enumerate(rp.parts) if p.role.startswith(line.who)]
            assert len(part) == 1, f"{rp.id}: {line.who!r} names no part"
            speakers.append(part[0])
        assert set(speakers) == {0, 1}
        assert all(a != b for a, b in zip(speakers, speakers[1:], strict=False)), rp.id
        assert len(rp.debrief) >= 2


# ------------------------------------------------------------------- scoring rule


def test_pass_needs_every_criterion_at_meets_and_the_total():
    g = load_guide(GUIDE)
    assert score_check(g, _levels(GUIDE, 2), "t").passed
    ids = [c.id for c in g.skill_check.criteria]
    # Strong everywhere but one "not yet": the total is high, still not passed.
    low = score_check(g, _levels(GUIDE, 3, **{ids[0]: 1}), "t")
    assert not low.passed and low.below == (ids[0],)
    # A stricter total (one criterion must be strong) decides on the total alone.
    check = g.skill_check.model_copy(
        update={"pass_rule": PassRule(min_each=2, min_total=2 * len(ids) + 1)}
    )
    strict = g.model_copy(update={"skill_check": check})
    assert not score_check(strict, _levels(GUIDE, 2), "t").passed
    assert score_check(strict, _levels(GUIDE, 2, **{ids[-1]: 3}), "t").passed


# ---------------------------------------------------------------------- recording


def test_record_writes_the_session_hours_and_the_skill_check(ledger):
    ledger.trainee("T1")
    g = load_guide(GUIDE)
    out = _record(ledger)
    assert out.passed is True and out.check_id is not None
    assert f"{credited_hours(g):g} core hours in communication" in out.message
    (entry,) = _rows(ledger.url, hours_entries)
    assert (entry.category, entry.topic, entry.source, entry.verified) == (
        "core",
        "communication",
        "session",
        True,
    )
    assert entry.hours == credited_hours(g) and entry.date == ON
    assert entry.note.startswith(f"session:{GUIDE}") and "Ana Lee" in entry.note
    (check,) = _rows(ledger.url, skill_checks)
    assert check.entry_id == entry.entry_id and check.guide_id == GUIDE
    assert json.loads(check.scores) == _levels(GUIDE)
    assert check.total == 2 * len(g.skill_check.criteria) and check.passed
    assert check.observer == "Ana Lee" and check.recorded_by == "trainer"


def test_a_failure_writing_the_check_leaves_no_hours_either(ledger, monkeypatch):
    ledger.trainee("T1")

    def boom(conn, values):  # noqa: ANN001, ANN202
        raise RuntimeError("disk full")

    monkeypatch.setattr(session_records, "_insert_check", boom)
    with pytest.raises(RuntimeError):
        _record(ledger)
    assert _rows(ledger.url, hours_entries) == []
    assert _rows(ledger.url, skill_checks) == []


@pytest.mark.parametrize(
    ("scores", "says"),
    [
        ({"listening-skills": 2}, "has no criterion listening-skills"),
        ("missing", "missing: privacy"),
        ("zero", "a level is one of 1, 2, 3"),
        ("four", "a level is one of 1, 2, 3"),
        ("text", "a level is one of 1, 2, 3"),
    ],
)
def test_scores_that_do_not_fit_the_rubric_are_refused(ledger, scores, says):
    ledger.trainee("T1")
    full = _levels(GUIDE)
    if scores == "missing":
        scores = {k: v for k, v in full.items() if k != "privacy"}
    elif scores == "zero":
        scores = {**full, "privacy": 0}
    elif scores == "four":
        scores = {**full, "privacy": 4}
    elif scores == "text":
        scores = {**full, "privacy": "2"}
    elif scores == {"listening-skills": 2}:
        scores = {**full, "listening-skills": 2}
    with pytest.raises(SessionRefused) as err:
        _record(ledger, scores=scores)
    assert says in err.value.report() and "Nothing was written" in err.value.report()
    assert _rows(ledger.url, hours_entries) == []


def test_hours_above_the_guide_are_refused_and_fewer_need_a_reason(ledger):
    ledger.trainee("T1")
    full = credited_hours(load_guide(GUIDE))
    with pytest.raises(SessionRefused, match="more than the session gives"):
        _record(ledger, hours=full + 0.25)
    with pytest.raises(SessionRefused, match="give the reason"):
        _record(ledger, hours=full - 1)
    out = _record(ledger, hours=full - 1, reason="left after the break")
    (entry,) = _rows(ledger.url, hours_entries)
    assert entry.hours == full - 1 and "left after the break" in entry.note
    assert out.entry_id == entry.entry_id


def test_a_second_record_of_the_same_session_is_refused(ledger):
    ledger.trainee("T1")
    _record(ledger)
    with pytest.raises(SessionRefused, match="already recorded for T1 on 2026-06-01"):
        _record(ledger, scores=_levels(GUIDE, 3))
    # Without a skill check too: the session's hours entry is what counts.
    _record(ledger, on=D("2026-06-02"), scores=None)
    with pytest.raises(SessionRefused, match="already recorded"):
        _record(ledger, on=D("2026-06-02"), scores=None)
    assert len(_rows(ledger.url, hours_entries)) == 2
    assert len(_rows(ledger.url, skill_checks)) == 1


def test_a_voided_session_can_be_recorded_again(ledger):
    ledger.trainee("T1")
    first = _record(ledger, scores=_levels(GUIDE, 1))
    with pytest.raises(SessionRefused) as err:
        _record(ledger)
    assert f"ppskit hours void {first.entry_id}" in err.value.report()
    void_hours(first.entry_id, reason="scored the wrong trainee", by="trainer", db=ledger.url)
    again = _record(ledger)
    assert again.passed is True
    rows = skill_check_rows("T1", db=ledger.url)
    assert [r["hours"] is None for r in rows] == [True, False]
    assert [r["passed"] for r in rows] == [False, True]


def test_unknown_guide_and_unknown_trainee_are_refused_plainly(ledger):
    ledger.trainee("T1")
    with pytest.raises(SessionRefused, match="no session guide 'typing-session'"):
        _record(ledger, guide_id="typing-session")
    with pytest.raises(ImportRejected) as err:  # the hours import's own refusal
        _record(ledger, trainee_id="NOBODY")
    assert "NOBODY" in err.value.report()
    assert _rows(ledger.url, skill_checks) == []


def test_a_failed_check_is_recorded_with_its_levels(ledger):
    ledger.trainee("T1")
    out = _record(ledger, scores=_levels(GUIDE, 3, privacy=1))
    assert out.passed is False and "not passed yet" in out.message and "privacy" in out.message
    (row,) = skill_check_rows("T1", db=ledger.url)
    assert row["passed"] is False and row["scores"]["privacy"] == 1


def test_check_rows_show_a_voided_session_without_hours(ledger):
    ledger.trainee("T1")
    out = _record(ledger)
    assert skill_check_rows("T1", db=ledger.url)[0]["hours"] == credited_hours(load_guide(GUIDE))
    void_hours(out.entry_id, reason="wrong trainee", by="trainer", db=ledger.url)
    assert skill_check_rows("T1", db=ledger.url)[0]["hours"] is None


# --------------------------------------------------------------------------- CLI


def test_cli_record_and_checks(ledger):
    ledger.trainee("T1")
    runner = CliRunner()
    scores = [a for c, v in _levels(GUIDE, 3).items() for a in ("--score", f"{c}={v}")]
    res = runner.invoke(
        app,
        [
            "sessions",
            "record",
            "T1",
            GUIDE,
            "--date",
            "2026-06-01",
            "--facilitator",
            "Ana Lee",
            *scores,
            "--db",
            ledger.url,
        ],
    )
    assert res.exit_code == 0, res.output
    assert "passed" in res.output and "Skill check" in res.output
    res = runner.invoke(app, ["sessions", "checks", "T1", "--db", ledger.url])
    assert res.exit_code == 0, res.output
    n = len(load_guide(GUIDE).skill_check.criteria)
    assert GUIDE in res.output and f"{3 * n}/{3 * n}" in res.output and "passed" in res.output
    assert "privacy=3" in res.output
    # A refusal is one plain message and exit code 1, never a traceback.
    res = runner.invoke(
        app,
        ["sessions", "record", "T1", GUIDE, "--date", "2026-06-01", "--facilitator", "Ana Lee"]
        + scores
        + ["--db", ledger.url],
    )
    assert res.exit_code == 1 and "already recorded" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(
        app,
        ["sessions", "record", "T1", GUIDE, "--date", "2026-06-03", "--facilitator", "A"]
        + ["--score", "privacy=high", "--db", ledger.url],
    )
    assert res.exit_code == 1 and "CRITERION=LEVEL" in res.output


def test_cli_checks_for_a_trainee_with_none(ledger):
    ledger.trainee("T2")
    res = CliRunner().invoke(app, ["sessions", "checks", "T2", "--db", ledger.url])
    assert res.exit_code == 0 and "No skill checks are recorded for T2" in res.output


def test_cli_list_shows_each_guide_with_hours_and_check():
    res = CliRunner().invoke(app, ["sessions", "list"])
    assert res.exit_code == 0, res.output
    for gid in _guide_ids():
        line = next(ln for ln in res.output.splitlines() if ln.startswith(gid))
        assert f"{credited_hours(load_guide(gid)):g}" in line and line.rstrip().endswith("yes")


def test_cli_guide_writes_html(tmp_path):
    out = tmp_path / "guide.html"
    res = CliRunner().invoke(
        app, ["sessions", "guide", "culture-session", "--format", "html", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    res = CliRunner().invoke(app, ["sessions", "guide", "nope"])
    assert res.exit_code == 1 and "no session guide" in res.output


# ------------------------------------------------------------------------ render


@pytest.mark.parametrize("guide_id", _guide_ids())
def test_render_holds_every_script_line_criterion_and_level(guide_id):
    g = load_guide(guide_id)
    md, html = to_markdown(g), to_html(g)
    flat = " ".join(md.split())
    for rp in g.role_plays:
        for line in rp.script:
            assert " ".join(line.says.split()) in flat
            assert escape(line.says.strip()) in html
    for c in g.skill_check.criteria:
        assert c.label in md and escape(c.label) in html
        for text in c.levels.values():
            assert " ".join(text.split()).replace("|", "\\|") in flat
            assert escape(text) in html
    for q in g.discussion_questions:
        assert escape(q) in html
    assert "Score sheet" in md and "Score sheet" in html
    assert "min_total" not in md  # the pass rule is said in words
    rows = agenda_rows(g)
    total = sum(a.minutes for a in g.agenda)
    assert rows[0]["start"] == "0:00" and rows[-1]["end"] == f"{total // 60}:{total % 60:02d}"
    assert f"Credited minutes: **{g.minutes}**" in md
    assert "<script" not in html
