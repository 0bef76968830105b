"""The office's lists as text, CSV or JSON: one formatter for every ``list`` command.

CSV has the list's pinned header and goes through :mod:`ppskit.reports.safe_export`, so
a cell a spreadsheet would run as a formula is written as text; JSON is the rows as
they are; the table is a rich table (or the list's own plain layout, ``table=``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable


def format_rows(
    rows: list[dict],
    columns: tuple[str, ...],
    fmt: str,
    empty: str,
    *,
    max_widths: dict[str, int] | None = None,
    table: Callable[[list[dict]], str] | None = None,
) -> str:
    """``rows`` as ``table``, ``csv`` (pinned header, formula-safe) or ``json``;
    ``empty`` is the table's sentence when there is nothing to list."""
    if fmt == "csv":
        import pandas as pd

        from ppskit.reports.safe_export import csv_text

        return csv_text(pd.DataFrame(rows, columns=list(columns)))
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    if not rows:
        return empty + "\n"
    if table is not None:
        return table(rows)
    from rich.console import Console
    from rich.table import Table

    widths = max_widths or {}
    out = Table(header_style="bold")
    for col in columns:
        out.add_column(col.replace("_", " "), overflow="fold", max_width=widths.get(col))
    for r in rows:
        out.add_row(*(str(r[c]) for c in columns))
    console = Console(file=io.StringIO(), width=160, force_terminal=False)
    console.print(out)
    return console.file.getvalue()
