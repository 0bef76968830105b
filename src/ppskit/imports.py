"""All-or-nothing writes into the ledger: CSV imports and single-row commands.

Every row is validated (shape first, then against the ledger) inside one write
transaction; if any row is wrong nothing is written and :class:`ImportRejected` carries
a row-by-row report naming file, line, column and the problem in plain words.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, and_, func, insert, select

from ppskit.db import write_transaction
from ppskit.framework import load_framework
from ppskit.ledger.tables import exam_results, hours_entries, hours_events, trainees
from ppskit.policies import available_profiles
from ppskit.records import (
    EXAM_COLUMNS,
    HOURS_COLUMNS,
    TRAINEE_COLUMNS,
    ExamRow,
    HoursRow,
    TraineeRow,
)

EDUCATION_LEVELS = (
    "none",
    "high-school",
    "ged",
    "associate",
    "bachelor",
    "master",
    "doctorate",
    "other-higher",
)


@dataclass(frozen=True)
class RowError:
    """One problem in one row (line 1 is the header; column may be empty)."""

    line: int
    column: str
    message: str


@dataclass
class ImportRejected(Exception):
    """Nothing was written because at least one row is wrong."""

    source: str
    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.report()

    def report(self) -> str:
        """Plain-language report, one problem per line."""
        lines = [f"{self.source}: {len(self.errors)} problem(s) found; nothing was written."]
        for err in self.errors:
            where = f"line {err.line}" if err.line else "input"
            col = f", column {err.column}" if err.column else ""
            lines.append(f"  {self.source}, {where}{col}: {err.message}")
        return "\n".join(lines)


@dataclass
class ImportOutcome:
    """What a successful write did."""

    written: int
    ids: list = field(default_factory=list)
    skipped: int = 0

    def summary(self, what: str) -> str:
        """A one-line plain summary."""
        text = f"{self.written} {what} written"
        if self.skipped:
            text += f", {self.skipped} already recorded (skipped)"
        return text + "."


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- CSV reading


def read_csv(path: Path | str, columns: Sequence[str]) -> list[tuple[int, dict]]:
    """Read a CSV with the pinned header; returns (line number, row dict) pairs."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise ImportRejected(source, [RowError(0, "", f"file not found: {path}")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(source, [RowError(0, "", "the file is not UTF-8 text")]) from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise ImportRejected(
            source, [RowError(1, "", f"the header row is missing; expected: {','.join(columns)}")]
        )
    header = [h.strip() for h in header]
    errors = []
    extra = [h for h in header if h not in columns]
    missing = [c for c in columns if c not in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    for h in extra:
        errors.append(RowError(1, h, f"unexpected column '{h}'; expected: {','.join(columns)}"))
    for c in missing:
        errors.append(RowError(1, c, f"column '{c}' is missing"))
    for d in dupes:
        errors.append(RowError(1, d, f"column '{d}' appears more than once"))
    if errors:
        raise ImportRejected(source, errors)
    rows = []
    for lineno, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue  # blank line
        if len(values) != len(header):
            errors.append(
                RowError(lineno, "", f"has {len(values)} values but the header has {len(header)}")
            )
            continue
        rows.append((lineno, dict(zip(header, values, strict=True))))
    if errors:
        raise ImportRejected(source, errors)
    if not rows:
        raise ImportRejected(source, [RowError(0, "", "the file has a header but no rows")])
    return rows


def _parse_rows(
    model: type[BaseModel], rows: Iterable[tuple[int, dict]], errors: list[RowError]
) -> list[tuple[int, BaseModel]]:
    parsed = []
    for lineno, raw in rows:
        try:
            parsed.append((lineno, model.model_validate(raw)))
        except ValidationError as exc:
            for e in exc.errors():
                column = str(e["loc"][0]) if e["loc"] else ""
                msg = e["msg"].removeprefix("Value error, ")
                if e["type"] == "literal_error":
                    msg = f"'{raw.get(column)}' is not allowed here; {msg.lower()}"
                elif e["type"] == "missing":
                    msg = f"{column} is required"
                elif e["type"] == "string_pattern_mismatch":
                    msg = f"'{raw.get(column)}' is not in the expected form"
                errors.append(RowError(lineno, column, msg))
    return parsed


def _known_trainees(conn: Connection, ids: set[str]) -> dict[str, date]:
    if not ids:
        return {}
    found = {}
    id_list = sorted(ids)
    for i in range(0, len(id_list), 500):
        chunk = id_list[i : i + 500]
        q = select(trainees.c.trainee_id, trainees.c.birth_date).where(
            trainees.c.trainee_id.in_(chunk)
        )
        found.update({r.trainee_id: r.birth_date for r in conn.execute(q)})
    return found


def _voided_ids(conn: Connection, trainee_ids: set[str]) -> set[int]:
    q = (
        select(hours_events.c.entry_id)
        .join(hours_entries, hours_entries.c.entry_id == hours_events.c.entry_id)
        .where(hours_events.c.kind == "void", hours_entries.c.trainee_id.in_(sorted(trainee_ids)))
    )
    return {r.entry_id for r in conn.execute(q)}


# --------------------------------------------------------------------------- trainees


def write_trainees(
    rows: Iterable[tuple[int, dict]],
    *,
    by: str,
    source: str,
    db: str | None = None,
    today: date | None = None,
) -> ImportOutcome:
    """Validate and register trainees, all or none."""
    today = today or date.today()
    errors: list[RowError] = []
    parsed = _parse_rows(TraineeRow, rows, errors)
    profiles = set(available_profiles())
    with write_transaction(db) as conn:
        existing = _known_trainees(conn, {r.trainee_id for _, r in parsed})
        seen: dict[str, int] = {}
        for lineno, r in parsed:
            if r.trainee_id in existing:
                errors.append(
                    RowError(
                        lineno, "trainee_id", f"trainee '{r.trainee_id}' is already registered"
                    )
                )
            if r.trainee_id in seen:
                errors.append(
                    RowError(
                        lineno,
                        "trainee_id",
                        f"trainee '{r.trainee_id}' also appears on line {seen[r.trainee_id]}",
                    )
                )
            seen.setdefault(r.trainee_id, lineno)
            if r.birth_date > today:
                errors.append(
                    RowError(lineno, "birth_date", f"birth date {r.birth_date} is in the future")
                )
            if r.education not in EDUCATION_LEVELS:
                errors.append(
                    RowError(
                        lineno,
                        "education",
                        f"education '{r.education}' is not one of {', '.join(EDUCATION_LEVELS)}",
                    )
                )
            if r.profile and r.profile not in profiles:
                errors.append(
                    RowError(
                        lineno,
                        "profile",
                        f"unknown policy profile '{r.profile}'; known: "
                        f"{', '.join(sorted(profiles))}",
                    )
                )
        if errors:
            raise ImportRejected(source, sorted(errors, key=lambda e: e.line))
        now = _now()
        values = [
            {
                **r.model_dump(),
                "profile": r.profile or "ca-ppss",
                "enrolled_on": today,
                "recorded_by": by,
                "recorded_at": now,
            }
            for _, r in parsed
        ]
        conn.execute(insert(trainees), values)
    return ImportOutcome(written=len(values), ids=[v["trainee_id"] for v in values])


def import_trainees(
    file: Path | str, *, by: str, db: str | None = None, today: date | None = None
) -> ImportOutcome:
    """``ppskit trainees import FILE``."""
    return write_trainees(
        read_csv(file, TRAINEE_COLUMNS), by=by, source=str(file), db=db, today=today
    )


# --------------------------------------------------------------------------- hours


def _hours_key(
    trainee_id: str, day: date, hours: float, category: str, topic: str, source: str, note: str
) -> tuple:
    return (trainee_id, day, round(hours, 2), category, topic, source, note)


def _check_hours_rows(
    conn: Connection, parsed: list[tuple[int, HoursRow]], errors: list[RowError], today: date
) -> None:
    domains = set(load_framework().domain_ids)
    ids = {r.trainee_id for _, r in parsed}
    known = _known_trainees(conn, ids)
    existing_keys: dict[tuple, int] = {}
    day_totals: dict[tuple, float] = defaultdict(float)
    if known:
        voided = _voided_ids(conn, set(known))
        q = select(hours_entries).where(hours_entries.c.trainee_id.in_(sorted(known)))
        for e in conn.execute(q):
            if e.entry_id in voided:
                continue
            key = _hours_key(e.trainee_id, e.date, e.hours, e.category, e.topic, e.source, e.note)
            existing_keys.setdefault(key, e.entry_id)
            if e.source != "module":
                day_totals[(e.trainee_id, e.date)] += e.hours
    in_file: dict[tuple, int] = {}
    for lineno, r in parsed:
        if r.trainee_id not in known:
            errors.append(
                RowError(
                    lineno,
                    "trainee_id",
                    f"unknown trainee '{r.trainee_id}'; register them first "
                    "with 'ppskit trainees import'",
                )
            )
            continue
        if r.date > today:
            errors.append(
                RowError(
                    lineno,
                    "date",
                    f"{r.date} is in the future; hours can only be logged once they have happened",
                )
            )
        if r.date < known[r.trainee_id]:
            errors.append(RowError(lineno, "date", f"{r.date} is before the trainee's birth date"))
        if r.category == "core" and r.topic not in domains:
            errors.append(
                RowError(
                    lineno,
                    "topic",
                    f"'{r.topic}' is not a core domain; use one of {', '.join(sorted(domains))}",
                )
            )
        key = _hours_key(r.trainee_id, r.date, r.hours, r.category, r.topic, r.source, r.note)
        if key in existing_keys:
            errors.append(
                RowError(
                    lineno,
                    "",
                    f"exact duplicate of ledger entry {existing_keys[key]}; "
                    "these hours are already recorded",
                )
            )
        elif key in in_file:
            errors.append(RowError(lineno, "", f"exact duplicate of line {in_file[key]}"))
        in_file.setdefault(key, lineno)
        # Module hours are credits for self-paced work recorded on completion (a trainer
        # verifies them), so only attended or external hours are held to 24 a day.
        if r.source == "module":
            continue
        day_totals[(r.trainee_id, r.date)] += r.hours
        if day_totals[(r.trainee_id, r.date)] > 24 + 1e-9:
            errors.append(
                RowError(
                    lineno, "hours", f"{r.trainee_id} would have more than 24 hours on {r.date}"
                )
            )


def append_hours(
    conn: Connection,
    rows: Iterable[tuple[int, dict]],
    *,
    by: str,
    source: str,
    today: date | None = None,
) -> ImportOutcome:
    """Validate hour rows and append them inside the caller's write transaction."""
    today = today or date.today()
    errors: list[RowError] = []
    parsed = _parse_rows(HoursRow, rows, errors)
    _check_hours_rows(conn, parsed, errors, today)
    if errors:
        raise ImportRejected(source, sorted(errors, key=lambda e: e.line))
    now = _now()
    values = [{**r.model_dump(), "recorded_by": by, "recorded_at": now} for _, r in parsed]
    ids = _insert_returning_ids(conn, hours_entries, values, "entry_id")
    return ImportOutcome(written=len(values), ids=ids)


def write_hours(
    rows: Iterable[tuple[int, dict]],
    *,
    by: str,
    source: str,
    db: str | None = None,
    today: date | None = None,
) -> ImportOutcome:
    """Validate hour rows against the ledger and append them, all or none."""
    with write_transaction(db) as conn:
        return append_hours(conn, rows, by=by, source=source, today=today)


def log_hours(
    row: dict, *, by: str, db: str | None = None, today: date | None = None
) -> ImportOutcome:
    """``ppskit hours log``: one row, same rules as an import."""
    return write_hours([(0, row)], by=by, source="hours log", db=db, today=today)


def _insert_returning_ids(conn: Connection, table, values: list[dict], id_col: str) -> list[int]:
    if not values:
        return []
    if conn.dialect.insert_executemany_returning:
        result = conn.execute(insert(table).returning(table.c[id_col]), values)
        return [r[0] for r in result]
    return [conn.execute(insert(table), v).inserted_primary_key[0] for v in values]


def import_hours(
    file: Path | str, *, by: str, db: str | None = None, today: date | None = None
) -> ImportOutcome:
    """``ppskit hours import FILE``."""
    return write_hours(read_csv(file, HOURS_COLUMNS), by=by, source=str(file), db=db, today=today)


# --------------------------------------------------------------------------- exam results


def write_exam_results(
    rows: Iterable[tuple[int, dict]],
    *,
    by: str,
    source: str,
    db: str | None = None,
    today: date | None = None,
    origin: str = "import",
    skip_identical: bool = False,
) -> ImportOutcome:
    """Validate exam section scores and append them, all or none.

    With ``skip_identical`` (the nbgrader pipeline re-grading), a row identical to the
    effective score already recorded is skipped instead of being an error; a changed
    score is appended and supersedes the earlier one.
    """
    today = today or date.today()
    sections = set(load_framework().domain_ids)
    errors: list[RowError] = []
    parsed = _parse_rows(ExamRow, rows, errors)
    with write_transaction(db) as conn:
        known = _known_trainees(conn, {r.trainee_id for _, r in parsed})
        effective: dict[tuple, float] = {}
        if known:
            q = (
                select(exam_results)
                .where(exam_results.c.trainee_id.in_(sorted(known)))
                .order_by(exam_results.c.result_id)
            )
            for e in conn.execute(q):
                effective[(e.trainee_id, e.date, e.form, e.section)] = e.score_pct
        in_file: dict[tuple, int] = {}
        keep = []
        for lineno, r in parsed:
            if r.trainee_id not in known:
                errors.append(RowError(lineno, "trainee_id", f"unknown trainee '{r.trainee_id}'"))
                continue
            if r.section not in sections:
                errors.append(
                    RowError(
                        lineno,
                        "section",
                        f"'{r.section}' is not an exam section; use one of "
                        f"{', '.join(sorted(sections))}",
                    )
                )
            if r.date > today:
                errors.append(RowError(lineno, "date", f"{r.date} is in the future"))
            key = (r.trainee_id, r.date, r.form, r.section)
            if key in in_file:
                errors.append(
                    RowError(
                        lineno,
                        "section",
                        f"section {r.section} of this sitting also appears on line {in_file[key]}",
                    )
                )
            in_file.setdefault(key, lineno)
            if key in effective and abs(effective[key] - r.score_pct) < 1e-9:
                if skip_identical:
                    continue
                errors.append(
                    RowError(lineno, "", "exact duplicate: this score is already recorded")
                )
            keep.append(r)
        if errors:
            raise ImportRejected(source, sorted(errors, key=lambda e: e.line))
        now = _now()
        values = [
            {**r.model_dump(), "source": origin, "recorded_by": by, "recorded_at": now}
            for r in keep
        ]
        ids = _insert_returning_ids(conn, exam_results, values, "result_id")
    return ImportOutcome(written=len(values), ids=ids, skipped=len(parsed) - len(values))


def import_exam_results(
    file: Path | str, *, by: str, db: str | None = None, today: date | None = None
) -> ImportOutcome:
    """``ppskit exam record FILE``."""
    return write_exam_results(
        read_csv(file, EXAM_COLUMNS), by=by, source=str(file), db=db, today=today
    )


# --------------------------------------------------------------------------- hour events


def _entry_states(conn: Connection, entry_ids: Sequence[int]) -> dict[int, dict]:
    q = select(hours_entries).where(hours_entries.c.entry_id.in_(list(entry_ids)))
    states = {
        e.entry_id: {"entry": e, "verified": e.verified, "voided": False} for e in conn.execute(q)
    }
    ev = select(hours_events).where(hours_events.c.entry_id.in_(list(entry_ids)))
    for e in conn.execute(ev):
        if e.kind == "verify":
            states[e.entry_id]["verified"] = True
        elif e.kind == "void":
            states[e.entry_id]["voided"] = True
    return states


def _write_events(
    entry_ids: Sequence[int],
    kind: str,
    *,
    by: str,
    reason: str,
    db: str | None,
    check: Callable[[int, dict | None], str | None],
) -> ImportOutcome:
    source = f"hours {kind}"
    if not entry_ids:
        raise ImportRejected(source, [RowError(0, "", "no entry numbers were given")])
    with write_transaction(db) as conn:
        states = _entry_states(conn, entry_ids)
        errors = []
        for i, entry_id in enumerate(entry_ids):
            if entry_id in entry_ids[:i]:
                errors.append(RowError(0, "entry", f"entry {entry_id} is listed twice"))
                continue
            problem = check(entry_id, states.get(entry_id))
            if problem:
                errors.append(RowError(0, "entry", problem))
        if errors:
            raise ImportRejected(source, errors)
        now = _now()
        values = [
            {"entry_id": e, "kind": kind, "reason": reason, "recorded_by": by, "recorded_at": now}
            for e in entry_ids
        ]
        ids = _insert_returning_ids(conn, hours_events, values, "event_id")
    return ImportOutcome(written=len(values), ids=ids)


def verify_hours(entry_ids: Sequence[int], *, by: str, db: str | None = None) -> ImportOutcome:
    """Mark self-reported entries as verified by ``by`` (new rows; all or none)."""
    if not by.strip():
        raise ImportRejected("hours verify", [RowError(0, "by", "say who verifies (--by NAME)")])

    def check(entry_id: int, state: dict | None) -> str | None:
        if state is None:
            return f"entry {entry_id} does not exist"
        if state["voided"]:
            return f"entry {entry_id} was voided and cannot be verified"
        if state["verified"]:
            return f"entry {entry_id} is already verified"
        return None

    return _write_events(list(entry_ids), "verify", by=by, reason="", db=db, check=check)


def void_hours(entry_id: int, *, reason: str, by: str, db: str | None = None) -> ImportOutcome:
    """Reverse an entry with a new row that says why (the entry stays in the ledger)."""
    if not reason.strip():
        raise ImportRejected("hours void", [RowError(0, "reason", "a reason is required")])

    def check(eid: int, state: dict | None) -> str | None:
        if state is None:
            return f"entry {eid} does not exist"
        if state["voided"]:
            return f"entry {eid} is already voided"
        return None

    return _write_events([entry_id], "void", by=by, reason=reason.strip(), db=db, check=check)


def module_entry_exists(conn: Connection, trainee_id: str, note: str) -> int | None:
    """Id of a live (not voided) module entry with this note, if any."""
    voided = select(hours_events.c.entry_id).where(hours_events.c.kind == "void")
    q = select(func.min(hours_entries.c.entry_id)).where(
        and_(
            hours_entries.c.trainee_id == trainee_id,
            hours_entries.c.source == "module",
            hours_entries.c.note == note,
            hours_entries.c.entry_id.not_in(voided),
        )
    )
    return conn.execute(q).scalar()
