"""CE modules and session guides of issue 13 (set b): each module is in the framework as a
specialty module, reads at grade 8 or below, teaches a CE-sized text with varied exercises
and runs headless; each CE session guide validates and credits 90-120 minutes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ppskit import curriculum
from ppskit.exercises import load_content
from ppskit.framework import load_framework
from ppskit.sessions import load_guide

ROOT = Path(__file__).resolve().parents[1]
#: Module id -> the seed-002 specialty it earns CE hours in.
MODULES = {
    "parent-coaching": "parent-coaching",
    "early-childhood": "early-childhood",
    "csec": "csec",
    "medication-developing-brain": "medication-developing-brain",
}
#: Session guide id -> its CE specialty (the four modules above plus two existing ones).
GUIDES = {
    "parent-coaching-session": "parent-coaching",
    "early-childhood-session": "early-childhood",
    "csec-session": "csec",
    "medication-developing-brain-session": "medication-developing-brain",
    "secondary-trauma-session": "secondary-trauma",
    "disparities-welfare-justice-session": "disparities-welfare-justice",
}
#: Issue 13's sizes for a CE module: teaching words, exercises, reading grade.
TEACHING_WORDS = (2800, 3500)
EXERCISES = (5, 6)
MAX_GRADE = 8.0
#: Credited minutes of a CE session (breaks excluded), and the smallest role-play script.
SESSION_MINUTES = (90, 120)
MIN_SCRIPT_LINES = 8


def teaching_words(module_id: str) -> int:
    """Words of the notebook's markdown cells, leaving out the closing Sources list."""
    nb = curriculum.load_notebook(curriculum.notebook_path(module_id, ROOT))
    cells = [t for t in curriculum.markdown_cells(nb) if not t.startswith("## Sources")]
    return sum(len(re.findall(r"\S+", t)) for t in cells)


@pytest.mark.parametrize("module_id", sorted(MODULES))
def test_module_is_a_ce_module_in_the_framework(module_id):
    framework = load_framework()
    module = framework.module(module_id)
    assert module.kind == "specialty" and module.category == "ce"
    assert module.specialty == MODULES[module_id]
    assert module.specialty in {s.id for s in framework.specialty}
    assert curriculum.notebook_problems(module_id, ROOT) == []


@pytest.mark.parametrize("module_id", sorted(MODULES))
def test_module_is_plain_and_long_enough(module_id):
    grade = curriculum.readability(module_id, ROOT)
    assert grade <= MAX_GRADE, f"{module_id}: Flesch-Kincaid grade {grade:.1f}"
    low, high = TEACHING_WORDS
    words = teaching_words(module_id)
    assert low <= words <= high, f"{module_id}: {words} words of teaching"
    nb = curriculum.load_notebook(curriculum.notebook_path(module_id, ROOT))
    assert "Sources" in curriculum.headings(nb, 2)


@pytest.mark.parametrize("module_id", sorted(MODULES))
def test_module_exercises_vary_and_include_a_journal(module_id):
    content = load_content(module_id)
    low, high = EXERCISES
    assert low <= len(content.exercises) <= high
    kinds = [e.kind for e in content.exercises]
    assert len(set(kinds)) >= 3 and "journal" in kinds
    assert sum(k in {"choice", "sort", "decision"} for k in kinds) >= 2


@pytest.mark.parametrize("guide_id", sorted(GUIDES))
def test_ce_session_guide_credits_its_minutes(guide_id):
    guide = load_guide(guide_id)
    assert guide.kind == "ce" and guide.topic == GUIDES[guide_id]
    assert guide.topic in {s.id for s in load_framework().specialty}
    low, high = SESSION_MINUTES
    assert low <= guide.minutes <= high, f"{guide_id}: {guide.minutes} credited minutes"
    assert 1 <= len(guide.role_plays) <= 2
    for role_play in guide.role_plays:
        assert len(role_play.script) >= MIN_SCRIPT_LINES, role_play.id
        speakers = {line.who.split(" (")[0] for line in role_play.script}
        assert len(speakers) >= 2, f"{role_play.id}: the script needs both parts speaking"
    assert len(guide.discussion_questions) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("module_id", sorted(MODULES))
def test_module_executes_headless(module_id, monkeypatch, tmp_path):
    for name in ("PPSKIT_TRAINEE", "JUPYTERHUB_USER", "PPSKIT_CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PPSKIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("PPSKIT_JOURNAL_DIR", str(tmp_path / "journal"))
    path = curriculum.notebook_path(module_id, ROOT)
    _nb, _seconds, problems = curriculum.execute_notebook(path)
    assert problems == [], f"{module_id}: {problems}"
    assert not (tmp_path / "ledger.db").exists()
