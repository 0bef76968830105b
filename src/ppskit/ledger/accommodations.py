"""Extra exam time granted to a trainee (``ppskit exam accommodate``).

An accommodation is a row in the append-only ``accommodations`` table: the percent of
extra time on top of the standard sitting time, the day it takes effect, why, and who
granted it. The latest row granted on or before a day is the one in force; withdrawing
an accommodation is recording 0 % with the reason. Delivery (``ppskit exam deliver``)
reads the one in force on the day a sitting is delivered.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, insert, select

from ppskit.db import read_connection, write_transaction
from ppskit.ledger.lookup import unknown_trainee_message
from ppskit.ledger.tables import accommodations, trainees

# The bounds of the ledger's check constraint (migration 0004, ck_accommodations_extra);
# checked here too so a trainer gets a sentence instead of a database error.
EXTRA_TIME_MAX_PCT = 300.0


class AccommodationRefused(ValueError):
    """The accommodation was not recorded; the message says why, in plain words."""


@dataclass(frozen=True)
class Accommodation:
    """Extra time granted to one trainee from ``granted_on``."""

    trainee_id: str
    granted_on: date
    extra_time_pct: float
    reason: str
    recorded_by: str


def record_accommodation(
    trainee_id: str,
    *,
    extra_time_pct: float,
    reason: str,
    by: str,
    on: date | None = None,
    db: str | None = None,
    conn: Connection | None = None,
) -> Accommodation:
    """Record extra exam time for a registered trainee, taking effect on ``on`` (today).

    The reason is required (it is the record an auditor reads); the percent must lie in
    the ledger's range. Nothing is written when a check fails. With ``conn``, the row is
    written in that open transaction (an approved request: both rows or neither).
    """
    reason = (reason or "").strip()
    by = (by or "").strip()
    if not reason:
        raise AccommodationRefused(
            "Say why the extra time is granted (--reason TEXT); the reason is kept with it."
        )
    if not by:
        raise AccommodationRefused("Say who grants the extra time (--by NAME).")
    if not 0 <= extra_time_pct <= EXTRA_TIME_MAX_PCT:
        raise AccommodationRefused(
            f"Extra time must be between 0 and {EXTRA_TIME_MAX_PCT:g} percent; "
            f"{extra_time_pct:g} was given. (Record 0 to withdraw an accommodation.)"
        )
    on = on or date.today()
    with nullcontext(conn) if conn is not None else write_transaction(db) as conn:
        known = conn.execute(
            select(trainees.c.trainee_id).where(trainees.c.trainee_id == trainee_id)
        ).first()
        if known is not None:
            conn.execute(
                insert(accommodations).values(
                    trainee_id=trainee_id,
                    granted_on=on,
                    extra_time_pct=float(extra_time_pct),
                    reason=reason,
                    recorded_by=by,
                    recorded_at=datetime.now(UTC),
                )
            )
    if known is None:
        # Worded after the transaction: the "did you mean" look-up reads on its own.
        message = unknown_trainee_message(trainee_id, db=db)
        raise AccommodationRefused(
            message[0].upper() + message[1:] + ". Register the trainee first "
            "(ppskit trainees import FILE)."
        )
    return Accommodation(trainee_id, on, float(extra_time_pct), reason, by)


def accommodation_in_force(
    trainee_id: str, *, on: date | None = None, db: str | None = None
) -> Accommodation | None:
    """The accommodation in force for the trainee on ``on`` (today), or None.

    The latest one granted on or before that day holds; of two granted the same day,
    the one recorded last.
    """
    on = on or date.today()
    with read_connection(db) as conn:
        row = conn.execute(
            select(accommodations)
            .where(accommodations.c.trainee_id == trainee_id, accommodations.c.granted_on <= on)
            .order_by(accommodations.c.granted_on.desc(), accommodations.c.accommodation_id.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    return Accommodation(
        row.trainee_id, row.granted_on, float(row.extra_time_pct), row.reason, row.recorded_by
    )
