"""Row schemas for everything that enters the ledger (CSV imports and single commands).

Each model validates one row on its own; checks that need the ledger (unknown trainee,
duplicates, hours per day) live in :mod:`ppskit.imports`. Messages are plain sentences
because trainers and supervisors read them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ppskit.ledger.tables import exam_results, facts, hours_entries, trainees

YES = {"yes", "true", "1", "y"}
NO = {"no", "false", "0", "n"}

CATEGORIES = ("core", "ce", "supervision", "work", "specialization")
SOURCES = ("module", "session", "external")
CERT_EVENTS = ("issued", "renewed", "suspended", "reinstated", "revoked", "transferred")

# Free-text columns are TEXT in the database, which has no length of its own. A cap keeps
# one row small and makes SQLite and PostgreSQL refuse the same rows: a note or reason is
# a few sentences; 2,000 characters is about a page.
TEXT_MAX_CHARS = 2_000

# Longest value echoed back in a message (a mistyped date can be a whole pasted paragraph).
SHOWN_MAX_CHARS = 40

TRAINEE_ID_MAX = trainees.c.trainee_id.type.length
NAME_MAX = trainees.c.name.type.length
EDUCATION_MAX = trainees.c.education.type.length
PROFILE_MAX = trainees.c.profile.type.length
TOPIC_MAX = hours_entries.c.topic.type.length
FORM_MAX = exam_results.c.form.type.length
SECTION_MAX = exam_results.c.section.type.length
FACT_MAX = facts.c.fact.type.length
RECORDED_BY_MAX = hours_entries.c.recorded_by.type.length


def shown(value: object) -> str:
    """``value`` as text for a message, shortened when it is long."""
    text = str(value if value is not None else "")
    if len(text) > SHOWN_MAX_CHARS:
        return text[: SHOWN_MAX_CHARS - 1] + "…"
    return text


def check_length(text: str, limit: int, what: str) -> str:
    """``text`` unchanged, or a plain ``ValueError`` when it has more than ``limit``
    characters (the column's length in the database)."""
    if len(text) > limit:
        raise ValueError(f"{what} is longer than {limit:,} characters (it has {len(text):,})")
    return text


def parse_yes_no(value: object, *, allow_blank: bool = False) -> bool | None:
    """yes/no/true/false/1/0 (any case) -> bool; blank -> None when allowed."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text == "" and allow_blank:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"'{shown(value)}' is not yes or no (use yes/no, true/false or 1/0)")


def parse_date(value: object) -> date:
    """ISO ``YYYY-MM-DD`` -> date, with a plain message otherwise."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        raise ValueError("a date is required (YYYY-MM-DD)")
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{shown(text)}' is not a date; write it as YYYY-MM-DD") from None


def _required_text(value: object, what: str, limit: int | None = None) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValueError(f"{what} is required")
    return text if limit is None else check_length(text, limit, what)


def _optional_text(value: object, what: str, limit: int) -> str:
    return check_length(str(value if value is not None else "").strip(), limit, what)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TraineeRow(_Row):
    """``trainee_id,name,birth_date,lived_experience,education,id_verified,employed_2022_01_01,profile``
    and, optionally, ``enrolled_on`` (blank or absent: the import date)."""

    trainee_id: str = Field(pattern=rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,{TRAINEE_ID_MAX - 1}}}$")
    name: str
    birth_date: date
    lived_experience: bool
    education: str
    id_verified: bool
    employed_2022_01_01: bool | None = None
    profile: str | None = None
    enrolled_on: date | None = None

    @field_validator("trainee_id", mode="before")
    @classmethod
    def _id(cls, v: object) -> str:
        text = check_length(_required_text(v, "a trainee id"), TRAINEE_ID_MAX, "trainee id")
        if not text[0].isalnum() or any(not (c.isalnum() or c in "_.-") for c in text):
            raise ValueError(
                f"'{shown(text)}' is not a usable trainee id (letters, digits, '-', '_' or '.')"
            )
        return text

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: object) -> str:
        return check_length(_required_text(v, "a name"), NAME_MAX, "name")

    @field_validator("birth_date", mode="before")
    @classmethod
    def _birth(cls, v: object) -> date:
        return parse_date(v)

    @field_validator("lived_experience", "id_verified", mode="before")
    @classmethod
    def _yes_no(cls, v: object) -> bool:
        return parse_yes_no(v)

    @field_validator("employed_2022_01_01", mode="before")
    @classmethod
    def _yes_no_blank(cls, v: object) -> bool | None:
        return parse_yes_no(v, allow_blank=True)

    @field_validator("education", mode="before")
    @classmethod
    def _education(cls, v: object) -> str:
        return check_length(_required_text(v, "education"), EDUCATION_MAX, "education").lower()

    @field_validator("profile", mode="before")
    @classmethod
    def _profile(cls, v: object) -> str | None:
        return _optional_text(v, "profile", PROFILE_MAX) or None

    @field_validator("enrolled_on", mode="before")
    @classmethod
    def _enrolled(cls, v: object) -> date | None:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return parse_date(v)


