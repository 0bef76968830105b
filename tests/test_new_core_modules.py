"""Issue 13's new core modules: orientation, transition to adulthood, code of ethics.

Each notebook runs headless and writes nothing; the orientation's requirements panel
shows the trainee's own profile (from the profile YAML); signing the code of ethics
records the ``code-of-ethics`` fact, which a profile that requires it then counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import register_trainee
from sqlalchemy import select

from ppskit import curriculum
from ppskit.db import read_connection
from ppskit.exercises import open_module
from ppskit.ledger.ethics_signature import (
    FACT,
    SignatureRefused,
    load_code,
    sign_code_of_ethics,
)
from ppskit.ledger.tables import facts
from ppskit.policies import DEFAULT_PROFILE, load_policy
from ppskit.status import compute_status

ROOT = Path(__file__).resolve().parents[1]
NEW_MODULES = ("orientation", "transition-to-adulthood", "code-of-ethics")
CALMHSA = "calmhsa-pss-pc"
MISSISSIPPI = "ms-dmh-cpss-pc"


def register(db: str, trainee_id: str, profile: str) -> None:
    """Register one trainee with ``profile``."""
    register_trainee(db, trainee_id, profile=profile)


def fact_rows(db: str, trainee_id: str) -> list:
    with read_connection(db) as conn:
        return conn.execute(
            select(facts.c.date, facts.c.value, facts.c.note).where(
                facts.c.trainee_id == trainee_id, facts.c.fact == FACT
            )
        ).all()


@pytest.fixture
def ledger_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def no_trainee(monkeypatch, tmp_path):
    """A kernel environment like a fresh trainee's: no trainee id, a private ledger path."""
    for name in ("PPSKIT_TRAINEE", "JUPYTERHUB_USER", "PPSKIT_CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PPSKIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("PPSKIT_JOURNAL_DIR", str(tmp_path / "journal"))
    return tmp_path


def _output_text(cell) -> str:
    text = "".join(
        "".join(o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", [])
    )
    return text


# --- the notebooks ---------------------------------------------------------------------


@pytest.mark.parametrize("module_id", NEW_MODULES)
def test_new_module_is_in_the_framework_and_easy_to_read(module_id):
    assert curriculum.notebook_problems(module_id, ROOT) == []
    assert curriculum.readability(module_id, ROOT) <= 8.0


@pytest.mark.slow
@pytest.mark.parametrize("module_id", NEW_MODULES)
def test_new_module_executes_headless_and_writes_nothing(module_id, no_trainee):
    path = curriculum.notebook_path(module_id, ROOT)
    nb, _seconds, problems = curriculum.execute_notebook(path)
    assert problems == [], problems
    assert not (no_trainee / "ledger.db").exists()
    assert not (no_trainee / "journal").exists()
    panels = {c.source.strip(): c for c in nb.cells if c.cell_type == "code"}
    if module_id == "orientation":
        shown = _output_text(panels["module.requirements()"])
        # No trainee known: the default profile, with a line saying so.
        assert load_policy(DEFAULT_PROFILE).name in shown
        assert "We do not know who you are yet" in shown
    if module_id == "code-of-ethics":
        shown = _output_text(panels["module.sign_code()"])
        for principle in load_code().principles:
            assert principle.title in shown


# --- the requirements panel -------------------------------------------------------------


def _labels(profile: str) -> list[str]:
    rules = load_policy(profile).requirements
    return [r.label for r in [*rules.eligible, *rules.training, *rules.active]]


def test_requirements_show_each_trainees_own_profile(ledger_url):
    register(ledger_url, "t-ca", CALMHSA)
    register(ledger_url, "t-ms", MISSISSIPPI)
    seen = {}
    for trainee, profile in (("t-ca", CALMHSA), ("t-ms", MISSISSIPPI)):
        view = open_module("orientation", trainee=trainee, db=ledger_url).requirements()
        text = view.plain_text().lower()
        assert view.profile == profile and view.note == ""
        assert load_policy(profile).name.lower() in text
        for label in _labels(profile):
            assert label.lower() in text, (profile, label)
        seen[profile] = text
    # Each trainee sees their own rules, not the other's.
    ca_only = [x for x in _labels(CALMHSA) if x not in _labels(MISSISSIPPI)]
    ms_only = [x for x in _labels(MISSISSIPPI) if x not in _labels(CALMHSA)]
    assert ca_only and ms_only
    assert not any(x.lower() in seen[MISSISSIPPI] for x in ca_only)
    assert not any(x.lower() in seen[CALMHSA] for x in ms_only)
    # The numbers come from the profile: CalMHSA's renewal CE hours and law-and-ethics topic.
    renewal = load_policy(CALMHSA).certification.renewal
    assert f"{renewal.ce_hours.at():g} hours of continuing education" in seen[CALMHSA]
    assert renewal.ce_topics[0].label in seen[CALMHSA]


def test_requirements_without_a_known_trainee_say_which_rules_they_show(ledger_url):
    view = open_module("orientation", db=ledger_url).requirements()
    assert view.profile == DEFAULT_PROFILE
    assert "default certification" in view.plain_text()
    # A trainee id the ledger does not know is never signed in: still the default.
    register(ledger_url, "t-ca", CALMHSA)
    module = open_module("orientation", trainee="t-nobody", db=ledger_url)
    assert module.trainee is None and "could not find the trainee ID t-nobody" in module.notice
    view = module.requirements()
    assert view.profile == DEFAULT_PROFILE and "default certification" in view.note
    # Typing the id in the panel shows that trainee's rules.
    view.show_for("t-ca")
    assert view.profile == CALMHSA
    assert load_policy(CALMHSA).name in view.plain_text()


# --- signing the code -------------------------------------------------------------------


def test_signing_records_the_fact_and_calmhsa_counts_it(ledger_url):
    register(ledger_url, "t-ca", CALMHSA)
    before = compute_status(as_of=date.today(), trainee="t-ca", db=ledger_url).iloc[0]
    assert before["stage"] == "ineligible"
    assert "a signed Code of Ethics" in before["next_action"]

    panel = open_module("code-of-ethics", trainee="t-ca", db=ledger_url).sign_code()
    panel.agree()
    panel.type_name("  Test   Parent ")
    message = panel.sign()
    assert panel.signed and "recorded" in message

    code = load_code()
    [(on, value, note)] = fact_rows(ledger_url, "t-ca")
    assert on == date.today() and value is True
    assert f"version {code.version}" in note and "typed name: Test Parent" in note

    after = compute_status(as_of=date.today(), trainee="t-ca", db=ledger_url).iloc[0]
    assert "Code of Ethics" not in after["next_action"]
    assert after["stage"] != "ineligible"

    # Signing again the same day records nothing more.
    assert "already signed" in panel.sign()
    assert len(fact_rows(ledger_url, "t-ca")) == 1


def test_signing_is_recorded_for_a_profile_that_does_not_ask_for_it(ledger_url):
    register(ledger_url, "t-ms", MISSISSIPPI)
    outcome = sign_code_of_ethics("t-ms", load_code().version, "Test Parent", ledger_url)
    assert outcome.created
    assert len(fact_rows(ledger_url, "t-ms")) == 1


def test_signing_needs_every_box_a_name_and_a_registered_trainee(ledger_url):
    register(ledger_url, "t-ca", CALMHSA)
    panel = open_module("code-of-ethics", trainee="t-ca", db=ledger_url).sign_code()
    panel.agree(0)
    panel.type_name("Test Parent")
    message = panel.sign()
    assert not panel.signed and "tick its box" in message
    assert load_code().principles[1].title in message
    panel.agree()
    panel.type_name("   ")
    assert "type your full name" in panel.sign()
    assert fact_rows(ledger_url, "t-ca") == []

    stranger = open_module("code-of-ethics", trainee="t-nobody", db=ledger_url).sign_code()
    stranger.agree()
    stranger.type_name("Someone Else")
    message = stranger.sign()
    # An unregistered id is never signed in: the panel asks for a real one.
    assert not stranger.signed and "trainee ID" in message
    assert "Traceback" not in message and "Error" not in message


def test_signing_asks_for_the_trainee_id_when_the_notebook_does_not_know_it(
    ledger_url, monkeypatch
):
    for name in ("PPSKIT_TRAINEE", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    register(ledger_url, "t-ca", CALMHSA)
    panel = open_module("code-of-ethics", db=ledger_url).sign_code()
    panel.agree()
    panel.type_name("Test Parent")
    assert "trainee ID" in panel.sign(trainee_id="")
    assert "recorded" in panel.sign(trainee_id="t-ca")
    assert len(fact_rows(ledger_url, "t-ca")) == 1


def test_only_the_current_code_can_be_signed(ledger_url):
    register(ledger_url, "t-ca", CALMHSA)
    with pytest.raises(SignatureRefused, match="current one"):
        sign_code_of_ethics("t-ca", "1900.1", "Test Parent", ledger_url)
    with pytest.raises(SignatureRefused, match="full name"):
        sign_code_of_ethics("t-ca", load_code().version, "12345", ledger_url)
    assert fact_rows(ledger_url, "t-ca") == []


def test_each_checkbox_names_its_principle():
    panel = open_module("code-of-ethics").sign_code()
    labels = [box.description for box in panel._boxes]
    assert len(labels) == len(load_code().principles) == len(set(labels))
    assert all(label.startswith("I understand and agree: ") for label in labels)
