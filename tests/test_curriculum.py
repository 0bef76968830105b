"""The curriculum: module list and progress (library and CLI), and every module notebook
checked against the pinned format, the framework, readability, coverage and leaks."""

from __future__ import annotations

import functools
import json
import re
import statistics
from pathlib import Path

import pytest
import yaml
from conftest import register_trainee
from typer.testing import CliRunner

from ppskit import curriculum
from ppskit.cli import app
from ppskit.exercises import load_content
from ppskit.exercises.loader import ContentError
from ppskit.exercises.schema import CHECKED_KINDS
from ppskit.framework import load_framework

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
FRAMEWORK = load_framework()
MODULE_IDS = [m.id for m in FRAMEWORK.modules]
ITEMS = ROOT / "assessments" / "items"

#: Readability tolerance for "a Flesch-Kincaid grade of around 8-10": no module harder
#: than grade 11, and the average of all modules between 7 and 10.5.
MAX_MODULE_GRADE = 11.0
OVERALL_GRADE = (7.0, 10.5)
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Feedback strings shorter than this are too generic to count as a leaked key.
MIN_SECRET_LEN = 25
#: Exercise prompts and exam stems at least this long may not contain one another.
MIN_STEM_OVERLAP = 60


def norm(text: str) -> str:
    """Lower case, single spaces: notebooks and YAML wrap lines differently."""
    return re.sub(r"\s+", " ", text).strip().lower()


def notebook_text(module_id: str) -> str:
    """Everything a trainee could read by opening the notebook file: cells and metadata."""
    nb = curriculum.load_notebook(curriculum.notebook_path(module_id, ROOT))
    sources = [curriculum._source(c) for c in nb["cells"]]
    return "\n".join([*sources, json.dumps(nb["metadata"], ensure_ascii=False)])


def require_notebook(module_id: str) -> None:
    if not curriculum.notebook_path(module_id, ROOT).is_file():
        pytest.fail(f"module {module_id}: notebook {curriculum.notebook_path(module_id)} missing")


