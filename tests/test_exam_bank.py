"""Item bank schema, blueprint and item-writing checks (no nbgrader needed)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from fixtures.exam.support import FIXTURE_ASSESSMENTS, REPO

from ppskit.exam.bank import BankError, check_quality, load_bank, load_blueprint
from ppskit.framework import load_framework

SEEDS = REPO.parent / "shared" / "seeds"


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture bank."""
    target = tmp_path / "assessments"
    shutil.copytree(FIXTURE_ASSESSMENTS, target)
    return target


def _edit(bank_dir: Path, section: str, change) -> None:  # noqa: ANN001
    path = bank_dir / "items" / f"{section}.yaml"
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _problems(bank_dir: Path) -> str:
    with pytest.raises(BankError) as err:
        load_bank(bank_dir)
    return "\n".join(err.value.problems)


def test_fixture_bank_loads_and_fills_every_form() -> None:
    bank = load_bank(FIXTURE_ASSESSMENTS)
    bp = bank.blueprint
    assert bp.section_order == load_framework().domain_ids
    for form in bp.forms:
        items = bank.form_items(form)
        assert {i.form for i in items} == {form}
        assert sum(i.points for i in items) == sum(bp.section_points(s) for s in bp.section_order)


def test_repository_blueprint_matches_the_pinned_shape() -> None:
    bp = load_blueprint(REPO / "assessments" / "blueprint.yaml")
    assert bp.forms == ["A", "B", "C"]
    assert bp.mc_points == 1 and bp.scenario_points == 6
    assert list(bp.sections) == load_framework().domain_ids
    assert all(plan.mc == 10 for plan in bp.sections.values())  # 120 per form
    assert {s for s, plan in bp.sections.items() if plan.scenario} == {
        "crisis-safety",
        "ethics-boundaries",
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["items"][0]["options"].pop("D"), "exactly A, B, C and D"),
        (lambda d: d["items"][0].__setitem__("key", "E"), "key"),
        (lambda d: d["items"][0]["source"].__setitem__("seed", 2), 'quotes, e.g. seed: "002"'),
        (lambda d: d["items"][0]["source"].__setitem__("seed", "007"), "seed must be one of"),
        (lambda d: d["items"][0].__setitem__("forms", ["A", "B"]), "forms"),
        (lambda d: d["items"][0].__setitem__("id", "culture-b1"), "needs an id like culture-a1"),
        (lambda d: d["items"][0].__setitem__("colour", "red"), "colour"),
        (lambda d: d["items"][0]["options"].__setitem__("B", d["items"][0]["options"]["A"]),
         "same text"),
        (lambda d: d.__setitem__("section", "cooking"), "in section cooking needs an id"),
    ],
)  # fmt: skip
def test_schema_rejects_malformed_items(bank_dir: Path, change, expected: str) -> None:  # noqa: ANN001
    _edit(bank_dir, "culture", change)
    assert expected in _problems(bank_dir)


def test_scenario_rubric_must_add_up(bank_dir: Path) -> None:
    def change(doc: dict) -> None:
        scenario = next(i for i in doc["items"] if i["type"] == "scenario")
        scenario["rubric"][0]["points"] = 5

    _edit(bank_dir, "crisis-safety", change)
    assert "rubric points add up to 7, the item is worth 3" in _problems(bank_dir)


def test_blueprint_check_names_the_missing_item(bank_dir: Path) -> None:
    _edit(bank_dir, "advocacy", lambda d: d["items"].pop(3))  # advocacy-b2
    assert "advocacy, form B: 1 multiple-choice items, the blueprint asks for 2" in _problems(
        bank_dir
    )


def test_duplicate_ids_and_missing_files_are_reported(bank_dir: Path) -> None:
    _edit(bank_dir, "culture", lambda d: d["items"].append(dict(d["items"][0])))
    (bank_dir / "items" / "self-care.yaml").unlink()
    problems = _problems(bank_dir)
    assert "item id culture-a1 appears twice" in problems
    assert "no items file for section self-care" in problems


def test_quality_check_finds_unbalanced_keys_and_near_duplicates(bank_dir: Path) -> None:
    def change(doc: dict) -> None:
        for item in doc["items"]:
            item["key"] = "A"
        doc["items"][2]["stem"] = doc["items"][0]["stem"].replace("Form A", "Form B")
        doc["items"][1]["options"]["C"] = "All of the above"

    _edit(bank_dir, "culture", change)
    problems = "\n".join(check_quality(load_bank(bank_dir)))
    assert "culture: key letters are unbalanced" in problems
    assert "culture-a1 and culture-b1 have nearly the same stem" in problems
    assert "culture-a2: option C is a '... of the above' option" in problems


# ----------------------------------------------------------------- the real item bank
# These run on every checkout: a bank that does not load is a failure, not a skip.


def test_real_bank_satisfies_the_blueprint_with_enough_items() -> None:
    bank = load_bank(REPO / "assessments")
    for form in bank.blueprint.forms:
        for section in bank.blueprint.section_order:
            items = bank.form_items(form, [section])
            assert sum(i.type == "mc" for i in items) == 10, (form, section)
        assert any(i.type == "scenario" for i in bank.form_items(form)), form


def test_real_bank_follows_the_item_writing_rules() -> None:
    assert check_quality(load_bank(REPO / "assessments")) == []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not available")
def test_real_bank_passages_are_exact_phrases_of_their_seed() -> None:
    def norm(text: str) -> str:
        text = text.replace("’", "'").replace("“", '"').replace("”", '"')
        return re.sub(r"\s+", " ", text).strip().casefold()

    seeds = {p.name[:3]: norm(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    missing = [
        f"{item.id}: {item.source.passage!r} not in seed {item.source.seed}"
        for item in load_bank(REPO / "assessments").items
        if norm(item.source.passage) not in seeds[item.source.seed]
    ]
    assert missing == []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not available")
def test_real_bank_keys_cannot_be_guessed_from_wording() -> None:
    from ppskit.exam.lint import MAX_SOLVER_SCORE, lint_bank

    report = lint_bank(load_bank(REPO / "assessments"), SEEDS)
    assert report.problems == [], report.summary()
    assert report.items == 360  # 3 forms x 12 domains x 10
    assert all(score <= MAX_SOLVER_SCORE for score, _ in report.solver.values())


def test_real_bank_tests_seeds_001_and_004_on_every_form() -> None:
    bank = load_bank(REPO / "assessments")
    for form in bank.blueprint.forms:
        seeds = [i.source.seed for i in bank.form_items(form)]
        assert seeds.count("001") >= 3, form  # roles by service intensity
        assert seeds.count("004") >= 5, (
            form
        )  # CPS-P admission, stay, discharge, family, supervision
