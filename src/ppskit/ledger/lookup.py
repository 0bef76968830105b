"""Finding a registered trainee id from a spelling that differs only in case."""

from __future__ import annotations

from sqlalchemy import func, select

from ppskit.db import read_connection
from ppskit.ledger.tables import trainees


def registered_spelling(trainee_id: str, *, db: str | None = None) -> str | None:
    """The registered id equal to ``trainee_id`` ignoring case (ids are unique that way),
    or None. Uses the ``lower(trainee_id)`` index, so it stays fast on a large registry."""
    with read_connection(db) as conn:
        return conn.execute(
            select(trainees.c.trainee_id).where(
                func.lower(trainees.c.trainee_id) == trainee_id.strip().lower()
            )
        ).scalar()


def unknown_trainee_message(trainee_id: str, *, db: str | None = None) -> str:
    """A plain sentence for an id with no trainee, naming the registered spelling if any."""
    found = registered_spelling(trainee_id, db=db)
    if found and found != trainee_id:
        return (
            f"unknown trainee '{trainee_id}'; did you mean '{found}'? "
            "(Trainee ids are matched exactly; 'T1' and 't1' cannot both be registered.)"
        )
    return f"unknown trainee '{trainee_id}'"
