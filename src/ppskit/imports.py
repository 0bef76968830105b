"""All-or-nothing writes into the ledger: CSV imports and single-row commands.

Every row is validated (shape first, then against the ledger) inside one write
transaction; if any row is wrong nothing is written and :class:`ImportRejected` carries
a row-by-row report naming file, line, column and the problem in plain words.

Files are streamed: rows are read, validated and inserted :data:`CHUNK_ROWS` at a time
inside that one transaction, so memory stays flat however long the file is. Checks that
span the whole file (duplicates, 24 hours a day) keep compact keys in memory (a 64-bit
hash per row, a total per trainee-day) and ask the ledger, chunk by chunk, only about
the trainee-days the chunk names. After the first bad row nothing more is inserted (the
transaction is rolled back at the end) but validation goes on, so one run lists every
problem; the printed report shows the first :data:`REPORT_LIMIT`, and ``errors_file``
receives them all as CSV (``file,line,column,message``).
"""

from __future__ import annotations

import csv
import re
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, and_, exists, func, insert, select, tuple_

from ppskit.db import write_transaction
from ppskit.framework import load_framework
from ppskit.ledger.tables import exam_results, hours_entries, hours_events, trainees
from ppskit.policies import available_profiles, load_policy
from ppskit.records import (
    EXAM_COLUMNS,
    EXAM_OPTIONAL_COLUMNS,
    HOURS_COLUMNS,
    RECORDED_BY_MAX,
    TEXT_MAX_CHARS,
    TRAINEE_COLUMNS,
    TRAINEE_OPTIONAL_COLUMNS,
    ExamRow,
    HoursRow,
    TraineeRow,
    plain_hours_row,
    shown,
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

CHUNK_ROWS = 20_000
"""Rows validated and inserted at a time (bounds memory; big enough for fast inserts)."""

REPORT_LIMIT = 100
"""Problems printed in a report; the rest are counted (and go to ``errors_file``)."""

KEPT_ERRORS = 10_000
"""Problems kept in memory on :class:`ImportRejected` (the count is always complete)."""

CSV_FIELD_LIMIT = 1 << 20
"""Longest CSV value or line read at all (1 MiB), far above every column's own cap so
that an over-long value is normally reported by its column's check."""

ERROR_FILE_COLUMNS = ["file", "line", "column", "message"]

_DAY_MAX_CENTS = 24 * 100
_ID_MAX = 2**31 - 1  # ids are INTEGER columns: 32 bits on PostgreSQL
_PARAMS = 400  # values per IN (...) list: well under every driver's parameter limit
_BAD_CHARS = re.compile("[\x00\udc80-\udcff]")  # NUL, or a byte that was not UTF-8


@dataclass(frozen=True)
class RowError:
    """One problem in one row (line 1 is the header; column may be empty)."""

    line: int
    column: str
    message: str


@dataclass
class ImportRejected(Exception):
    """Nothing was written because at least one row is wrong.

    ``errors`` holds the first :data:`KEPT_ERRORS` problems; ``total`` counts them all
    (``None``: as many as ``errors``); ``errors_file`` is where all of them were written.
    """

    source: str
    errors: list[RowError] = field(default_factory=list)
    total: int | None = None
    errors_file: str | None = None

    def __str__(self) -> str:
        return self.report()

    @property
    def count(self) -> int:
        """How many problems were found."""
        return self.total if self.total is not None else len(self.errors)

    def report(self) -> str:
        """Plain-language report, one problem per line (the first :data:`REPORT_LIMIT`)."""
        lines = [f"{self.source}: {self.count} problem(s) found; nothing was written."]
        for err in self.errors[:REPORT_LIMIT]:
            where = f"line {err.line}" if err.line else "input"
            col = f", column {err.column}" if err.column else ""
            lines.append(f"  {self.source}, {where}{col}: {err.message}")
        more = self.count - min(len(self.errors), REPORT_LIMIT)
        if more > 0:
            where = (
                f"all are listed in {self.errors_file}"
                if self.errors_file
                else "--errors FILE writes the full list"
            )
            lines.append(f"  and {more:,} more problem{'s' if more != 1 else ''} ({where}).")
        return "\n".join(lines)


@dataclass
class ImportOutcome:
    """What a successful write did."""

    written: int
    ids: Sequence = field(default_factory=list)
    skipped: int = 0

    def summary(self, what: str) -> str:
        """A one-line plain summary."""
        text = f"{self.written} {what} written"
        if self.skipped:
            text += f", {self.skipped} already recorded (skipped)"
        return text + "."


def _now() -> datetime:
    return datetime.now(UTC)


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _check_by(by: str, source: str) -> None:
    if len(by) > RECORDED_BY_MAX:
        raise ImportRejected(
            source,
            [RowError(0, "by", f"--by is longer than {RECORDED_BY_MAX} characters ({len(by)})")],
        )


class _Problems:
    """Collects a run's problems: counts all, keeps the first few, writes all to a file.

    As a context manager it also writes problems raised before any row was read (a
    missing file, a wrong header) to the error file, so that file is always complete.
    """

    def __init__(self, source: str, errors_file: Path | str | None, input_file: Path | None):
        self.source = source
        self.kept: list[RowError] = []
        self.total = 0
        self.errors_file = str(errors_file) if errors_file else None
        self._fh = None
        self._writer = None
        self._raised: ImportRejected | None = None
        if errors_file is None:
            return
        path = Path(errors_file)
        if input_file is not None and path.resolve() == Path(input_file).resolve():
            raise ImportRejected(
                source, [RowError(0, "errors", "--errors must name another file than the import")]
            )
        try:
            self._fh = path.open("w", newline="", encoding="utf-8")
        except OSError as exc:
            raise ImportRejected(
                source,
                [RowError(0, "errors", f"cannot write the problem list to {path}: {exc.strerror}")],
            ) from None
        self._writer = csv.writer(self._fh)
        self._writer.writerow(ERROR_FILE_COLUMNS)

    def add(self, errors: list[RowError]) -> None:
        """Record ``errors`` (one chunk's, sorted by line)."""
        for err in errors:
            self.total += 1
            if len(self.kept) < KEPT_ERRORS:
                self.kept.append(err)
            if self._writer is not None:
                self._writer.writerow([self.source, err.line or "", err.column, err.message])

    def check(self) -> None:
        """Raise :class:`ImportRejected` if any problem was found."""
        if self.total:
            self._raised = ImportRejected(self.source, self.kept, self.total, self.errors_file)
            raise self._raised

    def __enter__(self) -> _Problems:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        if isinstance(exc, ImportRejected) and exc is not self._raised:
            # Raised before rows were read (file, header, --by): the list is just these.
            self.add(exc.errors)
            if self.errors_file:
                exc.errors_file = self.errors_file
        if self._fh is not None:
            self._fh.close()


# --------------------------------------------------------------------------- CSV reading


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return (
            'a quoted value that starts on this line is never closed (a closing " is '
            "missing), so the rest of the file cannot be read"
        )
    if "expected after" in text:
        return (
            'a closing quote (") must be followed by a comma or the end of the line; put the '
            'whole value in quotes and write a quote inside it as ""'
        )
    if "field limit" in text:
        return f"a value on this row is longer than {CSV_FIELD_LIMIT:,} characters"
    return f"this row is not valid CSV ({text})"


class CsvRows:
    """The rows of a UTF-8 CSV file with a pinned header, read one at a time.

    Opening checks the header (raising :class:`ImportRejected`); iterating yields
    ``(line, row dict)`` or ``(line, RowError)`` for a row that is not readable, where
    ``line`` is the physical line on which the row starts (a quoted value may span
    lines). Blank rows are skipped. Use it as a context manager to close the file.
    """

    def __init__(
        self, path: Path | str, columns: Sequence[str], optional: Sequence[str] = ()
    ) -> None:
        self.path = Path(path)
        self.source = str(path)
        if not self.path.is_file():
            raise ImportRejected(self.source, [RowError(0, "", f"file not found: {self.path}")])
        # Raising the limit only (it is process-wide): values up to CSV_FIELD_LIMIT reach
        # the column checks, which name the column and its own maximum.
        csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
        # newline="" hands line ends to the csv module (a quoted value may hold them;
        # U+2028 and friends are data, not line ends); bytes that are not UTF-8 become
        # lone surrogates so the row holding them can be reported and reading go on.
        self._fh = self.path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
        self._long_lines: list[int] = []
        self._reader = csv.reader(self._lines(), strict=True)
        try:
            self.header = self._read_header(list(columns), list(optional))
        except BaseException:
            self._fh.close()
            raise

    def __enter__(self) -> CsvRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file."""
        self._fh.close()

    def _lines(self) -> Iterator[str]:
        # Physical lines, each at most CSV_FIELD_LIMIT characters: a longer one is read
        # in pieces, dropped and remembered, so one huge line cannot fill the memory.
        readline, limit, number = self._fh.readline, CSV_FIELD_LIMIT, 0
        while line := readline(limit):
            number += 1
            if len(line) == limit and line[-1] not in "\r\n":
                while (rest := readline(limit)) and rest[-1] not in "\r\n":
                    pass
                self._long_lines.append(number)
                line = "\n"
            yield line

    def _read_header(self, columns: list[str], optional: list[str]) -> list[str]:
        expected = ",".join(columns) + (
            f" (optionally followed by {','.join(optional)})" if optional else ""
        )
        try:
            header = next(self._reader, None)
        except csv.Error as exc:
            raise ImportRejected(self.source, [RowError(1, "", _csv_problem(exc))]) from None
        if self._long_lines or (header and _BAD_CHARS.search("".join(header))):
            raise ImportRejected(
                self.source,
                [RowError(1, "", "the header row is not UTF-8 text; save the file as CSV UTF-8")],
            )
        if not header or not any(h.strip() for h in header):
            raise ImportRejected(
                self.source,
                [RowError(1, "", f"the header row is missing; expected: {expected}")],
            )
        header = [h.strip() for h in header]
        errors = []
        allowed = columns + optional
        for h in header:
            if h not in allowed:
                errors.append(
                    RowError(1, shown(h), f"unexpected column '{shown(h)}'; expected: {expected}")
                )
        for c in columns:
            if c not in header:
                errors.append(RowError(1, c, f"column '{c}' is missing"))
        for d in sorted({h for h in header if header.count(h) > 1}):
            errors.append(RowError(1, shown(d), f"column '{shown(d)}' appears more than once"))
        if errors:
            raise ImportRejected(self.source, errors)
        return header

    def __iter__(self) -> Iterator[tuple[int, dict | RowError]]:
        reader, header = self._reader, self.header
        width = len(header)
        previous = reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                start, previous = previous + 1, reader.line_num
                yield start, RowError(start, "", _csv_problem(exc))
                continue
            start, previous = previous + 1, reader.line_num
            if self._long_lines and self._long_lines[-1] >= start:
                long = next(n for n in self._long_lines if n >= start)
                yield (
                    start,
                    RowError(
                        start, "", f"line {long} is longer than {CSV_FIELD_LIMIT:,} characters"
                    ),
                )
                continue
            joined = "".join(values)
            if not joined.strip():
                continue  # blank line
            if len(values) != width:
                yield (
                    start,
                    RowError(start, "", f"has {len(values)} values but the header has {width}"),
                )
                continue
            if _BAD_CHARS.search(joined):
                yield start, _bad_chars(start, header, values)
                continue
            yield start, dict(zip(header, values, strict=True))


def _bad_chars(line: int, header: list[str], values: list[str]) -> RowError:
    column = next(h for h, v in zip(header, values, strict=True) if _BAD_CHARS.search(v))
    value = next(v for v in values if _BAD_CHARS.search(v))
    if "\x00" in value:
        return RowError(
            line,
            column,
            "contains a NUL (zero) byte, which text cannot hold; the file may not be a CSV "
            "text file (save it again as CSV UTF-8)",
        )
    return RowError(line, column, "is not UTF-8 text; save the file as CSV UTF-8")


def read_csv(
    path: Path | str, columns: Sequence[str], optional: Sequence[str] = ()
) -> list[tuple[int, dict]]:
    """Read a whole (small) CSV with the pinned header; returns (line, row dict) pairs.

    Imports stream with :class:`CsvRows` instead; this is for callers that want a list.
    """
    with CsvRows(path, columns, optional) as reader:
        rows, errors = [], []
        for line, item in reader:
            if isinstance(item, RowError):
                errors.append(item)
            else:
                rows.append((line, item))
    if errors:
        raise ImportRejected(str(path), errors)
    if not rows:
        raise ImportRejected(str(path), [RowError(0, "", "the file has a header but no rows")])
    return rows


def _validate(model: type[BaseModel], line: int, raw: dict, errors: list[RowError]):  # noqa: ANN202
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for e in exc.errors():
            column = str(e["loc"][0]) if e["loc"] else ""
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "literal_error":
                msg = f"'{shown(raw.get(column))}' is not allowed here; {msg.lower()}"
            elif e["type"] == "missing":
                msg = f"{column} is required"
            elif e["type"] == "string_pattern_mismatch":
                msg = f"'{shown(raw.get(column))}' is not in the expected form"
            elif e["type"] == "string_too_long":
                msg = f"is longer than {e['ctx']['max_length']:,} characters"
            errors.append(RowError(line, column, msg))
        return None


def _parse_rows(
    model: type[BaseModel], rows: Iterable[tuple[int, dict | RowError]], errors: list[RowError]
) -> list[tuple[int, BaseModel]]:
    parsed = []
    for line, raw in rows:
        if isinstance(raw, RowError):
            errors.append(raw)
        elif (row := _validate(model, line, raw, errors)) is not None:
            parsed.append((line, row))
    return parsed


def _rows_of(reader: CsvRows) -> Iterator[tuple[int, dict | RowError]]:
    """The rows of an open import file; a file with a header and no rows is a problem."""
    empty = True
    for item in reader:
        empty = False
        yield item
    if empty:
        yield 0, RowError(0, "", "the file has a header but no rows")


# --------------------------------------------------------------------------- ledger facts


class _Trainee(NamedTuple):
    index: int  # small number for compact per-trainee keys
    birth_date: date
    profile: str  # the certifying body's profile: its exam sections and specializations


@cache
def _profile_sections(profile: str) -> tuple[str, ...]:
    # The exam sections of one profile (framework domains, or "total").
    return tuple(load_policy(profile).sections)


@cache
def _profile_specializations(profile: str) -> tuple[str, ...]:
    return tuple(sorted(load_policy(profile).specializations))


class _Registry:
    """The trainees rows name, looked up in the ledger as chunks need them.

    Known ids are kept (one entry per registered trainee the file names); for an unknown
    id the same id in another case is remembered as a hint.
    """

    def __init__(self, conn: Connection):
        self.conn = conn
        self.known: dict[str, _Trainee] = {}
        self.hints: dict[str, str | None] = {}

    def load(self, ids: Iterable[str]) -> list[str]:
        """Look up the ids not seen yet; returns those found (newly known)."""
        todo = sorted(i for i in set(ids) if i not in self.known and i not in self.hints)
        found = []
        for i in range(0, len(todo), _PARAMS):
            q = select(trainees.c.trainee_id, trainees.c.birth_date, trainees.c.profile).where(
                trainees.c.trainee_id.in_(todo[i : i + _PARAMS])
            )
            for r in self.conn.execute(q):
                self.known[r.trainee_id] = _Trainee(len(self.known), r.birth_date, r.profile)
                found.append(r.trainee_id)
        missing = [t for t in todo if t not in self.known]
        if len(self.hints) > 100_000:
            self.hints.clear()  # a file of made-up ids must not grow this without end
        lowered: dict[str, list[str]] = {}
        for t in missing:
            lowered.setdefault(t.lower(), []).append(t)
            self.hints[t] = None
        keys = sorted(lowered)
        for i in range(0, len(keys), _PARAMS):
            q = select(trainees.c.trainee_id).where(
                func.lower(trainees.c.trainee_id).in_(keys[i : i + _PARAMS])
            )
            for (spelling,) in self.conn.execute(q):
                for t in lowered.get(spelling.lower(), []):
                    self.hints[t] = spelling
        return found

    def get(self, trainee_id: str) -> _Trainee | None:
        """The registered trainee with exactly this id, if any."""
        return self.known.get(trainee_id)

    def unknown(self, trainee_id: str, tail: str) -> str:
        """The message for an id that is not registered (with a hint for another case)."""
        hint = self.hints.get(trainee_id)
        if hint:
            return f"unknown trainee '{shown(trainee_id)}'; did you mean '{hint}'?"
        return f"unknown trainee '{shown(trainee_id)}'{tail}"


def _spans(conn: Connection, table, trainee_ids: list[str]) -> dict[str, tuple[date, date]]:  # noqa: ANN001
    """First and last date each trainee has in ``table`` (trainees with no rows: absent)."""
    out = {}
    for i in range(0, len(trainee_ids), _PARAMS):
        q = (
            select(table.c.trainee_id, func.min(table.c.date), func.max(table.c.date))
            .where(table.c.trainee_id.in_(trainee_ids[i : i + _PARAMS]))
            .group_by(table.c.trainee_id)
        )
        out.update({tid: (lo, hi) for tid, lo, hi in conn.execute(q)})
    return out


class _KeyValues:
    """int64 key -> int64 value for millions of keys, in numpy arrays (16 bytes a key: a
    5-million-row file needs about 80 MB, where a dict would need 500 MB).

    Keys live in a few sorted runs, merged like a binary counter (a run is merged into
    the one before it once that is not more than twice its size), so adding n keys costs
    O(n log n) in all and a look-up searches about log2(chunks) runs.
    """

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []

    def get(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For sorted unique ``keys``: (found, value) arrays (value 0 where not found)."""
        found = np.zeros(len(keys), bool)
        values = np.zeros(len(keys), np.int64)
        for run_keys, run_values in self.runs:
            pos = np.searchsorted(run_keys, keys)
            inside = pos < len(run_keys)
            hit = np.zeros(len(keys), bool)
            hit[inside] = run_keys[pos[inside]] == keys[inside]
            found |= hit
            values[hit] = run_values[pos[hit]]
        return found, values

    def update(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Set new values for sorted unique ``keys`` that are all present."""
        for run_keys, run_values in self.runs:
            pos = np.searchsorted(run_keys, keys)
            inside = pos < len(run_keys)
            hit = np.zeros(len(keys), bool)
            hit[inside] = run_keys[pos[inside]] == keys[inside]
            run_values[pos[hit]] = values[hit]

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add sorted unique ``keys`` that are all new."""
        if not len(keys):
            return
        self.runs.append((keys, values))
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (k1, v1), (k2, v2) = self.runs.pop(), self.runs.pop()
            # A linear merge of two sorted runs; the only extra memory is the result.
            at = np.searchsorted(k2, k1)
            self.runs.append((np.insert(k2, at, k1), np.insert(v2, at, v1)))


class _FirstLines:
    """64-bit key -> the first line it was seen on."""

    def __init__(self) -> None:
        self.index = _KeyValues()

    def seen(self, keys: Sequence[int], lines: Sequence[int]) -> list[int]:
        """For each key, the line it was first seen on (earlier chunk or earlier in this
        one), or -1; then remember the new keys."""
        if not len(keys):
            return []
        k = np.asarray(keys, np.int64)
        ln = np.asarray(lines, np.int64)
        order = np.argsort(k, kind="stable")
        k, ln = k[order], ln[order]
        first = np.ones(len(k), bool)
        first[1:] = k[1:] != k[:-1]
        group = np.cumsum(first) - 1
        unique, unique_lines = k[first], ln[first]
        found, before = self.index.get(unique)
        before[~found] = -1
        earlier = np.where(
            before[group] >= 0, before[group], np.where(first, -1, unique_lines[group])
        )
        out = np.empty_like(earlier)
        out[order] = earlier
        self.index.add(unique[~found], unique_lines[~found])
        return out.tolist()


class _Totals:
    """64-bit key -> running integer total."""

    def __init__(self) -> None:
        self.index = _KeyValues()

    def get(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found, total) for sorted unique ``keys`` (total 0 where absent)."""
        return self.index.get(keys)

    def put(self, keys: np.ndarray, values: np.ndarray, found: np.ndarray) -> None:
        """Set totals for sorted unique ``keys`` (``found``: as :meth:`get` said)."""
        if found.any():
            self.index.update(keys[found], values[found])
        self.index.add(keys[~found], values[~found])


def _append(
    conn: Connection, table, id_col: str, columns: Sequence[str], rows: list
) -> Sequence[int]:  # noqa: ANN001, E501
    """Insert ``rows`` (value tuples in ``columns`` order); their new ids, in row order."""
    if not rows:
        return []
    ident = table.c[id_col]
    dialect = conn.dialect
    if dialect.name == "sqlite":
        # SQLite can only return ids in row order one row at a time, which is several
        # times slower than the driver's executemany. So insert with executemany (values
        # through the columns' own bind processors: stored exactly as SQLAlchemy stores
        # them) and read the ids back: under the write lock taken at BEGIN, the new rows
        # are those above the largest id before, numbered in insertion order.
        procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        convert = [(i, p, {}) for i, p in enumerate(procs) if p is not None]
        if convert:
            stored = []
            for row in rows:
                row = list(row)
                for i, proc, memo in convert:
                    v = row[i]
                    try:
                        row[i] = memo[v]
                    except KeyError:
                        row[i] = memo[v] = proc(v)
                    except TypeError:  # unhashable: convert without the memo
                        row[i] = proc(v)
                stored.append(tuple(row))
            rows = stored
        quote = dialect.identifier_preparer
        sql = (
            f"INSERT INTO {quote.format_table(table)} "
            f"({', '.join(quote.quote(c) for c in columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        before = conn.execute(select(func.coalesce(func.max(ident), 0))).scalar()
        conn.exec_driver_sql(sql, rows)
        newer = select(func.count(), func.max(ident)).where(ident > before)
        count, last = conn.execute(newer).one()
        if count == len(rows) and last - before == count:
            return range(before + 1, last + 1)  # the usual case: numbered one after another
        return list(conn.execute(select(ident).where(ident > before).order_by(ident)).scalars())
    values = [dict(zip(columns, row, strict=True)) for row in rows]
    if dialect.insert_executemany_returning_sort_by_parameter_order:
        q = insert(table).returning(ident, sort_by_parameter_order=True)
        return [r[0] for r in conn.execute(q, values)]
    return [conn.execute(insert(table), v).inserted_primary_key[0] for v in values]


# --------------------------------------------------------------------------- trainees


def write_trainees(
    rows: Iterable[tuple[int, dict | RowError]],
    *,
    by: str,
    source: str,
    db: str | None = None,
    today: date | None = None,
    errors_file: Path | str | None = None,
) -> ImportOutcome:
    """Validate and register trainees, all or none.

    Ids are not case-sensitive: ``t1`` is refused when ``T1`` is registered or appears
    earlier in the file. ``enrolled_on`` (optional) defaults to ``today``, the import
    date; it may not be later, nor before the birth date.
    """
    today = today or date.today()
    with _Problems(source, errors_file, None) as problems:
        _check_by(by, source)
        return _write_trainees(rows, by=by, db=db, today=today, problems=problems)


def _write_trainees(rows, *, by, db, today, problems: _Problems) -> ImportOutcome:  # noqa: ANN001
    profiles = set(available_profiles())
    now = _now()
    ids: list[str] = []
    # lower-case id -> (line, spelling, inserted); bounded by the trainees in the file.
    seen: dict[str, tuple[int, str, bool]] = {}
    with write_transaction(db) as conn:
        for chunk in _chunks(rows, CHUNK_ROWS):
            errors: list[RowError] = []
            parsed = _parse_rows(TraineeRow, chunk, errors)
            registered = _registered(conn, {r.trainee_id.lower() for _, r in parsed})
            for line, r in parsed:
                low = r.trainee_id.lower()
                earlier = seen.get(low)
                spelling = registered.get(low)
                if spelling is not None and not (earlier and earlier[2]):
                    errors.append(RowError(line, "trainee_id", _registered_msg(r, spelling)))
                if earlier is not None:
                    same = earlier[1] == r.trainee_id
                    errors.append(
                        RowError(
                            line,
                            "trainee_id",
                            f"trainee '{r.trainee_id}' also appears on line {earlier[0]}"
                            + ("" if same else f" as '{earlier[1]}'; ids are not case-sensitive"),
                        )
                    )
                if r.birth_date > today:
                    errors.append(
                        RowError(line, "birth_date", f"birth date {r.birth_date} is in the future")
                    )
                if r.education not in EDUCATION_LEVELS:
                    errors.append(
                        RowError(
                            line,
                            "education",
                            f"education '{shown(r.education)}' is not one of "
                            f"{', '.join(EDUCATION_LEVELS)}",
                        )
                    )
                if r.profile and r.profile not in profiles:
                    errors.append(
                        RowError(
                            line,
                            "profile",
                            f"unknown policy profile '{shown(r.profile)}'; known: "
                            f"{', '.join(sorted(profiles))}",
                        )
                    )
                if r.enrolled_on is not None and r.enrolled_on > today:
                    errors.append(
                        RowError(
                            line,
                            "enrolled_on",
                            f"enrolled_on {r.enrolled_on} is after the import date ({today})",
                        )
                    )
                if r.enrolled_on is not None and r.enrolled_on < r.birth_date:
                    errors.append(
                        RowError(
                            line,
                            "enrolled_on",
                            f"enrolled_on {r.enrolled_on} is before the birth date {r.birth_date}",
                        )
                    )
                if earlier is None:
                    seen[low] = (line, r.trainee_id, False)
            errors.sort(key=lambda e: e.line)
            problems.add(errors)
            if problems.total:
                continue  # keep checking, stop inserting
            values = [
                {
                    **r.model_dump(),
                    "profile": r.profile or "ca-ppss",
                    "enrolled_on": r.enrolled_on or today,
                    "recorded_by": by,
                    "recorded_at": now,
                }
                for _, r in parsed
            ]
            conn.execute(insert(trainees), values)
            for v in values:
                low = v["trainee_id"].lower()
                seen[low] = (*seen[low][:2], True)
            ids.extend(v["trainee_id"] for v in values)
        problems.check()
    return ImportOutcome(written=len(ids), ids=ids)


def _registered(conn: Connection, lowered: set[str]) -> dict[str, str]:
    """lower-case id -> the registered spelling, for ids in ``lowered``."""
    keys, out = sorted(lowered), {}
    for i in range(0, len(keys), _PARAMS):
        q = select(trainees.c.trainee_id).where(
            func.lower(trainees.c.trainee_id).in_(keys[i : i + _PARAMS])
        )
        out.update({tid.lower(): tid for (tid,) in conn.execute(q)})
    return out


def _registered_msg(row: TraineeRow, spelling: str) -> str:
    if spelling == row.trainee_id:
        return f"trainee '{row.trainee_id}' is already registered"
    return (
        f"trainee '{row.trainee_id}' is already registered as '{spelling}'; "
        "ids are not case-sensitive"
    )


def import_trainees(
    file: Path | str,
    *,
    by: str,
    db: str | None = None,
    today: date | None = None,
    errors_file: Path | str | None = None,
) -> ImportOutcome:
    """``ppskit trainees import FILE``: the pinned columns, optionally ``enrolled_on``."""
    source = str(file)
    with _Problems(source, errors_file, Path(file)) as problems:
        _check_by(by, source)
        with CsvRows(file, TRAINEE_COLUMNS, TRAINEE_OPTIONAL_COLUMNS) as reader:
            return _write_trainees(
                _rows_of(reader), by=by, db=db, today=today or date.today(), problems=problems
            )


# --------------------------------------------------------------------------- hours


def _cents(hours: float) -> int:
    return round(hours * 100)


_HOURS_INSERT = [*HOURS_COLUMNS, "recorded_by", "recorded_at"]


class _HoursWriter:
    """Checks hour rows chunk by chunk against the ledger and the rows before them, and
    appends them while no problem has been found.

    A row is a tuple in ``HOURS_COLUMNS`` order: ``plain_hours_row`` reads plainly valid
    rows fast; any other goes through :class:`HoursRow`, which words its problems.
    """

    def __init__(self, conn: Connection, *, by: str, today: date, problems: _Problems):
        self.conn, self.by, self.today, self.problems = conn, by, today, problems
        self.domains = set(load_framework().domain_ids)
        self.registry = _Registry(conn)
        # Rows this import adds get higher entry ids: ledger checks look at older ones only.
        self.snapshot = conn.execute(
            select(func.coalesce(func.max(hours_entries.c.entry_id), 0))
        ).scalar()
        self.spans: dict[str, tuple[date, date]] = {}
        self.first_lines = _FirstLines()
        self.day_cents = _Totals()  # (trainee, day) -> hundredths of an hour in this file
        self.ids = array("q")
        self.now = _now()

    def feed(self, chunk: list[tuple[int, dict | RowError]]) -> None:
        """Validate one chunk; insert it if nothing is wrong so far."""
        errors: list[RowError] = []
        parsed = []
        for line, raw in chunk:
            if isinstance(raw, RowError):
                errors.append(raw)
            elif (row := plain_hours_row(raw)) is not None:
                parsed.append((line, row))
            elif (model := _validate(HoursRow, line, raw, errors)) is not None:
                parsed.append((line, tuple(getattr(model, c) for c in HOURS_COLUMNS)))
        self._check(parsed, errors)
        errors.sort(key=lambda e: e.line)
        self.problems.add(errors)
        if self.problems.total or not parsed:
            return
        by, now = self.by, self.now
        values = [(*row, by, now) for _, row in parsed]
        self.ids.extend(_append(self.conn, hours_entries, "entry_id", _HOURS_INSERT, values))

    def outcome(self) -> ImportOutcome:
        """What was written, or :class:`ImportRejected` if anything was wrong."""
        self.problems.check()
        return ImportOutcome(written=len(self.ids), ids=self.ids)

    def _check(self, parsed: list[tuple[int, tuple]], errors: list[RowError]) -> None:
        new = self.registry.load(row[0] for _, row in parsed)
        self.spans.update(_spans(self.conn, hours_entries, new))
        today, domains, registry = self.today, self.domains, self.registry
        known = registry.known
        rows = []  # (line, row, trainee, hundredths of an hour)
        for line, row in parsed:
            tid, day, hours, category, topic = row[:5]
            t = known.get(tid)
            if t is None:
                errors.append(
                    RowError(
                        line,
                        "trainee_id",
                        registry.unknown(
                            tid, "; register them first with 'ppskit trainees import'"
                        ),
                    )
                )
                continue
            if day > today:
                errors.append(
                    RowError(
                        line,
                        "date",
                        f"{day} is in the future; hours can only be logged once they have happened",
                    )
                )
            if day < t.birth_date:
                errors.append(RowError(line, "date", f"{day} is before the trainee's birth date"))
            if category == "core" and topic not in domains:
                errors.append(
                    RowError(
                        line,
                        "topic",
                        f"'{shown(topic)}' is not a core domain; use one of "
                        f"{', '.join(sorted(domains))}",
                    )
                )
            if category == "specialization" and topic not in _profile_specializations(t.profile):
                declared = _profile_specializations(t.profile)
                errors.append(
                    RowError(
                        line,
                        "topic",
                        f"'{shown(topic)}' is not a specialization of {tid}'s profile "
                        f"({t.profile}); "
                        + (
                            f"use one of {', '.join(declared)}"
                            if declared
                            else "that profile declares no specialization"
                        ),
                    )
                )
            rows.append((line, row, t, round(hours * 100)))
        if not rows:
            return
        ledger_keys, ledger_cents = self._ledger_days(rows)
        # Exact duplicates: the key is the row with hours in hundredths, minus "verified".
        keys = [(r[0], r[1], c, r[3], r[4], r[5], r[7]) for _, r, _, c in rows]
        earlier = self.first_lines.seen([hash(k) for k in keys], [line for line, *_ in rows])
        for (line, *_), key, before in zip(rows, keys, earlier, strict=True):
            if key in ledger_keys:
                errors.append(
                    RowError(
                        line,
                        "",
                        f"exact duplicate of ledger entry {ledger_keys[key]}; "
                        "these hours are already recorded",
                    )
                )
            elif before >= 0:
                errors.append(RowError(line, "", f"exact duplicate of line {before}"))
        # 24 hours a day, counting every category and source (session, external and
        # self-paced module hours alike), the ledger's and this file's.
        day_keys = np.fromiter(
            (t.index << 22 | r[1].toordinal() for _, r, t, _ in rows), np.int64, len(rows)
        )
        unique, where = np.unique(day_keys, return_inverse=True)
        where = where.tolist()
        found, in_file = self.day_cents.get(unique)
        in_file = in_file.tolist()
        ledger = [0] * len(unique)
        if ledger_cents:
            for (_, r, _, _), j in zip(rows, where, strict=True):
                ledger[j] = ledger_cents.get((r[0], r[1]), 0)
        for (line, r, _, cents), j in zip(rows, where, strict=True):
            in_file[j] += cents
            if ledger[j] + in_file[j] > _DAY_MAX_CENTS:
                errors.append(
                    RowError(line, "hours", f"{r[0]} would have more than 24 hours on {r[1]}")
                )
        self.day_cents.put(unique, np.array(in_file, np.int64), found)

    def _ledger_days(self, rows: list) -> tuple[dict[tuple, int], dict[tuple, int]]:
        """Live ledger entries on the chunk's trainee-days: exact keys -> first entry id,
        and hundredths of an hour per (trainee, day)."""
        pairs = set()
        for _, r, _, _ in rows:
            span = self.spans.get(r[0])
            if span and span[0] <= r[1] <= span[1]:
                pairs.add((r[0], r[1]))
        keys: dict[tuple, int] = {}
        cents: dict[tuple, int] = {}
        if not pairs:
            return keys, cents
        e = hours_entries
        voided = exists().where(
            hours_events.c.entry_id == e.c.entry_id, hours_events.c.kind == "void"
        )
        todo = sorted(pairs)
        for i in range(0, len(todo), _PARAMS // 2):
            q = (
                select(e)
                .where(
                    tuple_(e.c.trainee_id, e.c.date).in_(todo[i : i + _PARAMS // 2]),
                    e.c.entry_id <= self.snapshot,
                    ~voided,
                )
                .order_by(e.c.entry_id)
            )
            for x in self.conn.execute(q):
                c = _cents(x.hours)
                key = (x.trainee_id, x.date, c, x.category, x.topic, x.source, x.note)
                keys.setdefault(key, x.entry_id)
                cents[(x.trainee_id, x.date)] = cents.get((x.trainee_id, x.date), 0) + c
        return keys, cents


def _write_hours_rows(
    conn: Connection, rows: Iterable, *, by: str, today: date, problems: _Problems
) -> ImportOutcome:
    writer = _HoursWriter(conn, by=by, today=today, problems=problems)
    for chunk in _chunks(rows, CHUNK_ROWS):
        writer.feed(chunk)
    return writer.outcome()


def append_hours(
    conn: Connection,
    rows: Iterable[tuple[int, dict | RowError]],
    *,
    by: str,
    source: str,
    today: date | None = None,
) -> ImportOutcome:
    """Validate hour rows and append them inside the caller's write transaction."""
    _check_by(by, source)
    problems = _Problems(source, None, None)
    return _write_hours_rows(conn, rows, by=by, today=today or date.today(), problems=problems)


def write_hours(
    rows: Iterable[tuple[int, dict | RowError]],
    *,
    by: str,
    source: str,
    db: str | None = None,
    today: date | None = None,
    errors_file: Path | str | None = None,
) -> ImportOutcome:
    """Validate hour rows against the ledger and append them, all or none.

    No trainee may have more than 24 hours on one day, whatever the category or source
    (module, session, external), counting the ledger and the rows given.
    """
    with _Problems(source, errors_file, None) as problems:
        _check_by(by, source)
        with write_transaction(db) as conn:
            return _write_hours_rows(
                conn, rows, by=by, today=today or date.today(), problems=problems
            )


def log_hours(
    row: dict, *, by: str, db: str | None = None, today: date | None = None
) -> ImportOutcome:
    """``ppskit hours log``: one row, same rules as an import."""
    return write_hours([(0, row)], by=by, source="hours log", db=db, today=today)


def import_hours(
    file: Path | str,
    *,
    by: str,
    db: str | None = None,
    today: date | None = None,
    errors_file: Path | str | None = None,
) -> ImportOutcome:
    """``ppskit hours import FILE``, streamed (see the module docstring)."""
    source = str(file)
    with _Problems(source, errors_file, Path(file)) as problems:
        _check_by(by, source)
        with CsvRows(file, HOURS_COLUMNS) as reader, write_transaction(db) as conn:
            return _write_hours_rows(
                conn, _rows_of(reader), by=by, today=today or date.today(), problems=problems
            )


def day_hours(conn: Connection, trainee_id: str, day: date) -> float:
    """Hours a trainee has on ``day`` in the ledger (every live entry, any source)."""
    voided = exists().where(
        hours_events.c.entry_id == hours_entries.c.entry_id, hours_events.c.kind == "void"
    )
    q = select(func.coalesce(func.sum(hours_entries.c.hours), 0.0)).where(
        hours_entries.c.trainee_id == trainee_id, hours_entries.c.date == day, ~voided
    )
    return float(conn.execute(q).scalar())


# --------------------------------------------------------------------------- exam results


def write_exam_results(
    rows: Iterable[tuple[int, dict | RowError]],
    *,
    by: str,
    source: str,
    db: str | None = None,
    today: date | None = None,
    origin: str = "import",
    skip_identical: bool = False,
    correction_reason: str | None = None,
    errors_file: Path | str | None = None,
) -> ImportOutcome:
    """Validate exam section scores and append them, all or none.

    A sitting's section (trainee, date, form, section) already recorded is refused,
    whatever the score, unless ``correction_reason`` is given: then every row must change
    a recorded score, and the new row (which supersedes the old one) keeps the reason.

    With ``skip_identical`` (the nbgrader pipeline recording again), a row identical to
    the score recorded is skipped, a new sitting is recorded, and a changed score is
    refused unless ``correction_reason`` says why it changes (then it supersedes).
    """
    with _Problems(source, errors_file, None) as problems:
        _check_by(by, source)
        reason = _check_reason(correction_reason, source)
        with write_transaction(db) as conn:
            writer = _ExamWriter(
                conn,
                by=by,
                today=today or date.today(),
                origin=origin,
                skip_identical=skip_identical,
                reason=reason,
                problems=problems,
            )
            for chunk in _chunks(rows, CHUNK_ROWS):
                writer.feed(chunk)
            return writer.outcome()


def _check_reason(reason: str | None, source: str) -> str | None:
    if reason is None:
        return None
    text = reason.strip()
    if not text:
        raise ImportRejected(
            source,
            [
                RowError(
                    0,
                    "reason",
                    "a correction needs a reason: say why the recorded scores change "
                    "(--correct --reason TEXT)",
                )
            ],
        )
    if len(text) > TEXT_MAX_CHARS:
        raise ImportRejected(
            source,
            [RowError(0, "reason", f"the reason is longer than {TEXT_MAX_CHARS:,} characters")],
        )
    return text


_EXAM_VALUES = [*EXAM_COLUMNS, *EXAM_OPTIONAL_COLUMNS]
_EXAM_INSERT = [*_EXAM_VALUES, "source", "recorded_by", "recorded_at", "correction_reason"]


class _ExamWriter:
    """Checks exam rows chunk by chunk and appends them while nothing is wrong."""

    def __init__(
        self,
        conn: Connection,
        *,
        by: str,
        today: date,
        origin: str,
        skip_identical: bool,
        reason: str | None,
        problems: _Problems,
    ):
        self.conn, self.by, self.today, self.origin = conn, by, today, origin
        self.skip_identical, self.reason, self.problems = skip_identical, reason, problems
        self.registry = _Registry(conn)
        self.snapshot = conn.execute(
            select(func.coalesce(func.max(exam_results.c.result_id), 0))
        ).scalar()
        self.spans: dict[str, tuple[date, date]] = {}
        self.first_lines = _FirstLines()
        self.ids = array("q")
        self.seen_rows = 0
        self.now = _now()

    def feed(self, chunk: list[tuple[int, dict | RowError]]) -> None:
        """Validate one chunk; insert its rows if nothing is wrong so far."""
        errors: list[RowError] = []
        parsed = _parse_rows(ExamRow, chunk, errors)
        self.seen_rows += len(parsed)
        keep = self._check(parsed, errors)
        errors.sort(key=lambda e: e.line)
        self.problems.add(errors)
        if self.problems.total or not keep:
            return
        values = [
            (*(getattr(r, c) for c in _EXAM_VALUES), self.origin, self.by, self.now, why)
            for r, why in keep
        ]
        self.ids.extend(_append(self.conn, exam_results, "result_id", _EXAM_INSERT, values))

    def outcome(self) -> ImportOutcome:
        """What was written, or :class:`ImportRejected` if anything was wrong."""
        self.problems.check()
        return ImportOutcome(
            written=len(self.ids), ids=self.ids, skipped=self.seen_rows - len(self.ids)
        )

    def _check(
        self, parsed: list[tuple[int, ExamRow]], errors: list[RowError]
    ) -> list[tuple[ExamRow, str]]:
        new = self.registry.load(r.trainee_id for _, r in parsed)
        self.spans.update(_spans(self.conn, exam_results, new))
        rows = []
        for line, r in parsed:
            t = self.registry.get(r.trainee_id)
            if t is None:
                errors.append(RowError(line, "trainee_id", self.registry.unknown(r.trainee_id, "")))
                continue
            sections = _profile_sections(t.profile)
            if r.section not in sections:
                errors.append(
                    RowError(
                        line,
                        "section",
                        f"'{shown(r.section)}' is not an exam section of {r.trainee_id}'s "
                        f"profile ({t.profile}); use "
                        + (
                            "'total' (one score for the whole exam)"
                            if sections == ("total",)
                            else f"one of {', '.join(sorted(sections))}"
                        ),
                    )
                )
            if r.date > self.today:
                errors.append(RowError(line, "date", f"{r.date} is in the future"))
            if r.date < t.birth_date:
                errors.append(
                    RowError(
                        line,
                        "date",
                        f"{r.date} is before the trainee's birth date ({t.birth_date})",
                    )
                )
            rows.append((line, r))
        if not rows:
            return []
        recorded = self._recorded(rows)
        keys = [(r.trainee_id, r.date, r.form, r.section) for _, r in rows]
        earlier = self.first_lines.seen([hash(k) for k in keys], [line for line, _ in rows])
        keep = []
        for (line, r), key, before in zip(rows, keys, earlier, strict=True):
            if before >= 0:
                errors.append(
                    RowError(
                        line,
                        "section",
                        f"section {r.section} of this sitting also appears on line {before}",
                    )
                )
            problem, why = self._against_ledger(r, recorded.get(key))
            if problem == "skip":
                continue
            if problem:
                errors.append(RowError(line, "", problem))
            keep.append((r, why))
        return keep

    def _against_ledger(
        self, r: ExamRow, recorded: tuple[float, float | None] | None
    ) -> tuple[str, str]:
        """(problem or "" or "skip", correction reason to keep) for one row.

        A row is the same as the one recorded when its score and the cut it is judged
        against (``cut_pct``, None: the profile's pass mark) are both the same."""
        score, cut = recorded if recorded is not None else (None, None)
        same_cut = (cut is None and r.cut_pct is None) or (
            cut is not None and r.cut_pct is not None and abs(cut - r.cut_pct) < 1e-9
        )
        same = score is not None and abs(score - r.score_pct) < 1e-9 and same_cut
        if score is not None and not same and abs(score - r.score_pct) < 1e-9:
            # Only the cut differs (a cut file was added or changed since recording).
            changed = (
                f"the score {score:g} is recorded against "
                f"{_cut_words(cut)}; judging it against {_cut_words(r.cut_pct)} instead"
            )
        else:
            changed = f"the new score {r.score_pct:g}"
        if self.skip_identical:
            if recorded is None:
                return "", ""
            if same:
                return "skip", ""
            if self.reason:
                return "", self.reason
            return (
                f"a score of {score:g} is already recorded for this section of the "
                f"sitting; {changed} is only recorded as a correction with a reason",
                "",
            )
        if self.reason is not None:
            if recorded is None:
                return "nothing to correct: no score is recorded for this sitting", ""
            if same:
                return f"nothing to correct: the score recorded is already {score:g}", ""
            return "", self.reason
        if recorded is None:
            return "", ""
        if same:
            return "exact duplicate: this score is already recorded", ""
        return (
            f"a score of {score:g} is already recorded for this sitting; to change it, "
            "record the file as a correction (--correct --reason TEXT)",
            "",
        )

    def _recorded(self, rows: list[tuple[int, ExamRow]]) -> dict[tuple, tuple]:
        """The score and cut in effect (latest recorded) for each sitting section of the
        chunk."""
        pairs = set()
        for _, r in rows:
            span = self.spans.get(r.trainee_id)
            if span and span[0] <= r.date <= span[1]:
                pairs.add((r.trainee_id, r.date))
        out: dict[tuple, tuple] = {}
        todo = sorted(pairs)
        x = exam_results
        for i in range(0, len(todo), _PARAMS // 2):
            q = (
                select(x.c.trainee_id, x.c.date, x.c.form, x.c.section, x.c.score_pct, x.c.cut_pct)
                .where(
                    tuple_(x.c.trainee_id, x.c.date).in_(todo[i : i + _PARAMS // 2]),
                    x.c.result_id <= self.snapshot,
                )
                .order_by(x.c.result_id)
            )
            for e in self.conn.execute(q):
                out[(e.trainee_id, e.date, e.form, e.section)] = (e.score_pct, e.cut_pct)
        return out


def _cut_words(cut: float | None) -> str:
    return "the profile's pass mark" if cut is None else f"the form's cut of {cut:g}%"


def import_exam_results(
    file: Path | str,
    *,
    by: str,
    db: str | None = None,
    today: date | None = None,
    correction_reason: str | None = None,
    errors_file: Path | str | None = None,
) -> ImportOutcome:
    """``ppskit exam record FILE`` (with ``--correct --reason TEXT``: ``correction_reason``)."""
    source = str(file)
    with _Problems(source, errors_file, Path(file)) as problems:
        _check_by(by, source)
        reason = _check_reason(correction_reason, source)
        with (
            CsvRows(file, EXAM_COLUMNS, EXAM_OPTIONAL_COLUMNS) as reader,
            write_transaction(db) as conn,
        ):
            rows = _rows_of(reader)
            writer = _ExamWriter(
                conn,
                by=by,
                today=today or date.today(),
                origin="import",
                skip_identical=False,
                reason=reason,
                problems=problems,
            )
            for chunk in _chunks(rows, CHUNK_ROWS):
                writer.feed(chunk)
            return writer.outcome()


# --------------------------------------------------------------------------- hour events


def _entry_states(conn: Connection, entry_ids: Sequence[int]) -> dict[int, dict]:
    # Numbers no database integer can hold cannot name an entry (and would overflow).
    ids = sorted({e for e in entry_ids if 0 < e <= _ID_MAX})
    states: dict[int, dict] = {}
    for i in range(0, len(ids), _PARAMS):
        q = select(hours_entries).where(hours_entries.c.entry_id.in_(ids[i : i + _PARAMS]))
        for e in conn.execute(q):
            states[e.entry_id] = {"entry": e, "verified": e.verified, "voided": False}
    for i in range(0, len(ids), _PARAMS):
        ev = select(hours_events).where(hours_events.c.entry_id.in_(ids[i : i + _PARAMS]))
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
    _check_by(by, source)
    with write_transaction(db) as conn:
        states = _entry_states(conn, entry_ids)
        errors = []
        listed: set[int] = set()
        for entry_id in entry_ids:
            if entry_id in listed:
                errors.append(RowError(0, "entry", f"entry {entry_id} is listed twice"))
                continue
            listed.add(entry_id)
            problem = check(entry_id, states.get(entry_id))
            if problem:
                errors.append(RowError(0, "entry", problem))
        if errors:
            raise ImportRejected(source, errors)
        now = _now()
        columns = ["entry_id", "kind", "reason", "recorded_by", "recorded_at"]
        values = [(e, kind, reason, by, now) for e in entry_ids]
        ids = _append(conn, hours_events, "event_id", columns, values)
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
    if len(reason.strip()) > TEXT_MAX_CHARS:
        raise ImportRejected(
            "hours void",
            [RowError(0, "reason", f"the reason is longer than {TEXT_MAX_CHARS:,} characters")],
        )

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
