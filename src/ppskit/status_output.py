"""Render the status table as text, CSV or JSON (pinned columns)."""

from __future__ import annotations

import io
import json
from datetime import date

from ppskit.status import STATUS_COLUMNS, compute_status


def render_status(
    *,
    as_of: date | None = None,
    trainee: str | None = None,
    fmt: str = "table",
    db: str | None = None,
) -> str:
    """The status of every trainee (or one) in ``fmt``: table, csv or json."""
    df = compute_status(as_of=as_of, trainee=trainee, db=db)
    if trainee and df.empty:
        raise KeyError(f"unknown trainee '{trainee}'")
    df = df[STATUS_COLUMNS]
    if fmt == "csv":
        buf = io.StringIO()
        df.to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    if fmt == "json":
        return json.dumps(df.to_dict(orient="records"), indent=2) + "\n"
    return _table(df)


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
    return console.file.getvalue()
