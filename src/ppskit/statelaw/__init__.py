"""State law sheets: one YAML file per state, shown in the modules for a trainee's profile.

A certification profile names its state's sheet (``state_sheet: CA``); a national profile
names none. Sheets are read once per process (notebooks pay the cost at the first panel).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import yaml

from ppskit.statelaw.schema import Sheet, Statement, Topic

__all__ = [
    "Sheet",
    "Statement",
    "Topic",
    "available_sheets",
    "default_state",
    "load_sheet",
    "load_sheets",
    "profile_of_trainee",
    "state_of_profile",
]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _sheet_dir():  # noqa: ANN202
    return files(__package__).joinpath("sheets")


@cache
def available_sheets() -> tuple[str, ...]:
    """State codes of every packaged sheet, in order ("CA", "GA", "MS")."""
    return tuple(
        sorted(
            p.name.removesuffix(".yaml").upper()
            for p in _sheet_dir().iterdir()
            if p.name.endswith(".yaml")
        )
    )


def parse_sheet(text: str) -> Sheet:
    """Validate a sheet's YAML text."""
    return Sheet.model_validate(yaml.load(text, Loader=_Loader))


def load_sheet(state: str) -> Sheet:
    """The validated sheet of one state, any case (``KeyError`` naming the known codes)."""
    return _load_sheet(state.strip().upper())


@cache
def _load_sheet(code: str) -> Sheet:
    if code not in available_sheets():
        raise KeyError(f"no state law sheet for {code!r}; known: {', '.join(available_sheets())}")
    sheet = parse_sheet(_sheet_dir().joinpath(f"{code.lower()}.yaml").read_text("utf-8"))
    if sheet.state != code:
        raise ValueError(f"sheets/{code.lower()}.yaml says it is the sheet of {sheet.state}")
    return sheet


def load_sheets() -> list[Sheet]:
    """Every packaged sheet, in state-code order."""
    return [load_sheet(s) for s in available_sheets()]


def state_of_profile(profile: str | None) -> str | None:
    """The sheet a certification profile names (None for a national profile)."""
    from ppskit.policies import load_policy

    return load_policy(profile).state_sheet


def default_state() -> str | None:
    """The sheet shown when the trainee's profile is unknown: the default profile's."""
    return state_of_profile(None)


def profile_of_trainee(trainee: str | None, *, db: str | None = None) -> str | None:
    """The profile a registered trainee was enrolled under, or None when unknown.

    Unknown covers every reason the ledger cannot say: no trainee yet, no ledger on this
    computer, an id that is not registered. A panel of law is never worth a crash.
    """
    if not trainee:
        return None
    try:
        from sqlalchemy import select

        from ppskit.db import read_connection
        from ppskit.ledger.tables import trainees

        with read_connection(db) as conn:
            return conn.execute(
                select(trainees.c.profile).where(trainees.c.trainee_id == trainee)
            ).scalar()
    except Exception:  # noqa: BLE001 - any ledger fault means "profile unknown" here
        return None
