"""Every module notebook executes headless, shows its widgets and writes nothing.

How long they take is measured by ``benchmarks/modules_bench.py`` (printed figures, not
a timed assert: a shared CI machine's speed is not a property of the notebooks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ppskit import curriculum

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
NOTEBOOKS = sorted(
    p
    for p in (ROOT / curriculum.MODULES_DIR).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in p.parts
)


@pytest.fixture
def headless(monkeypatch, tmp_path):
    """A kernel environment like a fresh trainee's, with no trainee id and a private ledger."""
    for name in ("PPSKIT_TRAINEE", "JUPYTERHUB_USER", "PPSKIT_CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PPSKIT_DB", f"sqlite:///{tmp_path / 'ledger.db'}")
    monkeypatch.setenv("PPSKIT_JOURNAL_DIR", str(tmp_path / "journal"))
    return tmp_path


def _id(path: Path) -> str:
    return path.stem


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_module_notebook_executes(path, headless):
    nb, _seconds, problems = curriculum.execute_notebook(path)
    assert problems == [], f"{path.relative_to(ROOT)}: {problems}"
    # Nothing was recorded or saved: no trainee id was set.
    assert not (headless / "ledger.db").exists()
    assert not (headless / "journal").exists()


@pytest.mark.slow
def test_fixture_notebook_executes(headless, monkeypatch):
    monkeypatch.setenv("PPSKIT_CONTENT_DIR", str(FIXTURES / "content"))
    path = curriculum.notebook_path("telling-your-story", FIXTURES)
    nb, _, problems = curriculum.execute_notebook(path)
    assert problems == []
    finish = nb.cells[-1].outputs[0]["data"]["text/plain"]
    assert "Your progress" in finish and "[ ]" in finish
