"""``ppskit applications list`` as text, CSV or JSON.

The list has pinned columns (:data:`~ppskit.office.applications.LIST_COLUMNS`); CSV goes
through :mod:`ppskit.reports.safe_export`, so a cell a spreadsheet would run as a formula
is written as text.
"""

from __future__ import annotations

from ppskit.office.applications import LIST_COLUMNS, ApplicationLine
from ppskit.office.listing import format_rows


def format_lines(lines: list[ApplicationLine], fmt_: str = "table") -> str:
    """``lines`` as ``table``, ``csv`` (pinned header, formula-safe) or ``json``."""
    return format_rows(
        [line.row() for line in lines], LIST_COLUMNS, fmt_, "No applications to show.",
        max_widths={"next_action": 70},
    )  # fmt: skip
