"""What happened to each handed-in exam sitting before its scores reach the tracker.

A sitting is ``(trainee_id, assignment, handed_in_at)`` — ``handed_in_at`` is nbgrader's
submission time — and the table ``sitting_events`` keeps its story, one event a row,
never changed: ``held-pending`` (items wait for a trainer's manual grade),
``held-flagged`` (changed outside its answer boxes; waits for ``ppskit exam review``),
``accepted`` / ``rejected`` (the review: who, when, why), ``recorded`` (its scores are in
``exam_results``) and ``refused`` (a second hand-in of an assignment whose sitting is
already known). The latest event of a sitting is its state.

The table is small (a few events per sitting), so states are worked out here in Python
from the rows rather than in SQL, which keeps SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, insert, select

from ppskit.db import LedgerNotFound, read_connection, write_transaction
from ppskit.ledger.tables import sitting_events

__all__ = [
    "EVENTS",
    "HOLDS",
    "STATE_COLUMNS",
    "SittingEvent",
    "append_event",
    "hold_notes",
    "open_holds",
    "sitting_history",
    "sitting_states",
    "utc",
]

EVENTS = ("held-pending", "held-flagged", "accepted", "rejected", "recorded", "refused")

#: States that keep a sitting out of the tracker for now, in the words status shows.
HOLDS = {
    "held-pending": "awaiting manual grading",
    "held-flagged": "flagged, awaiting review",
}

STATE_COLUMNS = [
    "trainee_id",
    "assignment",
    "form",
    "handed_in_at",
    "state",
    "reason",
    "recorded_by",
    "recorded_at",
    "reviewed",  # the sitting's last review decision: accepted | rejected | ""
]


def utc(stamp: datetime) -> datetime:
    """``stamp`` as an aware UTC time: nbgrader and SQLite give naive UTC times,
    PostgreSQL aware ones; sittings are matched on this form."""
    if isinstance(stamp, str):
        stamp = datetime.fromisoformat(stamp)
    if isinstance(stamp, pd.Timestamp):
        stamp = stamp.to_pydatetime()
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


@dataclass(frozen=True)
class SittingEvent:
    """One row of ``sitting_events``."""

    trainee_id: str
    assignment: str
    form: str
    handed_in_at: datetime
    event: str
    reason: str
    recorded_by: str
    recorded_at: datetime

    @property
    def key(self) -> tuple[str, str, datetime]:
        """The sitting this event belongs to."""
        return (self.trainee_id, self.assignment, self.handed_in_at)


def _events(
    conn: Connection, trainees: list[str] | None = None, assignment: str | None = None
) -> list[SittingEvent]:
    t = sitting_events
    q = select(
        t.c.trainee_id,
        t.c.assignment,
        t.c.form,
        t.c.handed_in_at,
        t.c.event,
        t.c.reason,
        t.c.recorded_by,
        t.c.recorded_at,
    ).order_by(t.c.event_id)
    if trainees is not None:
        q = q.where(t.c.trainee_id.in_(trainees))
    if assignment is not None:
        q = q.where(t.c.assignment == assignment)
    return [
        SittingEvent(r[0], r[1], r[2], utc(r[3]), r[4], r[5] or "", r[6], utc(r[7]))
        for r in conn.execute(q).all()
    ]


def _latest(conn: Connection, trainee_id: str, assignment: str, at: datetime) -> str | None:
    mine = [e for e in _events(conn, [trainee_id], assignment) if e.handed_in_at == utc(at)]
    return mine[-1].event if mine else None


def append_event(
    trainee_id: str,
    assignment: str,
    form: str,
    handed_in_at: datetime,
    event: str,
    *,
    by: str,
    reason: str = "",
    unless: tuple[str, ...] = (),
    db: str | None = None,
) -> bool:
    """Append ``event`` to a sitting's story; returns whether a row was written.

    ``unless`` names states in which nothing is written (``unless=("held-pending",)``
    holds a sitting once, not again on every ``results`` run); the check and the insert
    share one transaction, so two runs at once cannot both write.
    """
    if event not in EVENTS:
        raise ValueError(f"'{event}' is not a sitting event; events are: {', '.join(EVENTS)}")
    with write_transaction(db) as conn:
        if unless and _latest(conn, trainee_id, assignment, handed_in_at) in unless:
            return False
        conn.execute(
            insert(sitting_events),
            {
                "trainee_id": trainee_id,
                "assignment": assignment,
                "form": form,
                "handed_in_at": utc(handed_in_at),
                "event": event,
                "reason": reason,
                "recorded_by": by,
                "recorded_at": datetime.now(UTC),
            },
        )
    return True


def sitting_history(
    trainee_id: str, assignment: str, *, db: str | None = None
) -> list[SittingEvent]:
    """Every event of a trainee's sittings of one assignment, oldest first (empty when
    there are none, or no ledger yet)."""
    try:
        with read_connection(db) as conn:
            return _events(conn, [trainee_id], assignment)
    except LedgerNotFound:
        return []


def _fold(events: list[SittingEvent]) -> pd.DataFrame:
    latest: dict[tuple, SittingEvent] = {}
    reviewed: dict[tuple, str] = {}
    for e in events:
        latest[e.key] = e
        if e.event in ("accepted", "rejected"):
            reviewed[e.key] = e.event
    rows = [
        (e.trainee_id, e.assignment, e.form, e.handed_in_at, e.event, e.reason, e.recorded_by,
         e.recorded_at, reviewed.get(k, ""))
        for k, e in latest.items()
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=STATE_COLUMNS)
    return df.sort_values(["trainee_id", "assignment", "handed_in_at"], kind="stable").reset_index(
        drop=True
    )


def sitting_states(
    *,
    trainees: list[str] | None = None,
    as_of: date | None = None,
    db: str | None = None,
    conn: Connection | None = None,
) -> pd.DataFrame:
    """The current state of every sitting (one row each, ``STATE_COLUMNS``): its latest
    event, and ``reviewed``, the last review decision. ``as_of`` leaves out events
    recorded after that day (UTC). Empty when there is no ledger yet."""
    if conn is None:
        try:
            with read_connection(db) as own:
                return sitting_states(trainees=trainees, as_of=as_of, conn=own)
        except LedgerNotFound:
            return pd.DataFrame(columns=STATE_COLUMNS)
    events = _events(conn, trainees)
    if as_of is not None:
        end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC) + timedelta(days=1)
        events = [e for e in events if e.recorded_at < end]
    return _fold(events)


def open_holds(
    *,
    trainees: list[str] | None = None,
    as_of: date | None = None,
    db: str | None = None,
    conn: Connection | None = None,
) -> pd.DataFrame:
    """Sittings held out of the tracker right now (awaiting manual grading, or flagged
    and awaiting review), with ``what`` saying which in plain words."""
    states = sitting_states(trainees=trainees, as_of=as_of, db=db, conn=conn)
    held = states[states["state"].isin(list(HOLDS))].copy()
    held["what"] = held["state"].map(HOLDS)
    return held.reset_index(drop=True)


def hold_notes(holds: pd.DataFrame) -> dict[str, str]:
    """trainee_id -> one line naming their held sittings, e.g. ``exam-A (form A, handed
    in 2026-11-29): flagged, awaiting review``; trainees without holds are left out."""
    notes: dict[str, list[str]] = {}
    for r in holds.itertuples():
        notes.setdefault(r.trainee_id, []).append(
            f"{r.assignment} (form {r.form}, handed in {r.handed_in_at:%Y-%m-%d}): {r.what}"
        )
    return {tid: "; ".join(parts) for tid, parts in notes.items()}
