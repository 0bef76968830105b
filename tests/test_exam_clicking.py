"""Answering by clicking: the panels (without a browser) and real nbgrader grading of
clicked hand-ins (``answers.json``) exactly as typed ones.

The grading tests share one fixture course and one grading run.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from fixtures.exam.support import cells_by_id, make_course

from ppskit.exam import answer_widgets
from ppskit.exam.bank import load_bank
from ppskit.exam.build import build
from ppskit.exam.grade import grade
from ppskit.exam.results import score_frame
from ppskit.exam.runtime import ANSWERS_FILE, read_answers
from ppskit.exam.simulate import click, fill, load_release, submit

WRITTEN = "I stay with the mother, follow the family's safety plan and call the crisis team."


# ------------------------------------------------------------------ panels, no browser


def _manifest(minutes: int | None = 60, extra: int = 0) -> dict:
    items = [{"id": f"d-a{n}", "type": "mc", "question": n} for n in (1, 2, 3)]
    items.append({"id": "d-as1", "type": "scenario", "question": 4})
    out = {"items": items}
    if minutes:
        out["time_limit_minutes"] = minutes
    if extra:
        out["extra_time_pct"] = extra
    return out


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t


def test_clicks_are_saved_at_once_and_reopening_restores_them(tmp_path: Path) -> None:
    clock = Clock()
    session = answer_widgets.ExamSession(str(tmp_path), _manifest(), now=clock)
    one = answer_widgets.ChoicePanel(session, 1)
    two = answer_widgets.ChoicePanel(session, 2)
    answer_widgets.ChoicePanel(session, 3)
    written = answer_widgets.WrittenPanel(session, "d-as1", 4)
    header = answer_widgets.SummaryPanel(session, "Your exam", "", "header")
    assert "0 of 4 answered." in header.text
    assert "Not answered yet: questions 1, 2, 3, 4." in header.text

    one.choose("B")
    # Saved on the click itself: no notebook save.
    saved = json.loads((tmp_path / ANSWERS_FILE).read_text())
    assert saved["answers"] == {"answer_1": "B"}
    assert one.status_text == "Saved: B. 1 of 4 answered. Time left: 1 h."
    two.choose("D")
    two.mark(True)
    written.write(WRITTEN)
    assert "3 of 4 answered." in header.text
    assert "Not answered yet: question 3." in header.text
    assert "Marked to come back to: question 2." in header.text
    one.choose("C")  # changing an answer replaces it

    # A new kernel (reopened notebook, Run All Cells): every panel comes back as left.
    clock.t += timedelta(minutes=19)
    again = answer_widgets.ExamSession(str(tmp_path), _manifest(), now=clock)
    p1, p2 = answer_widgets.ChoicePanel(again, 1), answer_widgets.ChoicePanel(again, 2)
    box = answer_widgets.WrittenPanel(again, "d-as1", 4)
    assert (p1.radio.value, p2.radio.value, p2.marked) == ("C", "D", True)
    assert box.text.value == WRITTEN
    # The clock kept running from the first opening.
    assert p1.status_text.endswith("Time left: 41 min.")
    assert read_answers(tmp_path)["started_at"] == "2026-03-02T09:00:00+00:00"


def test_time_limit_honours_extra_time_and_locks_the_panels(tmp_path: Path) -> None:
    clock = Clock()
    session = answer_widgets.ExamSession(str(tmp_path), _manifest(60, extra=50), now=clock)
    panel = answer_widgets.ChoicePanel(session, 1)
    box = answer_widgets.WrittenPanel(session, "d-as1", 4)
    assert "Time left: 1 h 30 min (includes 50 % extra time)." in panel.status_text
    clock.t += timedelta(minutes=89, seconds=30)
    assert "Time left: less than a minute" in panel.status_text
    panel.choose("A")
    clock.t += timedelta(minutes=1)
    panel.refresh()
    box.refresh()
    assert panel.radio.disabled and box.text.disabled
    assert "Time is up: your answers are saved. Hand in the exam now." in panel.status_text
    panel.choose("B")  # too late: not saved
    assert read_answers(tmp_path)["answers"] == {"answer_1": "A"}
    assert panel.radio.value == "A"


def test_a_typed_answer_counts_and_shows_no_panel(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    session = answer_widgets.ExamSession(str(tmp_path), _manifest(None))
    monkeypatch.setattr(answer_widgets, "_session", session)
    monkeypatch.setattr(answer_widgets, "_display", lambda _w: True)
    assert answer_widgets.show_choice(1, "_") is True  # blank box: the panel
    assert answer_widgets.show_choice(2, " c ") is False  # typed: check() prints instead
    assert session.count_text() == "1 of 4 answered."
    assert session.time_text() == ""  # no limit in the manifest: no clock


def test_letters_are_one_named_group_or_ipywidgets_radios(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    session = answer_widgets.ExamSession(str(tmp_path), _manifest(None))
    card = answer_widgets.ChoicePanel(session, 2).card
    assert card.label == "Your answer to question 2"
    assert list(card.options) == ["A", "B", "C", "D"]
    # Without anywidget: ipywidgets' radio buttons, saving the same way.
    monkeypatch.setattr(answer_widgets, "_anywidget_card", lambda: None)
    panel = answer_widgets.ChoicePanel(session, 3)
    assert panel.radio.description == "Your answer to question 3"
    panel.choose("D")
    panel.mark(True)
    assert read_answers(tmp_path)["answers"] == {"answer_3": "D"}
    assert panel.marked and "Saved: D." in panel.status.value


def test_an_unreadable_answers_file_starts_afresh(tmp_path: Path) -> None:
    (tmp_path / ANSWERS_FILE).write_text('{"answers": ["not", "a", "mapping"')
    session = answer_widgets.ExamSession(str(tmp_path), _manifest())
    assert session.unanswered == [1, 2, 3, 4]
    assert read_answers(tmp_path)["started_at"]  # a fresh file was written


def test_the_kernel_finds_the_manifest_beside_it(tmp_path: Path) -> None:
    nb = {"cells": [], "metadata": {"ppskit": _manifest(90)}}
    (tmp_path / "exam.ipynb").write_text(json.dumps(nb))
    assert answer_widgets.find_manifest(str(tmp_path))["time_limit_minutes"] == 90
    assert answer_widgets.find_manifest(str(tmp_path / "missing")) == {}


# -------------------------------------------------------------- grading (real nbgrader)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):  # noqa: ANN001, ANN201
    root = tmp_path_factory.mktemp("clicking") / "course"
    course = make_course(root)
    build(course)
    bank = load_bank(course.assessments)
    rel = load_release(course, "exam-A")
    items = rel["metadata"]["ppskit"]["items"]
    mc = [i["id"] for i in items if i["type"] == "mc"]
    scenario = next(i["id"] for i in items if i["type"] == "scenario")
    keys = {i: bank.item(i).key for i in mc}
    # Some right, some wrong, so equal scores mean more than "all zero".
    letters = {
        i: (k if n % 3 else "ABCD"[("ABCD".index(k) + 1) % 4])
        for n, (i, k) in enumerate(keys.items())
    }
    bad = mc[1]
    at = datetime.now(UTC) - timedelta(days=1)
    submit(course, "typed", "exam-A", fill(rel, letters, {scenario: WRITTEN}), at=at)
    submit(
        course, "clicked", "exam-A", rel, at=at, clicked=click(rel, letters, {scenario: WRITTEN})
    )
    submit(course, "badclick", "exam-A", rel, at=at, clicked=click(rel, {**letters, bad: "E"}, {}))
    tampered = json.loads(json.dumps(rel))
    cells_by_id(tampered)[mc[0]]["source"] = 'print("changed by the trainee")'
    submit(course, "tamper", "exam-A", tampered, at=at, clicked=click(rel, keys, {}))
    # Typed and clicked for the same question: the typed letter counts.
    first_wrong = "ABCD"[("ABCD".index(keys[mc[2]]) + 1) % 4]
    both = fill(rel, {mc[2]: first_wrong}, {})
    submit(course, "both", "exam-A", both, at=at, clicked=click(rel, keys, {}))
    report = grade(course, workers=2, timeout=300)
    assert report.problems == [], [o.message for o in report.problems]
    frame = score_frame(course, ["exam-A"])

    def scores(trainee: str) -> dict[str, float]:
        df = frame[frame["trainee_id"] == trainee]
        return dict(zip(df["item_id"], df["score"], strict=True))

    def autograded(trainee: str) -> dict:
        nb = json.loads(course.notebook("autograded", "exam-A", trainee).read_text())
        for cell in nb["cells"]:  # nbformat stores sources as lists of lines
            cell["source"] = "".join(cell["source"])
        return nb

    outcomes = {o.trainee: o for o in report.outcomes}
    return SimpleNamespace(
        course=course, keys=keys, mc=mc, scenario=scenario, letters=letters, bad=bad,
        scores=scores, autograded=autograded, outcomes=outcomes,
    )  # fmt: skip


@pytest.mark.slow
def test_clicked_answers_get_exactly_the_typed_scores(graded) -> None:  # noqa: ANN001
    typed, clicked = graded.scores("typed"), graded.scores("clicked")
    assert typed.keys() == clicked.keys()
    assert {i: typed[i] for i in graded.mc} == {i: clicked[i] for i in graded.mc}
    right = sum(1 for i in graded.mc if graded.letters[i] == graded.keys[i])
    assert 0 < sum(clicked[i] for i in graded.mc) == right < len(graded.mc)
    # The formgrader shows the clicked letter in the box, as if it had been typed.
    for trainee in ("typed", "clicked"):
        box = cells_by_id(graded.autograded(trainee))[f"{graded.mc[0]}-answer"]["source"]
        assert box.endswith(f'= "{graded.letters[graded.mc[0]]}"')
    assert not graded.outcomes["clicked"].tampered


@pytest.mark.slow
def test_written_answers_reach_the_manual_grading_cell(graded) -> None:  # noqa: ANN001
    for trainee in ("typed", "clicked"):
        cell = cells_by_id(graded.autograded(trainee))[graded.scenario]
        assert cell["source"] == WRITTEN
    # Waiting for the trainer, as a typed one does.
    for trainee in ("typed", "clicked"):
        assert pd.isna(graded.scores(trainee)[graded.scenario])


@pytest.mark.slow
def test_a_clicked_value_that_is_not_a_letter_is_no_answer_with_a_note(graded) -> None:  # noqa: ANN001
    scores = graded.scores("badclick")
    assert scores[graded.bad] == 0
    nb = graded.autograded("badclick")
    box = cells_by_id(nb)[f"{graded.bad}-answer"]["source"]
    assert 'The clicked answer "E" is not A, B, C or D: graded as no answer.' in box
    notes = nb["metadata"]["ppskit"]["clicked"]["notes"]
    assert [n["clicked"] for n in notes] == ["E"]
    # A note for the trainer, not a tamper flag.
    assert not graded.outcomes["badclick"].tampered
    others = {i: s for i, s in scores.items() if i in graded.mc and i != graded.bad}
    assert others == {i: s for i, s in graded.scores("clicked").items() if i in others}


@pytest.mark.slow
def test_tampering_is_still_flagged_on_a_clicked_hand_in(graded) -> None:  # noqa: ANN001
    outcome = graded.outcomes["tamper"]
    assert {f["kind"] for f in outcome.tampered} == {"edited-locked"}
    scores = graded.scores("tamper")
    assert all(scores[i] == 1 for i in graded.mc)  # graded from the original check


@pytest.mark.slow
def test_a_typed_answer_wins_over_the_clicked_one(graded) -> None:  # noqa: ANN001
    scores = graded.scores("both")
    assert scores[graded.mc[2]] == 0  # typed wrong letter, clicked key
    assert all(scores[i] == 1 for i in graded.mc if i != graded.mc[2])
