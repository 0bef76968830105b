"""The ledger's public functions for the rest of ppskit (curriculum, exams, reports).

The CLI calls the same functions, so a notebook's "Record my hours" and
``ppskit hours log`` follow exactly the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import insert, select

from ppskit.db import read_connection, write_transaction
from ppskit.framework import load_framework
from ppskit.imports import (
    ImportOutcome,
    ImportRejected,
    RowError,
    append_hours,
    day_hours,
    module_entry_exists,
    write_exam_results,
)
from ppskit.ledger.progress import record_active_time
from ppskit.ledger.tables import (
    cert_events,
    exam_results,
    hours_entries,
    hours_events,
    trainees,
)
from ppskit.ledger.tables import exercise_progress as progress_table

__all__ = [
    "RecordOutcome",
    "record_module_hours",
    "mark_exercise_done",
    "exercise_progress",
    "record_exam_results",
    "exam_results_frame",
    "trainees_frame",
    "hours_frame",
    "certificate_events_frame",
]


@dataclass
class RecordOutcome:
    """Result of "Record my hours"."""

    created: bool
    entry_id: int
    message: str


def record_module_hours(
    trainee_id: str,
    module_id: str,
    *,
    on: date | None = None,
    active_minutes: float | None = None,
    db: str | None = None,
) -> RecordOutcome:
    """Write a self-reported entry for a finished module, once per trainee and module.

    Core modules count toward their domain; specialty modules are continuing education.
    A trainer then verifies the entry with ``ppskit hours verify``. Module hours count
    toward the 24 hours a trainee may have on one day like any other hours: if they would
    pass 24, nothing is recorded and :class:`~ppskit.imports.ImportRejected` says to
    record the module on another day. ``active_minutes``, the active time the notebook
    measured, is written with the entry for the trainer who verifies it.
    """
    module = load_framework().module(module_id)
    on = on or date.today()
    note = f"module:{module.id}"
    row = {
        "trainee_id": trainee_id,
        "date": on.isoformat(),
        "hours": str(module.hours),
        "category": module.category,
        "topic": module.topic,
        "source": "module",
        "verified": "no",
        "note": note,
    }
    source = "Record my hours"
    with write_transaction(db) as conn:
        existing = module_entry_exists(conn, trainee_id, note)
        if existing is not None:
            return RecordOutcome(
                False,
                existing,
                f"Your {module.hours:g} hours for this module were already recorded "
                f"(entry {existing}). Nothing more to do.",
            )
        already = day_hours(conn, trainee_id, on)
        if already + module.hours > 24 + 1e-9:
            when = "today" if on == date.today() else f"on {on.isoformat()}"
            raise ImportRejected(
                source,
                [
                    RowError(
                        0,
                        "hours",
                        f"{already:g} hours are already recorded for you {when}, and this "
                        f"module's {module.hours:g} would make more than 24 hours in one day; "
                        "please record this module on another day (for example tomorrow), "
                        "or ask your trainer to record it",
                    )
                ],
            )
        outcome = append_hours(conn, [(0, row)], by=trainee_id, source=source)
        if active_minutes is not None and active_minutes >= 0:
            record_active_time(conn, int(outcome.ids[0]), trainee_id, module.id, active_minutes)
    entry = outcome.ids[0]
    kind = "core" if module.category == "core" else "continuing-education"
    return RecordOutcome(
        True,
        entry,
        f"Recorded {module.hours:g} {kind} hours of this module for {trainee_id} "
        f"(entry {entry}). A trainer will verify them.",
    )


def mark_exercise_done(
    trainee_id: str, module_id: str, exercise_id: str, *, db: str | None = None
) -> None:
    """Note that a trainee finished an exercise (idempotent)."""
    with write_transaction(db) as conn:
        found = conn.execute(
            select(progress_table.c.progress_id).where(
                progress_table.c.trainee_id == trainee_id,
                progress_table.c.module_id == module_id,
                progress_table.c.exercise_id == exercise_id,
            )
        ).first()
        if found is None:
            conn.execute(
                insert(progress_table).values(
                    trainee_id=trainee_id,
                    module_id=module_id,
                    exercise_id=exercise_id,
                    recorded_at=datetime.now(UTC),
                )
            )


def exercise_progress(trainee_id: str, *, db: str | None = None) -> dict[str, set[str]]:
    """Completed exercise ids per module for one trainee."""
    out: dict[str, set[str]] = {}
    with read_connection(db) as conn:
        q = select(progress_table.c.module_id, progress_table.c.exercise_id).where(
            progress_table.c.trainee_id == trainee_id
        )
        for module_id, exercise_id in conn.execute(q):
            out.setdefault(module_id, set()).add(exercise_id)
    return out


def record_exam_results(
    rows: list[dict],
    *,
    recorded_by: str,
    source: str = "nbgrader",
    db: str | None = None,
    today: date | None = None,
    correction_reason: str | None = None,
) -> int:
    """Append exam section scores (all or none). Identical rows already recorded are
    skipped, so re-grading is idempotent; a changed score is refused unless
    ``correction_reason`` says why it changes (then it supersedes the old one)."""
    numbered = [
        (i + 1, {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()})
        for i, r in enumerate(rows)
    ]
    if not numbered:
        return 0
    outcome: ImportOutcome = write_exam_results(
        numbered,
        by=recorded_by,
        source=f"{source} results",
        db=db,
        today=today,
        origin=source,
        skip_identical=True,
        correction_reason=correction_reason,
    )
    return outcome.written


def _read(sql_table, db: str | None, order_by=None, where=None) -> pd.DataFrame:  # noqa: ANN001
    with read_connection(db) as conn:
        q = select(sql_table)
        if where is not None:
            q = q.where(where)
        if order_by is not None:
            q = q.order_by(order_by)
        result = conn.execute(q)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def trainees_frame(*, db: str | None = None) -> pd.DataFrame:
    """All registered trainees."""
    return _read(trainees, db, trainees.c.trainee_id)


def hours_frame(*, trainee: str | None = None, db: str | None = None) -> pd.DataFrame:
    """Every hours entry (of one ``trainee``, found by the ledger's index, or of
    everyone) with its current state: ``verified`` (at entry or by a later
    verification), ``voided``, ``verified_by``."""
    mine = hours_entries.c.trainee_id == trainee if trainee is not None else None
    df = _read(hours_entries, db, hours_entries.c.entry_id, mine)
    theirs = (
        hours_events.c.entry_id.in_(select(hours_entries.c.entry_id).where(mine))
        if trainee is not None
        else None
    )
    ev = _read(hours_events, db, hours_events.c.event_id, theirs)
    ver = ev[ev["kind"] == "verify"].drop_duplicates("entry_id").set_index("entry_id")
    void = set(ev.loc[ev["kind"] == "void", "entry_id"])
    if df.empty:
        return df.assign(voided=pd.Series(dtype=bool), verified_by=pd.Series(dtype=object))
    df["verified"] = df["verified"].astype(bool) | df["entry_id"].isin(ver.index)
    who = ver["recorded_by"].to_dict()
    df["verified_by"] = [who.get(e, "") for e in df["entry_id"]]
    df["voided"] = df["entry_id"].isin(void)
    return df


def exam_results_frame(*, db: str | None = None) -> pd.DataFrame:
    """Effective exam rows (latest recorded score per trainee, date, form, section)."""
    df = _read(exam_results, db, exam_results.c.result_id)
    if df.empty:
        return df[["trainee_id", "date", "form", "section", "score_pct"]]
    df = df.drop_duplicates(["trainee_id", "date", "form", "section"], keep="last")
    return df[["trainee_id", "date", "form", "section", "score_pct", "source"]].reset_index(
        drop=True
    )


def certificate_events_frame(*, db: str | None = None) -> pd.DataFrame:
    """Every certificate event in the order it was recorded."""
    return _read(cert_events, db, cert_events.c.event_id)
