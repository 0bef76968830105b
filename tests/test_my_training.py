"""The trainee's "My training" page: the same sign-in as the modules, and figures that
match the ledger (module hours recorded and verified, sessions and skill checks, the
status engine's stage and next step)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import register_trainee

from ppskit.exercises import identity
from ppskit.exercises.training_view import MyTrainingView
from ppskit.my_training import my_training
from ppskit.sessions import load_guide


@pytest.fixture
def ledger(tmp_path, monkeypatch):
    for name in ("PPSKIT_TRAINEE", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PPSKIT_JOURNAL_DIR", str(tmp_path / "journal"))
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    register_trainee(db, "t-300", name="Rosa Medina")
    return db


def _finish_module(db: str, module_id: str) -> None:
    from ppskit.exercises import load_content
    from ppskit.ledger.api import record_module_hours
    from ppskit.ledger.progress import exercise_finished

    for ex in load_content(module_id).ids:
        exercise_finished("t-300", module_id, ex, {"selected": [0]}, db=db)
    record_module_hours("t-300", module_id, active_minutes=42.5, db=db)


def test_figures_match_the_ledger(ledger):
    from ppskit.sessions.records import record_session

    _finish_module(ledger, "communication")
    guide = load_guide("communication-session")
    scores = {c.id: 2 for c in guide.skill_check.criteria}
    record_session(
        "t-300",
        "communication-session",
        on=date.today() - timedelta(days=1),
        facilitator="Dana Trainer",
        scores=scores,
        by="trainer",
        db=ledger,
    )
    data = my_training("t-300", db=ledger)
    assert data["name"] == "Rosa Medina" and data["stage"] == "in-training"
    comm = next(m for m in data["modules"] if m["id"] == "communication")
    assert comm["complete"] and comm["hours_entry"] is not None and not comm["verified"]
    # The module's hours wait for a trainer; the session's were recorded verified.
    assert data["core"]["waiting"] == comm["hours"]
    assert data["core"]["verified"] == guide.hours
    assert data["core"]["needed"] == 40
    session = next(s for s in data["sessions"] if s["id"] == "communication-session")
    assert session["attended"] and session["skill_check_passed"]
    assert data["next_module"]["id"] != "communication"
    assert "complete" in data["next_action"] or data["next_action"]


def test_page_asks_to_sign_in_then_shows_the_trainee(ledger):
    view = MyTrainingView(db=ledger)
    assert view.identity is None and view.data is None
    assert "Please sign in" in view._form.children[0].value
    assert "could not find the trainee ID t-999" in view.sign_in("t-999")
    assert view.identity is None
    assert "your own trainee ID" in view.sign_in(identity.PLACEHOLDER)
    assert view.sign_in("t-300") == "Signed in as Rosa Medina (t-300)."
    html = view._page.value
    assert "My training: Rosa Medina" in html and "Modules" in html
    assert "<th scope='col'>" in html and "<progress" in html
    # The sign-in is shared: a module opened next knows who this is.
    from ppskit.exercises import open_module

    assert open_module("communication", db=ledger).trainee == "t-300"


def test_page_for_a_remembered_trainee_shows_progress_in_words(ledger):
    _finish_module(ledger, "culture")
    identity.remember("t-300")
    view = MyTrainingView(db=ledger)
    assert view.identity.trainee_id == "t-300"
    html = view._page.value
    assert "&#10003; finished" in html  # a mark and a word, not colour alone
    assert "recorded, waiting for your trainer" in html


def test_one_trainees_hours_are_read_alone_with_their_events(ledger):
    from ppskit.imports import verify_hours, void_hours
    from ppskit.ledger.api import hours_frame, record_module_hours

    register_trainee(ledger, "t-301", name="Sam Other")
    _finish_module(ledger, "culture")
    mine = record_module_hours("t-300", "communication", active_minutes=1.0, db=ledger)
    theirs = record_module_hours("t-301", "culture", db=ledger)
    verify_hours([mine.entry_id], by="trainer", db=ledger)
    void_hours(theirs.entry_id, reason="test", by="trainer", db=ledger)
    everyone = hours_frame(db=ledger)
    one = hours_frame(trainee="t-300", db=ledger)
    want = everyone[everyone["trainee_id"] == "t-300"].reset_index(drop=True)
    assert one.reset_index(drop=True).equals(want)
    assert set(one["trainee_id"]) == {"t-300"} and bool(one["verified"].any())
    assert my_training("t-300", db=ledger)["core"]["verified"] == float(
        want.loc[want["verified"], "hours"].sum()
    )
