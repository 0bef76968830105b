"""The committed exam (source/ and release/ built from the real item bank)."""

from __future__ import annotations

import json

import pytest
from fixtures.exam.support import REPO, make_course

from ppskit.exam.bank import load_bank
from ppskit.exam.build import build, dumps_notebook, sitting_notebook
from ppskit.exam.course import full_assignment
from ppskit.exam.integrity import scan_release, secrets


def _forms() -> list[str]:
    return load_bank(REPO / "assessments").blueprint.forms


def test_committed_source_is_built_from_the_current_bank() -> None:
    bank = load_bank(REPO / "assessments")
    for form in bank.blueprint.forms:
        name = full_assignment(form)
        path = REPO / "source" / name / "exam.ipynb"
        assert path.is_file(), f"run `ppskit exam build`: {path} is missing"
        fresh = dumps_notebook(
            sitting_notebook(
                bank, form, assignment=name, title=f"PPSS certification exam — form {form}"
            )
        )
        assert path.read_text(encoding="utf-8") == fresh, f"run `ppskit exam build`: {name}"


def test_committed_release_holds_no_key_rationale_rubric_or_test() -> None:
    bank = load_bank(REPO / "assessments")
    for form in bank.blueprint.forms:
        assert (REPO / "release" / full_assignment(form) / "exam.ipynb").is_file()
    assert len(secrets(bank)) > len(bank.items)  # the scan has something to look for
    assert scan_release(REPO, bank) == []
    for form in bank.blueprint.forms:
        nb = json.loads((REPO / "release" / full_assignment(form) / "exam.ipynb").read_text())
        assert all(not c.get("outputs") for c in nb["cells"])  # outputs cleared
        assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.slow
def test_building_the_real_bank_reproduces_the_committed_files(tmp_path) -> None:  # noqa: ANN001
    course = make_course(tmp_path / "course", REPO / "assessments")
    report = build(course)
    assert report.items == len(load_bank(REPO / "assessments").items)
    for step in ("source", "release"):
        for form in _forms():
            rel = f"{step}/{full_assignment(form)}/exam.ipynb"
            assert (course.root / rel).read_bytes() == (REPO / rel).read_bytes(), rel
