"""Signing the training program's Code of Ethics: the dated fact ``code-of-ethics``.

The code's text is data (``ppskit/framework/code-of-ethics.yaml``). A signature is one
row of the ``facts`` table, written through :func:`ppskit.facts.write_facts` so it meets
every check a ``ppskit facts import`` row meets (registered trainee, declared fact, no
future date). It is recorded for any trainee: each profile's rules decide whether the
fact counts toward that trainee's certification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict, Field

#: The fact a signature records (declared by the profiles that require a signed code).
FACT = "code-of-ethics"
#: How the ledger names the source of a signature (``recorded_by`` is the trainee).
SOURCE = "Code of Ethics signing"
#: Longest typed name accepted (the trainees table's name column).
NAME_MAX = 200
#: How a signature's note begins; the version and typed name follow.
NOTE_PREFIX = "signed the training program's Code of Ethics"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Principle(_Strict):
    """One promise of the code: a short title and its text."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    text: str = Field(min_length=1)
    grounded_in: str = ""


class CodeOfEthics(_Strict):
    """The code a trainee signs."""

    version: str = Field(min_length=1)
    title: str
    intro: str = ""
    principles: list[Principle] = Field(min_length=1)


@cache
def load_code() -> CodeOfEthics:
    """The packaged Code of Ethics (validated)."""
    text = files("ppskit.framework").joinpath("code-of-ethics.yaml").read_text(encoding="utf-8")
    return CodeOfEthics.model_validate(yaml.safe_load(text))


class SignatureRefused(ValueError):
    """The signature cannot be recorded; the message is a plain sentence."""


@dataclass(frozen=True)
class SignOutcome:
    """What happened: ``created`` is False when today's signature was already on record."""

    created: bool
    message: str


def signature_note(version: str, typed_name: str) -> str:
    """The note a signature carries: the code version and the name as typed."""
    return f"{NOTE_PREFIX}, version {version}, typed name: {typed_name}"


def _already_signed(trainee_id: str, on: date, note: str, db: str | None) -> bool:
    # SQLAlchemy only now: the notebook imports this module for the code's text.
    from sqlalchemy import select

    from ppskit.db import read_connection
    from ppskit.ledger.tables import facts

    with read_connection(db) as conn:
        found = conn.execute(
            select(facts.c.fact_id).where(
                facts.c.trainee_id == trainee_id,
                facts.c.fact == FACT,
                facts.c.date == on,
                facts.c.value.is_(True),
                facts.c.note == note,
            )
        ).first()
    return found is not None


def sign_code_of_ethics(
    trainee_id: str,
    version: str,
    typed_name: str,
    db: str | None = None,
    *,
    on: date | None = None,
) -> SignOutcome:
    """Record that ``trainee_id`` signed code ``version`` today as ``typed_name``.

    Writes the fact ``code-of-ethics`` = yes dated ``on`` (default today), with a note
    naming the version and the typed name. Signing the same version with the same name
    twice on one day records it once. Raises :class:`SignatureRefused` for a blank or
    overlong name or a version that is not the current code, and
    :class:`~ppskit.imports.ImportRejected` when the ledger refuses the row (for example
    an unregistered trainee).
    """
    from ppskit.facts import write_facts

    code = load_code()
    if version != code.version:
        raise SignatureRefused(
            f"This is version {version} of the Code of Ethics, but the current one is "
            f"version {code.version}. Please reopen the module and sign the current one."
        )
    name = " ".join((typed_name or "").split())
    if not any(ch.isalpha() for ch in name):
        raise SignatureRefused("Please type your full name to sign.")
    if len(name) > NAME_MAX:
        raise SignatureRefused(f"Please type your name in at most {NAME_MAX} characters.")
    on = on or date.today()
    note = signature_note(version, name)
    try:
        if _already_signed(trainee_id, on, note, db):
            return SignOutcome(
                False,
                f"You already signed version {version} of the Code of Ethics today. "
                "Nothing more to do.",
            )
    except FileNotFoundError:
        pass  # no ledger yet: write_facts explains that the trainee is not registered
    row = {
        "trainee_id": trainee_id,
        "date": on.isoformat(),
        "fact": FACT,
        "value": "yes",
        "note": note,
    }
    write_facts([(0, row)], by=trainee_id, source=SOURCE, db=db, today=on)
    return SignOutcome(
        True,
        f"Thank you, {name}. Your signature on version {version} of the Code of Ethics "
        f"is recorded, dated {on.isoformat()}.",
    )
