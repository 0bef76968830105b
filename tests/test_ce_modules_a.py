"""The CE modules and session guides of task ce-a: law and ethics, motivational
interviewing, stigma, and the sessions for the IEP and racialized-trauma modules.

Each module must run headless for a fresh trainee, read at about grade 8, have the
teaching length the CE brief sets, and be listed in the framework as a specialty module;
each session guide must validate and credit the minutes a trainer is told to run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ppskit import curriculum
from ppskit.exercises.loader import load_content
from ppskit.framework import load_framework
from ppskit.sessions import load_guide

ROOT = Path(__file__).resolve().parents[1]

#: module id -> (specialty, fewest and most teaching words)
MODULES = {
    "law-ethics-california": ("law-ethics", 3500, 4300),
    "law-ethics-dilemmas": ("law-ethics", 3500, 4300),
    "motivational-interviewing": ("motivational-interviewing", 2800, 3500),
    "stigma": ("stigma", 2800, 3500),
}
#: guide id -> (topic, fewest and most credited minutes)
GUIDES = {
    "law-ethics-california-session": ("law-ethics", 135, 135),
    "law-ethics-dilemmas-session": ("law-ethics", 135, 135),
    "motivational-interviewing-session": ("motivational-interviewing", 90, 120),
    "stigma-session": ("stigma", 90, 120),
    "iep-special-education-session": ("iep-special-education", 90, 120),
    "racialized-trauma-session": ("racialized-trauma", 90, 120),
}
#: The CE brief's readability bar for these modules (Flesch-Kincaid grade).
MAX_GRADE = 8.0


def _words(module_id: str) -> int:
    nb = curriculum.load_notebook(curriculum.notebook_path(module_id, ROOT))
    return sum(len(text.split()) for text in curriculum.markdown_cells(nb))


@pytest.mark.parametrize("module_id", sorted(MODULES))
def test_framework_lists_the_module_as_specialty(module_id):
    module = load_framework().module(module_id)
    specialty, _, _ = MODULES[module_id]
    assert module.kind == "specialty"
    assert module.specialty == specialty
    assert module.path == f"specialty/{module_id}/{module_id}.ipynb"


@pytest.mark.parametrize("module_id", sorted(MODULES))
def test_module_follows_the_format_and_reads_plainly(module_id):
    assert curriculum.notebook_problems(module_id, ROOT) == []
    grade = curriculum.readability(module_id, ROOT)
    assert grade <= MAX_GRADE, f"{module_id}: Flesch-Kincaid grade {grade:.1f}"
    _, low, high = MODULES[module_id]
    assert low <= _words(module_id) <= high


@pytest.mark.parametrize("module_id", sorted(MODULES))
def test_module_has_five_or_six_varied_exercises(module_id):
    content = load_content(module_id)
    kinds = [ex.kind for ex in content.exercises]
    assert 5 <= len(kinds) <= 6
    assert len(set(kinds)) >= 3
    assert "journal" in kinds
    assert sum(k in {"choice", "sort", "decision"} for k in kinds) >= 2


@pytest.mark.parametrize("module_id", sorted(MODULES))
def test_module_cites_its_sources(module_id):
    nb = curriculum.load_notebook(curriculum.notebook_path(module_id, ROOT))
    assert "Sources" in curriculum.headings(nb, 2)


@pytest.mark.slow
@pytest.mark.parametrize("module_id", sorted(MODULES))
def test_module_executes_headless(module_id, monkeypatch, tmp_path):
    for name in ("PPSKIT_TRAINEE", "JUPYTERHUB_USER", "PPSKIT_CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PPSKIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("PPSKIT_JOURNAL_DIR", str(tmp_path / "journal"))
    path = curriculum.notebook_path(module_id, ROOT)
    _, _, problems = curriculum.execute_notebook(path)
    assert problems == []
    assert not (tmp_path / "ledger.db").exists()


@pytest.mark.parametrize("guide_id", sorted(GUIDES))
def test_session_guide_validates_and_credits_its_minutes(guide_id):
    guide = load_guide(guide_id)
    topic, low, high = GUIDES[guide_id]
    assert guide.kind == "ce"
    assert guide.topic == topic
    assert low <= guide.minutes <= high, f"{guide_id}: {guide.minutes} credited minutes"
    assert 1 <= len(guide.role_plays) <= 2
    for rp in guide.role_plays:
        assert len(rp.script) >= 8, f"{rp.id}: script of {len(rp.script)} lines"
        assert len({line.who for line in rp.script}) >= 2
    assert len(guide.discussion_questions) >= 3


@pytest.mark.parametrize("guide_id", sorted(GUIDES))
def test_session_topic_is_a_framework_specialty(guide_id):
    ids = {s.id for s in load_framework().specialty}
    assert load_guide(guide_id).topic in ids
