"""Dated yes/no facts about trainees that profiles' rules read (``ppskit facts import``).

``trainee_id,date,fact,value,note``: a fact id comes from the profiles (``facts:`` of
each profile, e.g. ``code-of-ethics``, ``employed-in-system``); the latest fact dated on
or before the as-of date holds. Unknown ids, values that are not yes/no and future dates
are row errors; the import is all-or-nothing like every import.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert

from ppskit.db import write_transaction
from ppskit.imports import (
    ImportOutcome,
    ImportRejected,
    RowError,
    _parse_rows,
    _Registry,
    read_csv,
)
from ppskit.ledger.tables import facts
from ppskit.policies import declared_facts
from ppskit.records import FACT_COLUMNS, FactRow

__all__ = ["FACT_COLUMNS", "FactRow", "import_facts", "write_facts"]


def write_facts(
    rows: Iterable[tuple[int, dict]],
    *,
    by: str,
    source: str,
    db: str | None = None,
    today: date | None = None,
) -> ImportOutcome:
    """Validate fact rows against the profiles and the ledger and append them, all or
    none."""
    today = today or date.today()
    known_facts = declared_facts()
    errors: list[RowError] = []
    parsed = _parse_rows(FactRow, rows, errors)
    with write_transaction(db) as conn:
        # The same look-up as every import: an id in another case gets a "did you mean".
        registry = _Registry(conn)
        registry.load(r.trainee_id for _, r in parsed)
        seen: dict[tuple, int] = {}
        for lineno, r in parsed:
            if registry.get(r.trainee_id) is None:
                errors.append(RowError(lineno, "trainee_id", registry.unknown(r.trainee_id, "")))
            if r.fact not in known_facts:
                errors.append(
                    RowError(
                        lineno,
                        "fact",
                        f"'{r.fact}' is not a fact any profile reads; use one of "
                        f"{', '.join(sorted(known_facts))}",
                    )
                )
            if r.date > today:
                errors.append(
                    RowError(lineno, "date", f"{r.date} is in the future; record facts once true")
                )
            key = (r.trainee_id, r.date, r.fact)
            if key in seen:
                errors.append(
                    RowError(
                        lineno, "fact", f"the same fact and date also appear on line {seen[key]}"
                    )
                )
            seen.setdefault(key, lineno)
        if errors:
            raise ImportRejected(source, sorted(errors, key=lambda e: e.line))
        now = datetime.now(UTC)
        values = [{**r.model_dump(), "recorded_by": by, "recorded_at": now} for _, r in parsed]
        if values:
            conn.execute(insert(facts), values)
    return ImportOutcome(written=len(values))


def import_facts(
    file: Path | str, *, by: str, db: str | None = None, today: date | None = None
) -> ImportOutcome:
    """``ppskit facts import FILE``."""
    return write_facts(read_csv(file, FACT_COLUMNS), by=by, source=str(file), db=db, today=today)
