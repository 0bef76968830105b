"""``ppskit complaints list`` and ``show`` as text, CSV or JSON.

The list has pinned columns (:data:`~ppskit.office.complaints.LIST_COLUMNS`) and never
the summary or the complainant. CSV goes through :mod:`ppskit.reports.safe_export`, so a
cell a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

import io
import json

from ppskit.office.complaints import LIST_COLUMNS, ComplaintLine


def format_lines(lines: list[ComplaintLine], fmt: str = "table") -> str:
    """``lines`` as ``table``, ``csv`` (pinned header, formula-safe) or ``json``."""
    rows = [line.row() for line in lines]
    if fmt == "csv":
        import pandas as pd

        from ppskit.reports.safe_export import csv_text

        return csv_text(pd.DataFrame(rows, columns=list(LIST_COLUMNS)))
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    if not rows:
        return "No complaints to show.\n"
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


def format_detail(d: dict) -> str:
    """One complaint for supervisors: what it says, who made it, every step."""
    late = " (filed late)" if d["filed_late"] else ""
    lines = [
        f"Complaint {d['complaint_id']} about {d['trainee_id']}",
        f"  Event on {d['event_date']}, received {d['received_on']}{late}",
        f"  Complainant: {d['complainant'] or '(not recorded)'}",
        f"  Summary: {d['summary']}",
        f"  Stage: {d['stage']}"
        + (f", due {d['due_on']}" if d["due_on"] else "")
        + (" (OVERDUE)" if d["overdue"] == "yes" else ""),
        f"  Next: {d['next_action']}",
        "  Steps:",
        f"    {d['received_on']}  received (recorded by {d['recorded_by']})",
    ]
    for s in d["steps"]:
        what = s["step"] + "".join(f" {s[k]}" for k in ("outcome", "action") if s[k])
        note = f": {s['note']}" if s["note"] else ""
        lines.append(f"    {s['on']}  {what}{note} (recorded by {s['recorded_by']})")
    return "\n".join(lines) + "\n"
