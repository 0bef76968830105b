"""Keys stay on the trainer's side, with real nbgrader on the fixture bank.

A hostile trainee hands in, beside the notebook, everything that could make grading
use something other than the trainer's key file: a fake ``ppskit`` package whose
``grade_answer`` passes every answer, their own ``nbgrader_config.py`` and a key file
saying every key is A. The sitting is graded against the real keys all the same, and
nothing the trainee can read (release, feedback-ready graded notebook sources) names a
key. Without the key file, grading refuses to start instead of scoring zeros.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fixtures.exam.support import add_trainees, make_course

from ppskit.exam.bank import load_bank
from ppskit.exam.build import build, keys_path
from ppskit.exam.grade import GradeError, grade
from ppskit.exam.results import score_frame
from ppskit.exam.simulate import fill, load_release, submit

pytestmark = pytest.mark.slow

FAKE_RUNTIME = """
A, B, C, D = "A", "B", "C", "D"
def check(name): pass
def setup(): pass
def grade_answer(*args): pass  # every hidden test would pass
"""


@pytest.fixture(scope="module")
def course(tmp_path_factory):  # noqa: ANN001, ANN201
    root = tmp_path_factory.mktemp("keys") / "course"
    c = make_course(root)
    build(c)
    add_trainees(f"sqlite:///{root.parent / 'ppskit.db'}", ["hostile"])
    return c


def test_key_file_is_the_trainers_alone(course) -> None:  # noqa: ANN001
    path = keys_path(course)
    assert path.stat().st_mode & 0o077 == 0  # no group or other access
    bank = load_bank(course.assessments)
    assert json.loads(path.read_text()) == {i.id: i.key for i in bank.items if i.type == "mc"}
    released = "\n".join(p.read_text() for p in (course.root / "release").glob("*/*.ipynb"))
    assert "grade_answer(" not in released and "keys.json" not in released


def test_files_handed_in_beside_the_notebook_cannot_change_the_keys(course) -> None:  # noqa: ANN001
    bank = load_bank(course.assessments)
    rel = load_release(course, "exam-A")
    mc = [i["id"] for i in rel["metadata"]["ppskit"]["items"] if i["type"] == "mc"]
    at = datetime.now(UTC) - timedelta(hours=1)
    nb_path = submit(course, "hostile", "exam-A", fill(rel, dict.fromkeys(mc, "A"), {}), at=at)
    folder = nb_path.parent
    fake = folder / "ppskit" / "exam"
    fake.mkdir(parents=True)
    (folder / "ppskit" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "runtime.py").write_text(FAKE_RUNTIME)
    (folder / "nbgrader_config.py").write_text("c = get_config()\n")
    (folder / "gradebook" / "exam").mkdir(parents=True)
    (folder / "gradebook" / "exam" / "keys.json").write_text(json.dumps(dict.fromkeys(mc, "A")))
    report = grade(course, workers=1)
    assert [o.status for o in report.outcomes] == ["graded"], report.outcomes
    scores = score_frame(course, ["exam-A"]).set_index("item_id")["score"]
    expected = {i: float(bank.item(i).key == "A") for i in mc}
    assert {i: scores[i] for i in mc} == expected
    assert 0 < sum(expected.values()) < len(mc)  # the fake would have given every point


def test_grading_refuses_to_start_without_the_key_file(course, tmp_path: Path) -> None:  # noqa: ANN001
    path = keys_path(course)
    saved = path.read_bytes()
    path.unlink()
    try:
        with pytest.raises(GradeError, match="run `ppskit exam build`"):
            grade(course, force=True, workers=1)
    finally:
        path.write_bytes(saved)
        path.chmod(0o600)
