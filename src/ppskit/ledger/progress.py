"""A trainee's own progress as the module notebooks read and write it: who they are,
which exercises are finished, the answers they gave, and the active time of a module.

Storage only: no rules here. The notebook reaches these functions through
:class:`ppskit.exercises.backend.LocalBackend` (or the hub's progress service, which
runs that backend for the hub user's own trainee id).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select

from ppskit.db import read_connection, write_transaction
from ppskit.ledger.tables import exercise_answers, exercise_progress, module_time, trainees

#: Longest answer kept (a sort of 30 cards or a long decision path is far below this).
MAX_ANSWER_CHARS = 20_000


def trainee_card(trainee_id: str, *, db: str | None = None) -> dict | None:
    """``{"trainee_id", "name", "profile"}`` of a registered trainee, else None."""
    with read_connection(db) as conn:
        row = conn.execute(
            select(trainees.c.trainee_id, trainees.c.name, trainees.c.profile).where(
                trainees.c.trainee_id == trainee_id
            )
        ).first()
    if row is None:
        return None
    return {"trainee_id": row.trainee_id, "name": row.name, "profile": row.profile}


def saved_answers(trainee_id: str, module_id: str, *, db: str | None = None) -> dict[str, dict]:
    """The latest saved answer of each exercise of one module (exercise id -> answer)."""
    out: dict[str, dict] = {}
    with read_connection(db) as conn:
        rows = conn.execute(
            select(exercise_answers.c.exercise_id, exercise_answers.c.answer)
            .where(
                exercise_answers.c.trainee_id == trainee_id,
                exercise_answers.c.module_id == module_id,
            )
            .order_by(exercise_answers.c.answer_id)
        )
        for exercise_id, answer in rows:
            try:
                value = json.loads(answer)
            except ValueError:
                continue
            if isinstance(value, dict):
                out[exercise_id] = value
    return out


def _done(conn: Connection, trainee_id: str, module_id: str, exercise_id: str) -> bool:
    return (
        conn.execute(
            select(exercise_progress.c.progress_id).where(
                exercise_progress.c.trainee_id == trainee_id,
                exercise_progress.c.module_id == module_id,
                exercise_progress.c.exercise_id == exercise_id,
            )
        ).first()
        is not None
    )


def exercise_finished(
    trainee_id: str,
    module_id: str,
    exercise_id: str,
    answer: dict | None = None,
    *,
    db: str | None = None,
) -> None:
    """Note an exercise finished (once) and, when given, the answer that finished it, in
    one transaction. An answer equal to the latest saved one is not written again."""
    text = None
    if answer is not None:
        text = json.dumps(answer, sort_keys=True, ensure_ascii=False)
        if len(text) > MAX_ANSWER_CHARS:
            raise ValueError("This answer is too long to save.")
    now = datetime.now(UTC)
    with write_transaction(db) as conn:
        if not _done(conn, trainee_id, module_id, exercise_id):
            conn.execute(
                insert(exercise_progress).values(
                    trainee_id=trainee_id,
                    module_id=module_id,
                    exercise_id=exercise_id,
                    recorded_at=now,
                )
            )
        if text is None:
            return
        latest = conn.execute(
            select(exercise_answers.c.answer)
            .where(
                exercise_answers.c.trainee_id == trainee_id,
                exercise_answers.c.module_id == module_id,
                exercise_answers.c.exercise_id == exercise_id,
            )
            .order_by(exercise_answers.c.answer_id.desc())
            .limit(1)
        ).scalar()
        if latest != text:
            conn.execute(
                insert(exercise_answers).values(
                    trainee_id=trainee_id,
                    module_id=module_id,
                    exercise_id=exercise_id,
                    answer=text,
                    recorded_at=now,
                )
            )


def record_active_time(
    conn: Connection, entry_id: int, trainee_id: str, module_id: str, minutes: float
) -> None:
    """Write the active minutes measured for a module with its hours entry (inside the
    caller's transaction)."""
    conn.execute(
        insert(module_time).values(
            entry_id=entry_id,
            trainee_id=trainee_id,
            module_id=module_id,
            active_minutes=round(float(minutes), 1),
            recorded_at=datetime.now(UTC),
        )
    )


def active_minutes(trainee_id: str | None = None, *, db: str | None = None) -> dict[int, float]:
    """Hours entry id -> active minutes recorded with it (of one trainee, or everyone)."""
    q = select(module_time.c.entry_id, module_time.c.active_minutes)
    if trainee_id is not None:
        q = q.where(module_time.c.trainee_id == trainee_id)
    with read_connection(db) as conn:
        return {int(e): float(m) for e, m in conn.execute(q.order_by(module_time.c.time_id))}
