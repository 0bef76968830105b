"""``ppskit applications list`` as text, CSV or JSON.

The list has pinned columns (:data:`~ppskit.office.applications.LIST_COLUMNS`); CSV goes
through :mod:`ppskit.reports.safe_export`, so a cell a spreadsheet would run as a formula
is written as text.
"""

from __future__ import annotations

import io
import json

import pandas as pd

from ppskit.office.applications import LIST_COLUMNS, ApplicationLine


def format_lines(lines: list[ApplicationLine], fmt_: str = "table") -> str:
    """``lines`` as ``table``, ``csv`` (pinned header, formula-safe) or ``json``."""
    rows = [line.row() for line in lines]
    if fmt_ == "csv":
        from ppskit.reports.safe_export import csv_text

        return csv_text(pd.DataFrame(rows, columns=list(LIST_COLUMNS)))
    if fmt_ == "json":
        return json.dumps(rows, indent=2) + "\n"
    if not rows:
        return "No applications to show.\n"
    from rich.console import Console
    from rich.table import Table

    table = Table(header_style="bold")
    for col in LIST_COLUMNS:
        table.add_column(
            col.replace("_", " "), overflow="fold", max_width=70 if col == "next_action" else None
        )
    for r in rows:
        table.add_row(*(str(r[c]) for c in LIST_COLUMNS))
    console = Console(file=io.StringIO(), width=160, force_terminal=False)
    console.print(table)
    return console.file.getvalue()
