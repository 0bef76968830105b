"""The exam item bank and blueprint: YAML files validated by pydantic schemas.

``assessments/items/<section>.yaml`` holds one section's items (the pinned format is in
``docs/exams.md``); ``assessments/blueprint.yaml`` says how many items and points each
section has on every form. :func:`check_blueprint` proves every form satisfies the
blueprint with its own items; :func:`check_quality` applies the item-writing rules that
a schema can check (balanced keys, no "all of the above", no repeated stems).

Only pydantic, PyYAML and the standard library are imported here, so the CLI and the
tests can validate a bank without loading nbgrader.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ppskit.framework import load_framework

LETTERS = ("A", "B", "C", "D")
SEEDS = ("000", "001", "002", "003", "004")
_FORM = r"[A-Z]"


class BankError(ValueError):
    """The bank or blueprint is invalid; ``problems`` lists every finding, one a line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """Where an item comes from: a seed document and a short exact phrase from it."""

    seed: str
    passage: str = Field(min_length=3)

    @field_validator("seed", mode="before")
    @classmethod
    def _seed_is_quoted(cls, value: object) -> object:
        if isinstance(value, int):
            raise ValueError(f'write the seed number in quotes, e.g. seed: "{value:03d}"')
        return value

    @field_validator("seed")
    @classmethod
    def _known_seed(cls, value: str) -> str:
        if value not in SEEDS:
            raise ValueError(f"seed must be one of {', '.join(SEEDS)}")
        return value


class RubricLine(_Strict):
    """One criterion of a scenario item's rubric and the points it is worth."""

    criterion: str = Field(min_length=3)
    points: int = Field(gt=0)


