"""``ppskit audit list``, ``show`` and ``report`` as text, CSV or JSON.

Lists and reports have pinned columns (:data:`~ppskit.office.audits.LIST_COLUMNS`,
:data:`~ppskit.office.audits.REPORT_COLUMNS`); CSV goes through
:mod:`ppskit.reports.safe_export`, so a cell a spreadsheet would run as a formula is
written as text.
"""

from __future__ import annotations

from ppskit.office.audits import LIST_COLUMNS, REPORT_COLUMNS, AuditLine
from ppskit.office.listing import format_rows


def format_lines(lines: list[AuditLine], fmt: str = "table") -> str:
    """The drawn renewals of ``ppskit audit list``."""
    return format_rows([x.row() for x in lines], LIST_COLUMNS, fmt, "No renewals drawn yet.")


def format_report(rows: list[dict], fmt: str = "table") -> str:
    """The per-period audit report of ``ppskit audit report``."""
    return format_rows(rows, REPORT_COLUMNS, fmt, "No audit draws yet.")


def format_detail(d: dict) -> str:
    """One audit: the renewal, the decision and each CE entry's evidence."""
    lines = [
        f"Audit {d['audit_id']} (draw {d['draw_id']}): {d['trainee_id']}, renewed "
        f"{d['renewed_on']}",
        f"  Period audited: {d['period_start']} to {d['period_end']}",
        f"  Evidence: {d['evidence']}",
        f"  Decision: {d['decision']}"
        + (f" on {d['decided_on']} by {d['decided_by']}" if d["decided_on"] else "")
        + (f" ({d['consequence']})" if d["consequence"] not in ("", "none") else "")
        + (f": {d['reason']}" if d["reason"] else ""),
        "  CE entries:",
    ]
    if not d["entries"]:
        lines.append("    (no verified CE entries in the period)")
    for x in d["entries"]:
        files = ", ".join(f"#{f['evidence_id']} {f['name']} ({f['state']})" for f in x["files"])
        lines.append(
            f"    entry {x['entry_id']}  {x['date']}  {x['hours']:g} h {x['topic']}: "
            + (files or "no evidence attached")
        )
    return "\n".join(lines) + "\n"