@functools.cache
def bank_strings(key: str) -> list[str]:
    """Every string stored under ``key`` anywhere in the exam item bank."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == key and isinstance(v, str):
                    found.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    if ITEMS.is_dir():
        for path in sorted(ITEMS.glob("*.yaml")):
            walk(yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER))
    return found


def register(db: str, trainee_id: str) -> None:
    """Register one trainee in the ledger at ``db``."""
    register_trainee(db, trainee_id)


@pytest.fixture
def fixture_content(monkeypatch):
    monkeypatch.setenv("PPSKIT_CONTENT_DIR", str(FIXTURES / "content"))


# --- module list and progress ------------------------------------------------------------


def test_module_rows_follow_the_framework():
    rows = curriculum.module_rows(ROOT)
    assert [r["id"] for r in rows] == MODULE_IDS
    for row, module in zip(rows, FRAMEWORK.modules, strict=True):
        assert row["hours"] == module.hours
        assert row["category"] == module.category
        assert row["domain"] == (module.domain if module.kind == "core" else module.specialty)
    frame = curriculum.modules_frame(ROOT)
    assert list(frame["id"]) == MODULE_IDS


def test_cli_modules_list():
    result = CliRunner().invoke(app, ["modules", "list"])
    assert result.exit_code == 0, result.output
    for module in FRAMEWORK.modules:
        assert module.id in result.output
    core = sum(m.hours for m in FRAMEWORK.modules if m.category == "core")
    n_core = sum(m.category == "core" for m in FRAMEWORK.modules)
    assert f"Core training: {core:g} h of self-study in {n_core} modules" in result.output
    assert "Hours rule: a module's teaching text read at 150 words a minute" in result.output


def test_progress_library_and_cli(tmp_path, fixture_content):
    from ppskit.exercises import open_module

    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    register(db, "t-200")
    module = open_module("telling-your-story", trainee="t-200", db=db)
    view = module.exercise("telling-your-story-purpose-choice")
    view.choose(0)
    view.check()
    rows = {r["id"]: r for r in curriculum.progress_rows("t-200", db=db)}
    story = rows["telling-your-story"]
    assert (story["done"], story["total"], story["complete"]) == (1, 6, False)
    assert story["hours_entry"] is None

    # Finish everything, record the hours, then look again from the command line.
    module.done = set(module.exercise_ids)
    module._unsynced = dict.fromkeys(module.exercise_ids)
    assert "Recorded" in module.finish().record()
    story = {r["id"]: r for r in curriculum.progress_rows("t-200", db=db)}["telling-your-story"]
    assert story["complete"] and story["hours_entry"] is not None and not story["verified"]
    result = CliRunner().invoke(app, ["modules", "progress", "t-200", "--db", db])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("telling-your-story"))
    assert "6 of 6" in line and "waiting for a trainer to verify" in line
    assert curriculum.progress_frame("t-200", db=db).shape[0] == len(MODULE_IDS)


# --- the format checker itself, on the fixture notebook ----------------------------------


def fixture_nb_path() -> Path:
    return curriculum.notebook_path("telling-your-story", FIXTURES)


def test_fixture_notebook_passes(fixture_content):
    assert curriculum.notebook_problems("telling-your-story", FIXTURES) == []


BREAKS = {
    "kernelspec": lambda nb: nb["metadata"]["kernelspec"].update(name="conda-env"),
    "hours": lambda nb: nb["metadata"]["ppskit"].update(hours=4),
    "objectives": lambda nb: nb["metadata"]["ppskit"]["objectives"].pop(),
    "covers lacks": lambda nb: nb["metadata"]["ppskit"]["covers"].pop(),
    "heading": lambda nb: nb["cells"][2].update(source="## Strategies\n\nText."),
    "unknown exercise": lambda nb: nb["cells"][3].update(source='module.exercise("nope")'),
    "outputs": lambda nb: nb["cells"][3].update(execution_count=3),
    "logic in a cell": lambda nb: nb["cells"][3].update(source="print('answer: A')"),
    "extra key": lambda nb: nb["metadata"]["ppskit"].update(answers=[]),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_format_checker_finds(case, tmp_path, fixture_content):
    nb = json.loads(fixture_nb_path().read_text(encoding="utf-8"))
    BREAKS[case](nb)
    target = curriculum.notebook_path("telling-your-story", tmp_path)
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(nb), encoding="utf-8")
    assert curriculum.notebook_problems("telling-your-story", tmp_path)


def test_prose_turns_lists_and_headings_into_sentences():
    text = curriculum.prose("## A heading\n\n- one item\n- two `code` [link](http://x)\n\nDone.")
    assert text.split() == ["A", "heading.", "one", "item.", "two", "code", "link.", "Done."]


# --- every real module ------------------------------------------------------------------


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_module_notebook_follows_the_format(module_id):
    require_notebook(module_id)
    assert curriculum.notebook_problems(module_id, ROOT) == []


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_module_exercises_exist_and_vary(module_id):
    require_notebook(module_id)
    try:
        content = load_content(module_id)
    except ContentError as exc:
        pytest.fail(str(exc))
    nb = curriculum.load_notebook(curriculum.notebook_path(module_id, ROOT))
    called = curriculum.exercise_calls(nb)
    assert set(called) <= set(content.ids), set(called) - set(content.ids)
    kinds = {content.get(i).kind for i in called}
    assert len(called) >= 3 and len(kinds) >= 3, kinds
    assert len(kinds & CHECKED_KINDS) >= 2, kinds


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_module_readability(module_id):
    require_notebook(module_id)
    grade = curriculum.readability(module_id, ROOT)
    assert grade <= MAX_MODULE_GRADE, f"{module_id}: Flesch-Kincaid grade {grade:.1f}"


def test_overall_readability():
    grades = {
        m: curriculum.readability(m, ROOT)
        for m in MODULE_IDS
        if curriculum.notebook_path(m, ROOT).is_file()
    }
    if not grades:
        pytest.fail("no module notebooks yet")
    mean = statistics.mean(grades.values())
    shown = ", ".join(f"{m} {g:.1f}" for m, g in grades.items())
    low, high = OVERALL_GRADE
    assert low <= mean <= high, f"average grade {mean:.1f} ({shown})"


def test_every_subtopic_is_taught():
    gaps = curriculum.coverage_gaps(ROOT)
    assert gaps["subtopics"] == []


def test_every_legislative_competency_has_its_modules():
    gaps = curriculum.coverage_gaps(ROOT)
    assert gaps["legislative"] == []


@pytest.mark.parametrize("module_id", MODULE_IDS)
def test_no_answer_key_in_notebook(module_id):
    require_notebook(module_id)
    text = notebook_text(module_id)
    assert not re.search(r"correct\s*:\s*true", text, re.I)
    flat = norm(text)
    secrets: list[str] = []
    for other in MODULE_IDS:  # a notebook may not quote any module's keys
        try:
            content = load_content(other)
        except ContentError:
            continue
        for ex in content.exercises:
            secrets += [o.feedback for o in getattr(ex, "options", [])]
            secrets += [c.why for c in getattr(ex, "cards", [])]
            for node in getattr(ex, "nodes", {}).values():
                secrets += [c.feedback for c in node.choices or []]
            secrets += [b.why for b in getattr(ex, "boundary_checks", [])]
    secrets += bank_strings("rationale")
    leaked = [s for s in {norm(s) for s in secrets} if len(s) >= MIN_SECRET_LEN and s in flat]
    assert leaked == []


def test_exercise_stems_are_not_exam_stems():
    stems = {norm(s) for s in bank_strings("stem")}
    if not stems:
        pytest.skip("the exam item bank has no stems yet")
    reused = []
    for module_id in MODULE_IDS:
        try:
            content = load_content(module_id)
        except ContentError:
            continue
        for ex in content.exercises:
            prompts = [ex.prompt] + [n.text for n in getattr(ex, "nodes", {}).values()]
            for prompt in map(norm, prompts):
                for stem in stems:
                    short = min(len(prompt), len(stem))
                    if prompt == stem or (
                        short >= MIN_STEM_OVERLAP and (prompt in stem or stem in prompt)
                    ):
                        reused.append(f"{ex.id}: {stem[:70]}")
    assert reused == []
