"""Render the status table as text, CSV or JSON (pinned columns, then ``exam_holds`` and
``supervision``).

CSV on the screen is the pinned raw format other programs read; a CSV *file* (``ppskit
status --format csv --output FILE``) is for people who open it in a spreadsheet, so
formula-like text in it is written as text (:mod:`ppskit.reports.safe_export`).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ppskit.status import STATUS_COLUMNS, compute_from_inputs, status_inputs, worked_hours

if TYPE_CHECKING:
    import pandas as pd


#: Added after the pinned columns: exam sittings held out of the tracker (awaiting manual
#: grading, or flagged and awaiting ``ppskit exam review``), empty when there are none.
HOLDS_COLUMN = "exam_holds"
#: Then the supervision flag of a working specialist whose profile sets supervision
#: rules: ``missing``, ``lapsed`` or ``unqualified`` with what to do, empty when it is in
#: order or does not apply (:func:`ppskit.office.supervision.supervision_flags`).
SUPERVISION_COLUMN = "supervision"


def status_frame(
    *, as_of: date | None = None, trainee: str | None = None, db: str | None = None
) -> pd.DataFrame:
    """The pinned status columns of every trainee (or one; ``KeyError`` if unknown), then
    ``exam_holds`` and ``supervision``."""
    from ppskit.ledger.sittings import hold_notes, open_holds
    from ppskit.office.supervision import supervision_flags

    as_of, inputs = status_inputs(as_of=as_of, trainee=trainee, db=db)
    df = compute_from_inputs(inputs, as_of)
    if trainee and df.empty:
        from ppskit.ledger.lookup import unknown_trainee_message

        raise KeyError(unknown_trainee_message(trainee, db=db))
    out = df[STATUS_COLUMNS].copy()
    notes = hold_notes(open_holds(trainees=[trainee] if trainee else None, as_of=as_of, db=db))
    out[HOLDS_COLUMN] = [notes.get(t, "") for t in out["trainee_id"]]
    # The work hours come from the status pass itself: no second scan of the hours.
    flags = supervision_flags(as_of=as_of, db=db, worked=worked_hours(inputs))
    flagged = {
        r.trainee_id: f"{r.supervision}: {r.supervision_note}"
        for r in flags.itertuples()
        if r.supervision != "ok"
    }
    out[SUPERVISION_COLUMN] = [flagged.get(t, "") for t in out["trainee_id"]]
    return out


def format_status(df: pd.DataFrame, fmt: str = "table", *, defuse: bool = False) -> str:
    """``df`` (from :func:`status_frame`) as table, csv or json text; ``defuse`` writes
    formula-like CSV cells as text (for a file opened in a spreadsheet)."""
    if fmt == "csv":
        if defuse:
            from ppskit.reports.safe_export import csv_text

            return csv_text(df)
        buf = io.StringIO()
        df.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    if fmt == "json":
        return json.dumps(df.to_dict(orient="records"), indent=2) + "\n"
    return _table(df)


def render_status(
    *,
    as_of: date | None = None,
    trainee: str | None = None,
    fmt: str = "table",
    db: str | None = None,
) -> str:
    """The status of every trainee (or one) in ``fmt``: table, csv or json."""
    return format_status(status_frame(as_of=as_of, trainee=trainee, db=db), fmt)


@dataclass
class StatusFile:
    """A status file that was written."""

    path: Path
    rows: int
    fmt: str

    @property
    def summary(self) -> str:
        """One line for the terminal."""
        who = f"{self.rows:,} trainee{'s' if self.rows != 1 else ''}"
        return f"Status of {who} ({self.fmt}): {self.path}"


def write_status(
    path: Path | str,
    *,
    as_of: date | None = None,
    trainee: str | None = None,
    fmt: str = "table",
    db: str | None = None,
) -> StatusFile:
    """Write the status in ``fmt`` to ``path``; a CSV file has formula-like text defused."""
    df = status_frame(as_of=as_of, trainee=trainee, db=db)
    path = Path(path)
    text = format_status(df, fmt, defuse=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return StatusFile(path, len(df), fmt)


def _table(df) -> str:  # noqa: ANN001
    from rich.console import Console
    from rich.table import Table

    if df.empty:
        return "No trainees yet. Register some with 'ppskit trainees import FILE'.\n"
    table = Table(show_lines=False, header_style="bold")
    for col in (
        "trainee_id",
        "stage",
        "core_hours",
        "exam",
        "expires_on",
        "ce_hours",
        "next_action",
    ):
        table.add_column(
            col.replace("_", " "), overflow="fold", max_width=70 if col == "next_action" else None
        )
    for row in df.itertuples(index=False):
        table.add_row(
            row.trainee_id,
            row.stage,
            row.core_hours,
            row.exam,
            row.expires_on,
            row.ce_hours,
            row.next_action,
        )
    console = Console(file=io.StringIO(), width=160, force_terminal=False)
    console.print(table)
    held = df[df[HOLDS_COLUMN] != ""] if HOLDS_COLUMN in df else df.iloc[0:0]
    if not held.empty:
        # A note under the table rather than an eighth column: the table stays readable.
        console.print("Exam sittings held out of the tracker:")
        for row in held.itertuples(index=False):
            console.print(f"  {row.trainee_id}: {getattr(row, HOLDS_COLUMN)}", markup=False)
        console.print(
            "  (grade the written answers in the formgrader, or decide on a flagged "
            "sitting with `ppskit exam review`, then run `ppskit exam results`)",
            markup=False,
        )
    unsupervised = df[df[SUPERVISION_COLUMN] != ""] if SUPERVISION_COLUMN in df else df.iloc[0:0]
    if not unsupervised.empty:
        console.print("Supervision to put in order:")
        for row in unsupervised.itertuples(index=False):
            console.print(f"  {row.trainee_id}: {getattr(row, SUPERVISION_COLUMN)}", markup=False)
    return console.file.getvalue()
