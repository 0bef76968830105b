"""The shape of a state law sheet (``sheets/<state>.yaml``), validated strictly.

A sheet is data: plain-language statements about one state's law, each with the statute
or official page it comes from. A statement that could not be checked against its source
says so (``unverified: true``) and why (``review:``), so nobody mistakes it for a
confirmed fact. Every topic ends with ``ask_next``: a sheet informs, it never advises.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Topic ids are shared across states, so a module can ask any sheet for the same one.
TOPIC_ID = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Statement(_Strict):
    """One plain sentence or two about the law, with the source a reader can open."""

    text: str = Field(min_length=1)
    citation: str = Field(min_length=1)  # "Cal. Penal Code § 11166(a)"
    url: str = Field(pattern=r"^https://\S+$")  # the official page of that source
    unverified: bool = False
    review: str | None = None

    @model_validator(mode="after")
    def _unverified_says_why(self) -> Statement:
        if self.unverified and not (self.review or "").strip():
            raise ValueError("an unverified statement needs a review: note saying why")
        return self


class Topic(_Strict):
    """What one state's law says on one subject, and the next step to take."""

    id: str = Field(pattern=TOPIC_ID)
    title: str = Field(min_length=1)
    statements: list[Statement] = Field(min_length=1)
    ask_next: str = Field(min_length=1)


class Sheet(_Strict):
    """One state's sheet: its topics, and the day its statements were last checked."""

    state: str = Field(pattern=r"^[A-Z]{2}$")
    name: str = Field(min_length=1)
    as_of: date
    topics: list[Topic] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _date_from_yaml(cls, data: object) -> object:
        # Strict mode takes a date object; YAML gives one for an unquoted date, but a
        # quoted "2026-12-01" would arrive as text, and either spelling is meant.
        if isinstance(data, dict) and isinstance(data.get("as_of"), str):
            return {**data, "as_of": date.fromisoformat(data["as_of"])}
        return data

    @model_validator(mode="after")
    def _topic_ids_unique(self) -> Sheet:
        ids = [t.id for t in self.topics]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"topic ids appear more than once: {twice}")
        return self

    def topic(self, topic_id: str) -> Topic | None:
        """The topic with this id, or None when this sheet does not cover it yet."""
        return next((t for t in self.topics if t.id == topic_id), None)

    @property
    def topic_ids(self) -> list[str]:
        """Ids of the sheet's topics, in file order."""
        return [t.id for t in self.topics]