class HoursRow(_Row):
    """``trainee_id,date,hours,category,topic,source,verified,note``"""

    trainee_id: str
    date: date
    hours: float
    category: Literal["core", "ce", "supervision", "work", "specialization"]
    topic: str = ""
    source: Literal["module", "session", "external"]
    verified: bool
    note: str = ""

    @field_validator("trainee_id", mode="before")
    @classmethod
    def _id(cls, v: object) -> str:
        return check_length(_required_text(v, "a trainee id"), TRAINEE_ID_MAX, "trainee id")

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: object) -> date:
        return parse_date(v)

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, v: object) -> float:
        text = str(v if v is not None else "").strip()
        try:
            hours = float(text)
        except ValueError:
            raise ValueError(f"'{shown(text)}' is not a number of hours") from None
        if hours != hours or hours <= 0:
            raise ValueError(f"hours must be more than 0 (got {shown(text)})")
        if hours > 24:
            raise ValueError(f"hours must be 24 or fewer in one row (got {shown(text)})")
        if round(hours, 2) != hours:
            raise ValueError(f"hours can have at most two decimals (got {shown(text)})")
        return hours

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: object) -> str:
        text = str(v or "").strip().lower()
        if text not in CATEGORIES:
            raise ValueError(f"category '{shown(v)}' is not one of {', '.join(CATEGORIES)}")
        return text

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, v: object) -> str:
        text = str(v or "").strip().lower()
        if text not in SOURCES:
            raise ValueError(f"source '{shown(v)}' is not one of {', '.join(SOURCES)}")
        return text

    @field_validator("verified", mode="before")
    @classmethod
    def _verified(cls, v: object) -> bool:
        return parse_yes_no(v)

    @field_validator("topic", mode="before")
    @classmethod
    def _topic(cls, v: object) -> str:
        return _optional_text(v, "topic", TOPIC_MAX)

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, v: object) -> str:
        return _optional_text(v, "note", TEXT_MAX_CHARS)


FORM_ID = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9-]{{0,{FORM_MAX - 1}}}$")


