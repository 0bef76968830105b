"""The one schema for a facilitated session guide, ``guides/<id>.yaml``.

A guide is what a trainer needs to run one live session and what makes its hours true:
an agenda whose minutes add up to the session's length, role-plays with a script for both
parts, discussion questions, and the observed skill check the trainer scores with a
rubric. The session's credited hours are the agenda's minutes (breaks excluded) over 60;
nothing else sets them.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"

#: What an agenda item is; a ``break`` is in the agenda but not in the credited minutes.
ACTIVITIES = (
    "welcome",
    "teaching",
    "discussion",
    "role-play",
    "practice",
    "skill-check",
    "closing",
    "break",
)
#: Levels of a rubric criterion, lowest first (the number a trainer records).
LEVELS = (1, 2, 3)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _text():
    return Field(min_length=1, pattern=r"\S")


class AgendaItem(_Strict):
    """One block of the session, with its minutes and what the facilitator does."""

    id: str = Field(pattern=_KEBAB)
    title: str = _text()
    activity: Literal[ACTIVITIES]  # type: ignore[valid-type]
    minutes: int = Field(gt=0, le=120)
    steps: list[str] = Field(min_length=1)


class Line(_Strict):
    """One spoken line of a role-play script."""

    who: str = _text()
    says: str = _text()


class Part(_Strict):
    """One part of a role-play: who plays it, what they know, and their lines."""

    role: str = _text()
    brief: str = _text()


def speaker(role: str) -> str:
    """The name a part speaks under in a script: its role before any bracket
    ("Ana (the parent)" speaks as "Ana")."""
    return role.split(" (", 1)[0].split(", ", 1)[0].strip()


class RolePlay(_Strict):
    """A role-play with both parts briefed and a script to start from; every line is
    spoken by one of the parts (its role, or the name before the role's bracket or
    comma) and at least two parts speak (an observer's part may have no lines)."""

    id: str = Field(pattern=_KEBAB)
    title: str = _text()
    agenda_item: str = Field(pattern=_KEBAB)
    setup: str = _text()
    parts: list[Part] = Field(min_length=2)
    script: list[Line] = Field(min_length=6)
    debrief: list[str] = Field(min_length=2)

    def part_of(self, who: str) -> str | None:
        """The role of the part that speaks a line as ``who`` ("Ana", "Ana (the
        parent)" and "Peer (as the teacher)" all name a part by its speaker name)."""
        for p in self.parts:
            if who == p.role or speaker(who) == speaker(p.role):
                return p.role
        return None

    @model_validator(mode="after")
    def _spoken_by_the_parts(self) -> RolePlay:
        strangers = sorted({ln.who for ln in self.script if self.part_of(ln.who) is None})
        if strangers:
            raise ValueError(f"role-play {self.id}: lines by {strangers}, who are not parts")
        if len({self.part_of(line.who) for line in self.script}) < 2:
            raise ValueError(f"role-play {self.id}: at least two parts must speak")
        return self


class Criterion(_Strict):
    """One rubric row: what the observer looks for, described at each level."""

    id: str = Field(pattern=_KEBAB)
    label: str = _text()
    levels: dict[Literal[1, 2, 3], str]

    @model_validator(mode="after")
    def _every_level(self) -> Criterion:
        if set(self.levels) != set(LEVELS):
            raise ValueError(f"criterion {self.id}: describe levels 1, 2 and 3")
        return self


class PassRule(_Strict):
    """The skill check is passed when every criterion reaches ``min_each`` and the
    levels add up to at least ``min_total``."""

    min_each: Literal[1, 2, 3] = 2
    min_total: int = Field(gt=0)


class SkillCheck(_Strict):
    """The observed skill check: a scenario the trainee plays, scored by the trainer."""

    agenda_item: str = Field(pattern=_KEBAB)
    scenario: str = _text()
    observer: str = _text()
    criteria: list[Criterion] = Field(min_length=3)
    pass_rule: PassRule

    @model_validator(mode="after")
    def _reachable(self) -> SkillCheck:
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError("skill check criteria ids must be unique")
        top = len(self.criteria) * max(LEVELS)
        floor = len(self.criteria) * self.pass_rule.min_each
        if not floor <= self.pass_rule.min_total <= top:
            raise ValueError(
                f"pass_rule.min_total must lie between {floor} and {top} for "
                f"{len(self.criteria)} criteria"
            )
        return self


class SessionGuide(_Strict):
    """A facilitated session for one core domain (``kind: core``) or one CE specialty
    (``kind: ce``)."""

    id: str = Field(pattern=_KEBAB)
    kind: Literal["core", "ce"]
    #: The framework domain (core) or specialty (ce) whose hours the session gives.
    topic: str = Field(pattern=_KEBAB)
    title: str = _text()
    purpose: str = _text()
    #: Seed passages (file and heading or line) or official pages the session teaches.
    sources: list[str] = Field(min_length=1)
    participants: str = _text()
    materials: list[str] = Field(min_length=1)
    agenda: list[AgendaItem] = Field(min_length=3)
    role_plays: list[RolePlay] = Field(min_length=1)
    discussion_questions: list[str] = Field(min_length=3)
    skill_check: SkillCheck | None = None

    @model_validator(mode="after")
    def _cross_references(self) -> SessionGuide:
        ids = [a.id for a in self.agenda]
        if len(set(ids)) != len(ids):
            raise ValueError("agenda ids must be unique")
        for rp in self.role_plays:
            if rp.agenda_item not in ids:
                raise ValueError(f"role-play {rp.id}: no agenda item {rp.agenda_item!r}")
        checks = [a.id for a in self.agenda if a.activity == "skill-check"]
        if self.kind == "core" and self.skill_check is None:
            raise ValueError("a core session needs its observed skill_check")
        if self.skill_check is not None and self.skill_check.agenda_item not in checks:
            raise ValueError(
                "skill_check.agenda_item must name an agenda item whose activity is skill-check"
            )
        return self

    @property
    def minutes(self) -> int:
        """Credited minutes: every agenda item except breaks."""
        return sum(a.minutes for a in self.agenda if a.activity != "break")

    @property
    def hours(self) -> float:
        """Credited hours of the whole session: agenda minutes over 60, rounded down to
        the hundredth (an hours entry holds two decimals; never more than ran)."""
        return math.floor(self.minutes * 100 / 60 + 1e-9) / 100
