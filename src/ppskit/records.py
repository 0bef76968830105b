"""Row schemas for everything that enters the ledger (CSV imports and single commands).

Each model validates one row on its own; checks that need the ledger (unknown trainee,
duplicates, hours per day) live in :mod:`ppskit.imports`. Messages are plain sentences
because trainers and supervisors read them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

YES = {"yes", "true", "1", "y"}
NO = {"no", "false", "0", "n"}

CATEGORIES = ("core", "ce", "supervision")
SOURCES = ("module", "session", "external")
CERT_EVENTS = ("issued", "renewed", "suspended", "reinstated", "revoked", "transferred")


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
    raise ValueError(f"'{value}' is not yes or no (use yes/no, true/false or 1/0)")


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
        raise ValueError(f"'{text}' is not a date; write it as YYYY-MM-DD") from None


def _required_text(value: object, what: str) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValueError(f"{what} is required")
    return text


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TraineeRow(_Row):
    """``trainee_id,name,birth_date,lived_experience,education,id_verified,employed_2022_01_01,profile``"""

    trainee_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    name: str
    birth_date: date
    lived_experience: bool
    education: str
    id_verified: bool
    employed_2022_01_01: bool | None = None
    profile: str | None = None

    @field_validator("trainee_id", mode="before")
    @classmethod
    def _id(cls, v: object) -> str:
        text = _required_text(v, "a trainee id")
        if (
            len(text) > 64
            or not text[0].isalnum()
            or any(not (c.isalnum() or c in "_.-") for c in text)
        ):
            raise ValueError(
                f"'{text}' is not a usable trainee id (letters, digits, '-', '_' or '.')"
            )
        return text

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: object) -> str:
        return _required_text(v, "a name")

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
        return _required_text(v, "education").lower()

    @field_validator("profile", mode="before")
    @classmethod
    def _profile(cls, v: object) -> str | None:
        text = str(v if v is not None else "").strip()
        return text or None


class HoursRow(_Row):
    """``trainee_id,date,hours,category,topic,source,verified,note``"""

    trainee_id: str
    date: date
    hours: float
    category: Literal["core", "ce", "supervision"]
    topic: str = ""
    source: Literal["module", "session", "external"]
    verified: bool
    note: str = ""

    @field_validator("trainee_id", mode="before")
    @classmethod
    def _id(cls, v: object) -> str:
        return _required_text(v, "a trainee id")

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
            raise ValueError(f"'{text}' is not a number of hours") from None
        if hours != hours or hours <= 0:
            raise ValueError(f"hours must be more than 0 (got {text})")
        if hours > 24:
            raise ValueError(f"hours must be 24 or fewer in one row (got {text})")
        if round(hours, 2) != hours:
            raise ValueError(f"hours can have at most two decimals (got {text})")
        return hours

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, v: object) -> str:
        text = str(v or "").strip().lower()
        if text not in CATEGORIES:
            raise ValueError(f"category '{v}' is not one of {', '.join(CATEGORIES)}")
        return text

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, v: object) -> str:
        text = str(v or "").strip().lower()
        if text not in SOURCES:
            raise ValueError(f"source '{v}' is not one of {', '.join(SOURCES)}")
        return text

    @field_validator("verified", mode="before")
    @classmethod
    def _verified(cls, v: object) -> bool:
        return parse_yes_no(v)

    @field_validator("topic", "note", mode="before")
    @classmethod
    def _text(cls, v: object) -> str:
        return str(v if v is not None else "").strip()


class ExamRow(_Row):
    """``trainee_id,date,form,section,score_pct`` — one section of one sitting."""

    trainee_id: str
    date: date
    form: str
    section: str
    score_pct: float

    @field_validator("trainee_id", "form", "section", mode="before")
    @classmethod
    def _text(cls, v: object, info) -> str:  # noqa: ANN001
        return _required_text(v, info.field_name.replace("_", " "))

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
            raise ValueError(f"'{text}' is not a percentage") from None
        if not 0 <= score <= 100:
            raise ValueError(f"score must be between 0 and 100 (got {text})")
        return score


TRAINEE_COLUMNS = list(TraineeRow.model_fields)
HOURS_COLUMNS = list(HoursRow.model_fields)
EXAM_COLUMNS = list(ExamRow.model_fields)