class _Item(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    forms: list[str] = Field(min_length=1, max_length=1)
    points: int = Field(gt=0)
    stem: str = Field(min_length=10)
    source: Source
    # The one thing the item tests, as a short id; the lint allows one item per skill on
    # a form (ppskit.exam.lint.skill_problems).
    skill: str | None = Field(default=None, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)

    @field_validator("forms")
    @classmethod
    def _form_letters(cls, value: list[str]) -> list[str]:
        for form in value:
            if not re.fullmatch(_FORM, form):
                raise ValueError(f"form {form!r} must be one capital letter (A, B, C)")
        return value

    @property
    def form(self) -> str:
        """The one form this item belongs to."""
        return self.forms[0]


class MCItem(_Item):
    """A multiple-choice item, autograded: four options A-D and one key."""

    type: Literal["mc"]
    options: dict[str, str]
    key: Literal["A", "B", "C", "D"]
    rationale: str = Field(min_length=10)

    @field_validator("options")
    @classmethod
    def _four_options(cls, value: dict[str, str]) -> dict[str, str]:
        if tuple(value) != LETTERS:
            raise ValueError("options must be exactly A, B, C and D, in that order")
        texts = [v.strip() for v in value.values()]
        if any(not t for t in texts):
            raise ValueError("every option needs text")
        if len({t.casefold() for t in texts}) != len(texts):
            raise ValueError("two options have the same text")
        return value


class ScenarioItem(_Item):
    """A scenario item, graded by a trainer in the formgrader against a rubric."""

    type: Literal["scenario"]
    rubric: list[RubricLine] = Field(min_length=1)
    model_answer: str = Field(min_length=10)

    @model_validator(mode="after")
    def _rubric_adds_up(self) -> ScenarioItem:
        total = sum(line.points for line in self.rubric)
        if total != self.points:
            raise ValueError(f"rubric points add up to {total}, the item is worth {self.points}")
        return self


Item = Annotated[MCItem | ScenarioItem, Field(discriminator="type")]


class SectionFile(_Strict):
    """One ``assessments/items/<section>.yaml`` file."""

    section: str
    items: list[Item] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_match(self) -> SectionFile:
        for item in self.items:
            letter = item.form.lower()
            infix = "s" if item.type == "scenario" else ""
            pattern = rf"{re.escape(self.section)}-{letter}{infix}[1-9][0-9]*"
            if not re.fullmatch(pattern, item.id):
                kind = "scenario" if infix else "multiple-choice"
                raise ValueError(
                    f"item {item.id!r}: a {kind} item of form {item.form} in section "
                    f"{self.section} needs an id like {self.section}-{letter}{infix}1"
                )
        return self


class SectionPlan(_Strict):
    """How many items of each type a section has on every form."""

    mc: int = Field(ge=0)
    scenario: int = Field(default=0, ge=0)


class Blueprint(_Strict):
    """``assessments/blueprint.yaml``: the shape every form of the exam has."""

    forms: list[str] = Field(min_length=1)
    mc_points: int = Field(gt=0)
    scenario_points: int = Field(gt=0)
    sections: dict[str, SectionPlan]

    @field_validator("forms")
    @classmethod
    def _form_letters(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value) or not all(re.fullmatch(_FORM, f) for f in value):
            raise ValueError("forms must be distinct capital letters, e.g. [A, B, C]")
        return value

    @model_validator(mode="after")
    def _every_domain(self) -> Blueprint:
        domains = load_framework().domain_ids
        if sorted(self.sections) != sorted(domains):
            missing = [d for d in domains if d not in self.sections]
            extra = [s for s in self.sections if s not in domains]
            raise ValueError(
                "the blueprint needs one section per core domain"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not a core domain: {', '.join(extra)}" if extra else "")
            )
        return self

    @property
    def section_order(self) -> list[str]:
        """Sections in framework order (the order the exam notebook shows them)."""
        return [d for d in load_framework().domain_ids if d in self.sections]

    def section_points(self, section: str) -> int:
        """Points a section is worth on one form."""
        plan = self.sections[section]
        return plan.mc * self.mc_points + plan.scenario * self.scenario_points


@dataclass(frozen=True)
class Bank:
    """Every item of every section, plus the blueprint they are written to."""

    blueprint: Blueprint
    sections: dict[str, SectionFile]

    @property
    def items(self) -> list[MCItem | ScenarioItem]:
        """All items, sections in framework order, items in file order."""
        return [i for s in self.blueprint.section_order for i in self.sections[s].items]

    def item(self, item_id: str) -> MCItem | ScenarioItem:
        """One item by id."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def form_items(self, form: str, sections: list[str] | None = None) -> list:
        """The items of one form, optionally only some sections, in exam order.

        Within a section multiple-choice items come first, then scenarios, each in
        file order, so a notebook reads the same way every time it is built.
        """
        wanted = self.blueprint.section_order if sections is None else sections
        chosen = []
        for section in self.blueprint.section_order:
            if section not in wanted:
                continue
            items = [i for i in self.sections[section].items if i.form == form]
            chosen += [i for i in items if i.type == "mc"]
            chosen += [i for i in items if i.type == "scenario"]
        return chosen


def _format_validation(where: str, err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if p not in ("mc", "scenario"))
        msg = e["msg"].removeprefix("Value error, ")
        out.append(f"{where}: {loc}: {msg}" if loc else f"{where}: {msg}")
    return out


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BankError([f"{path}: not valid YAML: {exc}"]) from None


def load_blueprint(path: Path | str) -> Blueprint:
    """Read and validate a blueprint file."""
    path = Path(path)
    if not path.is_file():
        raise BankError([f"{path}: no blueprint file"])
    try:
        return Blueprint.model_validate(_read_yaml(path))
    except ValidationError as err:
        raise BankError(_format_validation(str(path), err)) from None


def load_bank(assessments: Path | str, *, check_counts: bool = True) -> Bank:
    """Read and validate ``<assessments>/blueprint.yaml`` and ``<assessments>/items/*.yaml``.

    Every problem in every file is collected before raising :class:`BankError`, so an
    item writer sees the whole list at once. The bank is also checked against the
    blueprint (:func:`check_blueprint`) unless ``check_counts`` is false (an item writer
    linting sections while the rest of the bank is still being written).
    """
    assessments = Path(assessments)
    blueprint = load_blueprint(assessments / "blueprint.yaml")
    problems: list[str] = []
    sections: dict[str, SectionFile] = {}
    files = sorted((assessments / "items").glob("*.yaml"))
    for path in files:
        try:
            parsed = SectionFile.model_validate(_read_yaml(path))
        except BankError as err:
            problems += err.problems
            continue
        except ValidationError as err:
            problems += _format_validation(str(path), err)
            continue
        if path.stem != parsed.section:
            problems.append(f"{path}: section {parsed.section!r} belongs in {parsed.section}.yaml")
        elif parsed.section not in blueprint.sections:
            problems.append(f"{path}: {parsed.section!r} is not a section of the blueprint")
        else:
            sections[parsed.section] = parsed
    for section in blueprint.section_order:
        if section not in sections and not any(p.stem == section for p in files):
            problems.append(f"{assessments / 'items'}: no items file for section {section}")
    seen: dict[str, str] = {}
    for sf in sections.values():
        for item in sf.items:
            if item.id in seen:
                problems.append(f"item id {item.id} appears twice")
            seen[item.id] = sf.section
            if item.form not in blueprint.forms:
                problems.append(f"item {item.id}: form {item.form} is not in the blueprint")
    if problems:
        raise BankError(problems)
    bank = Bank(blueprint=blueprint, sections=sections)
    problems = check_blueprint(bank) if check_counts else []
    if problems:
        raise BankError(problems)
    return bank


def check_blueprint(bank: Bank) -> list[str]:
    """Every form has exactly the blueprint's items and points in every section."""
    bp = bank.blueprint
    problems = []
    for section in bp.section_order:
        plan = bp.sections[section]
        for form in bp.forms:
            items = [i for i in bank.sections[section].items if i.form == form]
            mc = [i for i in items if i.type == "mc"]
            sc = [i for i in items if i.type == "scenario"]
            if len(mc) != plan.mc:
                problems.append(
                    f"{section}, form {form}: {len(mc)} multiple-choice items, "
                    f"the blueprint asks for {plan.mc}"
                )
            if len(sc) != plan.scenario:
                problems.append(
                    f"{section}, form {form}: {len(sc)} scenario items, "
                    f"the blueprint asks for {plan.scenario}"
                )
            for i in mc:
                if i.points != bp.mc_points:
                    problems.append(
                        f"{i.id}: worth {i.points}, multiple-choice items are worth {bp.mc_points}"
                    )
            for i in sc:
                if i.points != bp.scenario_points:
                    problems.append(
                        f"{i.id}: worth {i.points}, scenario items are worth {bp.scenario_points}"
                    )
    return problems


_BANNED_OPTIONS = re.compile(r"\b(all|none) of the above\b|\bboth [a-d] and [a-d]\b", re.I)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", text.casefold())).strip()


def check_quality(bank: Bank, *, similarity: float = 0.85) -> list[str]:
    """Item-writing rules a program can check.

    * no "all/none of the above" or "both A and B" options;
    * key letters balanced across A-D within a section (most and least used letter
      differ by at most 2);
    * no two items whose stems are near-duplicates (difflib ratio >= ``similarity``),
      so a retake on another form never repeats a question in other words.
    """
    problems = []
    for section in bank.blueprint.section_order:
        mc = [i for i in bank.sections[section].items if i.type == "mc"]
        for item in mc:
            for letter, text in item.options.items():
                if _BANNED_OPTIONS.search(text):
                    problems.append(f"{item.id}: option {letter} is a '... of the above' option")
        if mc:
            counts = Counter(i.key for i in mc)
            used = [counts.get(letter, 0) for letter in LETTERS]
            if max(used) - min(used) > 2:
                spread = ", ".join(f"{k}={v}" for k, v in zip(LETTERS, used, strict=True))
                problems.append(f"{section}: key letters are unbalanced ({spread})")
    stems = [(i.id, _norm(i.stem)) for i in bank.items]
    for n, (id_a, a) in enumerate(stems):
        for id_b, b in stems[n + 1 :]:
            matcher = SequenceMatcher(None, a, b, autojunk=False)
            if matcher.real_quick_ratio() < similarity or matcher.quick_ratio() < similarity:
                continue
            if matcher.ratio() >= similarity:
                problems.append(f"{id_a} and {id_b} have nearly the same stem")
    return problems