class ExamRow(_Row):
    """``trainee_id,date,form,section,score_pct`` — one section of one sitting — and,
    optionally, ``cut_pct``: the form's standard-setting cut the score is judged
    against (blank or absent: the profile's pass mark)."""

    trainee_id: str
    date: date
    form: str
    section: str
    score_pct: float
    cut_pct: float | None = None

    @field_validator("trainee_id", mode="before")
    @classmethod
    def _id(cls, v: object) -> str:
        return check_length(_required_text(v, "trainee id"), TRAINEE_ID_MAX, "trainee id")

    @field_validator("form", mode="before")
    @classmethod
    def _form(cls, v: object) -> str:
        text = _required_text(v, "form")
        if not FORM_ID.match(text):
            raise ValueError(
                f"'{shown(text)}' is not a form id (1 to {FORM_MAX} letters, digits or '-', "
                "starting with a letter or digit, e.g. A or exam-B)"
            )
        return text

    @field_validator("section", mode="before")
    @classmethod
    def _section(cls, v: object) -> str:
        return check_length(_required_text(v, "section"), SECTION_MAX, "section")

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: object) -> date:
        return parse_date(v)

    @field_validator("score_pct", mode="before")
    @classmethod
    def _score(cls, v: object) -> float:
        text = str(v if v is not None else "").strip()
        try:
            score = float(text)
        except ValueError:
            raise ValueError(f"'{shown(text)}' is not a percentage") from None
        if not 0 <= score <= 100:
            raise ValueError(f"score must be between 0 and 100 (got {shown(text)})")
        return score

    @field_validator("cut_pct", mode="before")
    @classmethod
    def _cut(cls, v: object) -> float | None:
        text = str(v if v is not None else "").strip()
        if not text:
            return None
        try:
            cut = float(text)
        except ValueError:
            raise ValueError(
                f"'{shown(text)}' is not a percentage (leave cut_pct blank to use the "
                "profile's pass mark)"
            ) from None
        if not 0 <= cut <= 100:
            raise ValueError(f"the cut must be between 0 and 100 (got {shown(text)})")
        return cut


class FactRow(_Row):
    """``trainee_id,date,fact,value,note`` — one dated yes/no fact a profile's rules read."""

    trainee_id: str
    date: date
    fact: str
    value: bool
    note: str = ""

    @field_validator("trainee_id", mode="before")
    @classmethod
    def _id(cls, v: object) -> str:
        return check_length(_required_text(v, "trainee id"), TRAINEE_ID_MAX, "trainee id")

    @field_validator("fact", mode="before")
    @classmethod
    def _fact(cls, v: object) -> str:
        return check_length(_required_text(v, "fact"), FACT_MAX, "fact")

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: object) -> date:
        return parse_date(v)

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, v: object) -> bool:
        return parse_yes_no(v)

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, v: object) -> str:
        return _optional_text(v, "note", TEXT_MAX_CHARS)


TRAINEE_OPTIONAL_COLUMNS = ["enrolled_on"]
"""Columns a trainees file may add at the end; files without them stay valid."""
TRAINEE_COLUMNS = [c for c in TraineeRow.model_fields if c not in TRAINEE_OPTIONAL_COLUMNS]
HOURS_COLUMNS = list(HoursRow.model_fields)
EXAM_OPTIONAL_COLUMNS = ["cut_pct"]
"""Columns an exam results file may add at the end; the pinned columns stay valid alone."""
EXAM_COLUMNS = [c for c in ExamRow.model_fields if c not in EXAM_OPTIONAL_COLUMNS]
FACT_COLUMNS = list(FactRow.model_fields)

_YES_NO = {**dict.fromkeys(YES, True), **dict.fromkeys(NO, False)}


def plain_hours_row(raw: dict) -> tuple | None:
    """A fast path for :class:`HoursRow` on imports of millions of rows.

    Returns the row's values in ``HOURS_COLUMNS`` order exactly as the model would give
    them, but only when every value is plainly valid; anything else returns ``None``,
    and the caller validates that row with the model, which words the problem. So this
    never decides a message, it only skips the model for rows that are clearly fine.
    """
    try:
        trainee_id = raw["trainee_id"].strip()
        day = raw["date"].strip()
        hours = float(raw["hours"])
        category = raw["category"].strip().lower()
        topic = raw["topic"].strip()
        source = raw["source"].strip().lower()
        verified = _YES_NO[raw["verified"].strip().lower()]
        note = raw["note"].strip()
        if not (
            0 < len(trainee_id) <= TRAINEE_ID_MAX
            and len(day) == 10
            and 0 < hours <= 24
            and round(hours, 2) == hours
            and category in CATEGORIES
            and source in SOURCES
            and len(topic) <= TOPIC_MAX
            and len(note) <= TEXT_MAX_CHARS
        ):
            return None
        return (
            trainee_id,
            date.fromisoformat(day),
            hours,
            category,
            topic,
            source,
            verified,
            note,
        )
    except (KeyError, AttributeError, ValueError):
        return None
