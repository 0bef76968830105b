"""The dashboard's "Office" tab: what the certifying body's office has to act on.

Open complaints with their next deadline, CE audits (per draw, and the renewals still
waiting for a decision), applications and appeals awaiting the office or the applicant,
accommodation requests not decided yet, and specialists whose supervision is not in
order. Every list is read with the office's own functions (the same the ``ppskit
complaints|audit|applications|accommodations|supervision`` commands print), so the tab
and the commands never disagree; nothing here writes. Complaint summaries,
complainants and accommodation details are never shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from html import escape


def _day(d: date | None) -> str:
    return d.isoformat() if d else ""


def _table(caption: str, headers: list[str], rows: Iterable[list[str]], empty: str) -> str:
    rows = list(rows)
    if not rows:
        return f"<h2>{escape(caption)}</h2><p>{escape(empty)}</p>"
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return (
        f"<h2>{escape(caption)}</h2><table><caption>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _complaints(as_of: date, db: str | None) -> str:
    from ppskit.office.complaints import list_complaints

    rows = [
        [c.complaint_id, c.trainee_id, _day(c.received_on), c.stage,
         _day(c.due_on) + (" (overdue)" if c.overdue else ""), c.next_action]
        for c in list_complaints(as_of=as_of, db=db)
        if c.stage != "closed"
    ]  # fmt: skip
    return _table(
        "Open complaints",
        ["Number", "Trainee", "Received", "Stage", "Next deadline", "Next step"],
        rows,
        "No open complaints.",
    )


def _audits(as_of: date, db: str | None) -> str:
    from ppskit.office.audits import audit_lines, period_report

    draws = [
        [r["draw_id"], r["period_ending"], r["drawn"], r["evidence_complete"], r["passed"],
         r["failed"], r["pending"]]
        for r in period_report(db=db)
    ]  # fmt: skip
    waiting = [
        [a.audit_id, a.trainee_id, _day(a.renewed_on), f"{_day(a.period_start)} to "
         f"{_day(a.period_end)}", a.evidence]
        for a in audit_lines(db=db)
        if a.decision == "pending"
    ]  # fmt: skip
    return _table(
        "CE audits",
        ["Draw", "Period ending", "Drawn", "Evidence complete", "Passed", "Failed", "Pending"],
        draws,
        "No CE audit drawn yet (ppskit audit draw).",
    ) + _table(
        "Audits waiting for a decision",
        ["Audit", "Trainee", "Renewed on", "Period audited", "Evidence"],
        waiting,
        "None.",
    )


def _applications(as_of: date, db: str | None) -> str:
    from ppskit.office.applications import list_applications

    rows = [
        [a.application_id, a.trainee_id, a.kind, _day(a.submitted_on), a.stage,
         _day(a.due_on), a.next_action]
        for a in list_applications(as_of=as_of, pending_only=True, db=db)
    ]  # fmt: skip
    return _table(
        "Applications and appeals in progress",
        ["Number", "Trainee", "Kind", "Submitted", "Stage", "Due", "Next step"],
        rows,
        "No application waiting.",
    )


def _accommodations(as_of: date, db: str | None) -> str:
    from ppskit.office.accommodation_requests import list_requests

    rows = [
        [r.request_id, r.trainee_id, r.kind, _day(r.received_on), _day(r.exam_date),
         "yes" if r.late else "no", r.next_action]
        for r in list_requests(pending_only=True, as_of=as_of, db=db)
    ]  # fmt: skip
    return _table(
        "Accommodation requests to decide",
        ["Number", "Trainee", "Kind", "Received", "Exam date", "Late", "Next step"],
        rows,
        "No accommodation request waiting.",
    )


def _supervision(as_of: date, db: str | None) -> str:
    from ppskit.office.supervision import supervision_flags

    flags = supervision_flags(as_of=as_of, db=db)
    rows = [
        [r.trainee_id, r.supervision, r.supervision_note]
        for r in flags.itertuples()
        if r.supervision != "ok"
    ]
    return _table(
        "Supervision to put in order",
        ["Trainee", "Supervision", "What to do"],
        rows,
        "Every working specialist's supervision is in order.",
    )


PARTS: list[Callable[[date, str | None], str]] = [
    _complaints,
    _audits,
    _applications,
    _accommodations,
    _supervision,
]


def office_html(as_of: date, db: str | None = None) -> str:
    """The Office tab as an HTML fragment; a part that cannot be read says so in its
    place instead of hiding the others."""
    parts = []
    for part in PARTS:
        try:
            parts.append(part(as_of, db))
        except Exception as exc:  # noqa: BLE001 - one unreadable list must not hide the rest
            name = part.__name__.strip("_")
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            parts.append(
                f"<p class='action'>The {escape(name)} list could not be read: {escape(why)}</p>"
            )
    return (
        '<div class="ppskit-report"><h1>Office</h1><p class="meta">What the certification '
        f"office has to act on, as of {as_of.isoformat()}. To record a step, use the ppskit "
        "command named in each line.</p>" + "".join(parts) + "</div>"
    )
