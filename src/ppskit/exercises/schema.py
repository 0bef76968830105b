"""The one schema for a module's exercise file, ``content/<module-id>.yaml``.

Every trainee-facing string of a module's exercises, and every answer key and piece of
feedback, lives in that YAML file; notebooks only name an exercise by id. This module
validates the file exactly as the pinned format describes it: unknown keys are errors,
cross references (sort answers, decision-tree links) are checked, and a module must have
at least three exercises of at least three kinds, two of them checked kinds.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"

#: Kinds whose answers the notebook can check; journal and story are never graded.
CHECKED_KINDS = frozenset({"choice", "sort", "decision"})
#: Every exercise kind the format knows, in the order the format lists them.
ALL_KINDS = ("choice", "sort", "decision", "journal", "story")
#: Minimum number of exercises, of kinds, and of checked kinds per module.
MIN_EXERCISES = 3
MIN_KINDS = 3
MIN_CHECKED_KINDS = 2


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


def _text(min_length: int = 1):
    """A required, non-blank string field."""
    return Field(min_length=min_length, pattern=r"\S")


class _ExerciseBase(_Strict):
    id: str = Field(pattern=_KEBAB)
    title: str = _text()
    prompt: str = _text()


# --- multiple choice -----------------------------------------------------------------


class Option(_Strict):
    """One answer option with the feedback a trainee sees after choosing it."""

    text: str = _text()
    correct: bool
    feedback: str = _text()


class ChoiceExercise(_ExerciseBase):
    """Multiple choice (one answer, or "choose all that apply" when ``multiple``)."""

    kind: Literal["choice"]
    multiple: bool = False
    options: list[Option] = Field(min_length=2)

    @model_validator(mode="after")
    def _keys(self) -> ChoiceExercise:
        right = sum(o.correct for o in self.options)
        if right == 0:
            raise ValueError(f"{self.id}: no option is marked correct: true")
        if not self.multiple and right != 1:
            raise ValueError(f"{self.id}: exactly one option may be correct unless multiple: true")
        texts = [o.text.strip() for o in self.options]
        if len(set(texts)) != len(texts):
            raise ValueError(f"{self.id}: two options have the same text")
        return self


# --- sort / match --------------------------------------------------------------------


class Card(_Strict):
    """A card the trainee places in one category, with why it belongs there."""

    text: str = _text()
    answer: str = _text()
    why: str = _text()


class SortExercise(_ExerciseBase):
    """Sort/match: place each card in the right category."""

    kind: Literal["sort"]
    categories: list[str] = Field(min_length=2)
    cards: list[Card] = Field(min_length=2)

    @model_validator(mode="after")
    def _answers(self) -> SortExercise:
        if len(set(self.categories)) != len(self.categories):
            raise ValueError(f"{self.id}: categories must be unique")
        for card in self.cards:
            if card.answer not in self.categories:
                raise ValueError(
                    f"{self.id}: card {card.text!r} has answer {card.answer!r}, "
                    f"which is not one of the categories {self.categories}"
                )
        texts = [c.text.strip() for c in self.cards]
        if len(set(texts)) != len(texts):
            raise ValueError(f"{self.id}: two cards have the same text")
        return self


# --- scenario decision tree ----------------------------------------------------------


class Choice(_Strict):
    """A choice at a decision node: where it leads and why it helps or hurts."""

    label: str = _text()
    next: str = Field(pattern=_KEBAB)
    feedback: str = _text()


class Node(_Strict):
    """A step of a scenario: either choices to make, or an end with an outcome."""

    text: str = _text()
    choices: list[Choice] | None = None
    end: bool = False
    outcome: Literal["good", "mixed", "poor"] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Node:
        if self.end:
            if self.choices:
                raise ValueError("an end node has no choices")
            if self.outcome is None:
                raise ValueError("an end node needs an outcome (good, mixed or poor)")
        else:
            if not self.choices:
                raise ValueError("a node that is not an end needs at least one choice")
            if self.outcome is not None:
                raise ValueError("only an end node has an outcome")
        return self


class DecisionExercise(_ExerciseBase):
    """A scenario decision tree walked from ``start`` to an end node."""

    kind: Literal["decision"]
    start: str = Field(pattern=_KEBAB)
    nodes: dict[str, Node] = Field(min_length=2)

    @field_validator("nodes")
    @classmethod
    def _node_ids(cls, nodes: dict[str, Node]) -> dict[str, Node]:
        for key in nodes:
            if not re.fullmatch(_KEBAB, key):
                raise ValueError(f"node id {key!r} must be kebab-case")
        return nodes

    @model_validator(mode="after")
    def _graph(self) -> DecisionExercise:
        if self.start not in self.nodes:
            raise ValueError(f"{self.id}: start node {self.start!r} is not defined")
        for node_id, node in self.nodes.items():
            for choice in node.choices or []:
                if choice.next not in self.nodes:
                    raise ValueError(
                        f"{self.id}: node {node_id!r} leads to unknown node {choice.next!r}"
                    )
        # Every node must be reachable from the start (a typo usually orphans a node) ...
        reachable, todo = {self.start}, [self.start]
        while todo:
            for choice in self.nodes[todo.pop()].choices or []:
                if choice.next not in reachable:
                    reachable.add(choice.next)
                    todo.append(choice.next)
        orphans = sorted(set(self.nodes) - reachable)
        if orphans:
            raise ValueError(f"{self.id}: nodes not reachable from the start: {orphans}")
        # ... and every node must still lead to some end, so no trainee gets stuck in a loop.
        ends = {k for k, n in self.nodes.items() if n.end}
        if not ends:
            raise ValueError(f"{self.id}: the tree has no end node")
        can_end, changed = set(ends), True
        while changed:
            changed = False
            for node_id, node in self.nodes.items():
                if node_id not in can_end and any(c.next in can_end for c in node.choices or []):
                    can_end.add(node_id)
                    changed = True
        stuck = sorted(set(self.nodes) - can_end)
        if stuck:
            raise ValueError(f"{self.id}: nodes from which no end can be reached: {stuck}")
        return self


# --- reflection journal --------------------------------------------------------------


class JournalExercise(_ExerciseBase):
    """Reflection journal: free text saved locally, never graded."""

    kind: Literal["journal"]
    questions: list[Annotated[str, Field(min_length=1, pattern=r"\S")]] = Field(
        min_length=1, max_length=4
    )


# --- telling your story builder ------------------------------------------------------


class StoryStep(_Strict):
    """One short part of the story draft."""

    id: str = Field(pattern=_KEBAB)
    label: str = _text()
    help: str = _text()
    max_words: int = Field(gt=0, le=500)


class BoundaryCheck(_Strict):
    """A yes/no question the trainee answers about the draft before it is ready."""

    question: str = _text()
    safe_answer: Literal["yes", "no"]
    why: str = _text()

    @field_validator("safe_answer", mode="before")
    @classmethod
    def _yaml_booleans(cls, value: object) -> object:
        # An unquoted yes/no in YAML 1.1 loads as a boolean; it means the same answer.
        if isinstance(value, bool):
            return "yes" if value else "no"
        return value


class RedFlag(_Strict):
    """A phrase that, if it appears in the draft, brings up a gentle warning."""

    pattern: str = _text()
    message: str = _text()


class StoryExercise(_ExerciseBase):
    """The "telling your story" builder: a purposeful, boundaried self-disclosure."""

    kind: Literal["story"]
    purposes: list[str] = Field(min_length=1)
    audiences: list[str] = Field(min_length=1)
    steps: list[StoryStep] = Field(min_length=1)
    boundary_checks: list[BoundaryCheck] = Field(min_length=1)
    red_flags: list[RedFlag] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> StoryExercise:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.id}: step ids must be unique")
        return self


Exercise = Annotated[
    ChoiceExercise | SortExercise | DecisionExercise | JournalExercise | StoryExercise,
    Field(discriminator="kind"),
]


class ModuleContent(_Strict):
    """All exercises of one module, as stored in ``content/<module-id>.yaml``."""

    module: str = Field(pattern=_KEBAB)
    exercises: list[Exercise] = Field(min_length=MIN_EXERCISES)

    @model_validator(mode="after")
    def _rules(self) -> ModuleContent:
        ids = [e.id for e in self.exercises]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"exercise ids used twice: {dupes}")
        for ex_id in ids:
            if not (ex_id == self.module or ex_id.startswith(self.module + "-")):
                raise ValueError(f"exercise id {ex_id!r} must start with the module id")
        kinds = {e.kind for e in self.exercises}
        if len(kinds) < MIN_KINDS or len(kinds & CHECKED_KINDS) < MIN_CHECKED_KINDS:
            raise ValueError(
                f"module {self.module}: needs at least {MIN_KINDS} kinds of exercise, "
                f"{MIN_CHECKED_KINDS} of them checked kinds (choice, sort, decision); "
                f"has {sorted(kinds)}"
            )
        return self

    def get(self, exercise_id: str):
        """Return the exercise with this id, or raise ``KeyError``."""
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        raise KeyError(exercise_id)

    @property
    def ids(self) -> list[str]:
        """Exercise ids in file order."""
        return [e.id for e in self.exercises]
