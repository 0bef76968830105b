"""Which notices are due to trainees on a date: one small function per kind of notice.

* :func:`renewal_due_notices`: a certificate's expiry is the profile's
  ``certification.renewal.notice_days`` days away (90, 60 and 30 by default);
* :func:`complaint_deadline_notices`: a complaint about the trainee has a deadline
  (findings due, a corrective response due, the last day to appeal);
* :func:`exam_results_notices`: a sitting's scores were recorded (each section passed
  or not, nothing more);
* :func:`audit_selection_notices`: the trainee's renewal was drawn for a CE audit.

Each returns :class:`Notice` values; nothing here writes. :func:`run_notices` (in
:mod:`ppskit.office.notice_outbox`) writes each new one once. A notice's ``key`` names
its occasion (e.g. the expiry date and the days before it), so the same occasion is never
written twice, while a new one (a renewed certificate's next expiry) is.

Notices go to the trainee: a complaint's summary and the complainant never appear in
them, only its number and its dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import select

from ppskit.db import read_connection
from ppskit.ledger.tables import exam_results, trainees
from ppskit.policies import load_policy

#: The kinds of notice, as stored in the ``notices`` table.
KINDS = ("renewal-due", "complaint-deadline", "exam-results", "audit-selection")

# Stages in which a trainee holds a certificate that can still be renewed.
_CURRENT = ("certified", "renewal-due", "inactive")


@dataclass(frozen=True)
class Notice:
    """One notice to one trainee: what it is for, and what it says."""

    kind: str
    trainee_id: str
    key: str
    due_on: date
    subject: str
    paragraphs: tuple[str, ...]


def long_date(day: date) -> str:
    """A date written out for a letter: ``1 March 2027``."""
    return f"{day.day} {day:%B %Y}"


# ------------------------------------------------------------------------ renewal


def renewal_notice_day(expires_on: date, as_of: date, notice_days: list[int]) -> int | None:
    """Which renewal notice is due on ``as_of``: the smallest of ``notice_days`` that the
    days left before ``expires_on`` have reached, or None (too early, or expired).

    Only the latest threshold counts, so a first run 25 days before expiry writes the
    30-day notice, not the 90- and 60-day ones as well."""
    left = (expires_on - as_of).days
    if left <= 0:
        return None
    reached = [n for n in notice_days if left <= n]
    return min(reached) if reached else None


def renewal_due_notices(as_of: date, db: str | None = None) -> list[Notice]:
    """Renewal reminders due on ``as_of`` for every current certificate."""
    from ppskit.status import compute_status

    status = compute_status(as_of=as_of, db=db)
    out = []
    for row in status.itertuples(index=False):
        if row.stage not in _CURRENT or not row.expires_on:
            continue
        rules = load_policy(row.profile or None).certification.renewal
        if rules.notice_days is None:
            continue
        expires = date.fromisoformat(str(row.expires_on))
        n = renewal_notice_day(expires, as_of, rules.notice_days.at(as_of))
        if n is None:
            continue
        ce, need = float(row.ce_hours or 0), float(row.ce_required or 0)
        topics = "".join(
            f", including {t.minimum.at(as_of):g} hours of {t.label}" for t in rules.ce_topics
        )
        ce_line = (
            "Our records show the continuing-education hours you need, so you can renew now."
            if row.renewal_ready
            else f"Our records show {ce:g} verified continuing-education hours in this "
            f"certificate period; renewal needs {need:g}{topics}. Please complete them and "
            "send us the records before your certificate expires."
        )
        out.append(
            Notice(
                "renewal-due",
                row.trainee_id,
                f"{expires.isoformat()}:{n}",
                as_of,
                f"Your certificate expires on {long_date(expires)}",
                (
                    f"Your certificate expires on {long_date(expires)}, "
                    f"{(expires - as_of).days} days from the date of this letter.",
                    ce_line,
                    "To renew, contact the certification office and ask for a renewal. "
                    "If you have already renewed, you can ignore this letter.",
                ),
            )
        )
    return out


# ------------------------------------------------------------------------ complaints


def complaint_deadline_notices(as_of: date, db: str | None = None) -> list[Notice]:
    """A notice for each open complaint's current deadline on ``as_of``: findings due,
    the corrective response due, or the last day to appeal. Only the number and the
    dates are given; the summary and the complainant stay in supervisor output."""
    # _lines gives each complaint's recorded steps with its list line, so the letter can
    # tell a response that is due from an appeal window (both show as a due date).
    from ppskit.office.complaints import _lines

    out = []
    for line, _row, progress in _lines(as_of, db):
        if line.stage == "closed" or line.due_on is None:
            continue
        n, due = line.complaint_id, line.due_on
        p = progress.until(as_of)
        if p.findings is None:
            key, subject = f"{n}:findings-due:{due}", f"A complaint about your work (number {n})"
            text = (
                f"On {long_date(line.received_on)} we received a written complaint about your "
                f"work (our number {n}). We will look into it and write to you with our "
                f"findings by {long_date(due)}.",
                f"You do not need to do anything now. If you want to tell us your side, write "
                f"to the certification office and mention complaint {n}.",
            )
        elif p.needs_response:
            key, subject = f"{n}:response-due:{due}", f"Complaint {n}: your response is due"
            text = (
                f"Our findings on complaint {n} ask you to take corrective action. Please send "
                f"the certification office your corrective response by {long_date(due)}.",
                "If you disagree with the findings, you may appeal in writing; the office can "
                "tell you the last day to do so.",
            )
        else:
            key, subject = f"{n}:appeal-until:{due}", f"Complaint {n}: our findings"
            text = (
                f"We have recorded our findings on complaint {n}. If you disagree with them, "
                f"you may appeal in writing until {long_date(due)}.",
                "If you do not appeal, the office will close the complaint after that date.",
            )
        out.append(Notice("complaint-deadline", line.trainee_id, key, as_of, subject, text))
    return out


# ------------------------------------------------------------------------ exams


def exam_results_notices(
    as_of: date, db: str | None = None, since: date | None = None
) -> list[Notice]:
    """A results notice for each exam sitting recorded on or before ``as_of`` (and on or
    after ``since``): each section passed or not passed, judged as the status judges it
    (the form's recorded cut, else the profile's pass mark). Scores are not given."""
    from ppskit.rules.exams import effective_exam_results, passed_sections

    query = (
        select(exam_results, trainees.c.profile)
        .join(trainees, trainees.c.trainee_id == exam_results.c.trainee_id)
        .where(exam_results.c.date <= as_of)
    )
    if since is not None:
        query = query.where(exam_results.c.date >= since)
    with read_connection(db) as conn:
        rows = pd.DataFrame(conn.execute(query).mappings().all())
    if rows.empty:
        return []
    rows = effective_exam_results(rows)
    out = []
    for (tid, day, form, profile), sitting in rows.groupby(
        ["trainee_id", "date", "form", "profile"], sort=True
    ):
        policy = load_policy(profile or None)
        # Dates stay datetime.date, as the profile's dated pass marks are keyed.
        passed = passed_sections(sitting, policy)
        order = {s: i for i, s in enumerate(policy.sections)}
        results = sorted(
            zip(sitting["section"], passed, strict=True), key=lambda x: order.get(x[0], 99)
        )
        lines = [
            f"{policy.section_label(s)}: {'passed' if ok else 'not passed'}" for s, ok in results
        ]
        # pandas may hand the group key back as a Timestamp.
        sat = day if isinstance(day, date) else pd.Timestamp(day).date()
        all_passed = all(ok for _s, ok in results)
        closing = (
            "You passed every section of the exam."
            if all_passed
            else "You can retake the sections you did not pass; the certification office or "
            "your trainer can tell you when."
        )
        out.append(
            Notice(
                "exam-results",
                tid,
                f"{sat.isoformat()}:{form}",
                as_of,
                f"Your exam results ({long_date(sat)})",
                (
                    f"These are your results for the exam you sat on {long_date(sat)}.",
                    *lines,
                    closing,
                ),
            )
        )
    return out


# ------------------------------------------------------------------------ audits


def audit_selection_notices(as_of: date, db: str | None = None) -> list[Notice]:
    """A notice to each trainee whose renewal was drawn for a CE audit on or before
    ``as_of`` (``ppskit audit draw``): which period is audited and what to send."""
    from ppskit.ledger.tables import audit_draws, audits

    query = (
        select(audits.c.audit_id, audits.c.trainee_id, audits.c.period_start,
               audits.c.period_end, audit_draws.c.recorded_at)
        .join(audit_draws, audit_draws.c.draw_id == audits.c.draw_id)
        .order_by(audits.c.audit_id)
    )  # fmt: skip
    with read_connection(db) as conn:
        rows = conn.execute(query).all()
    out = []
    for r in rows:
        drawn = pd.Timestamp(r.recorded_at).date()
        if drawn > as_of:
            continue
        out.append(
            Notice(
                "audit-selection",
                r.trainee_id,
                f"audit-{r.audit_id}",
                as_of,
                "Your renewal was chosen for a continuing-education check",
                (
                    "Each renewal period, the certification office checks the continuing "
                    "education of a few renewals chosen at random. Yours was chosen: it "
                    "does not mean anything is wrong.",
                    f"Please send a certificate or other proof for each continuing-education "
                    f"activity you counted between {long_date(r.period_start)} and "
                    f"{long_date(r.period_end)}.",
                    f"The office records the check as audit {r.audit_id}.",
                ),
            )
        )
    return out


# ------------------------------------------------------------------------ all


def due_notices(as_of: date, db: str | None = None, since: date | None = None) -> list[Notice]:
    """Every notice due on ``as_of``, of every kind (written or not yet)."""
    return [
        *renewal_due_notices(as_of, db),
        *complaint_deadline_notices(as_of, db),
        *exam_results_notices(as_of, db, since=since),
        *audit_selection_notices(as_of, db),
    ]
