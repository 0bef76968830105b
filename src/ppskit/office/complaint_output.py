"""``ppskit complaints list`` and ``show`` as text, CSV or JSON.

The list has pinned columns (:data:`~ppskit.office.complaints.LIST_COLUMNS`) and never
the summary or the complainant. CSV goes through :mod:`ppskit.reports.safe_export`, so a
cell a spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

from ppskit.office.complaints import LIST_COLUMNS, ComplaintLine
from ppskit.office.listing import format_rows


def format_lines(lines: list[ComplaintLine], fmt: str = "table") -> str:
    """``lines`` as ``table``, ``csv`` (pinned header, formula-safe) or ``json``."""
    return format_rows(
        [line.row() for line in lines], LIST_COLUMNS, fmt, "No complaints to show.",
        max_widths={"next_action": 70},
    )  # fmt: skip


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
