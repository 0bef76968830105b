"""The clocks of the complaint process and the stage they put a complaint in.

Pure functions of dates and the profile's ``complaints:`` section (seed 002: a
grievance within 30 days of the event, investigated within 30 days of receipt, a
corrective response and an appeal within 30 days of findings; the numbers are the
profile's, not this module's). Each clock is one small function, OpenFisca style, so
each can be tested on its own at day N and day N + 1.

A deadline is a last day: something done *on* the due date is on time, the day after it
is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ppskit.dates import fmt
from ppskit.policies import Complaints

#: The pinned stage names, in the order a complaint moves through them.
STAGES = ("received", "investigating", "findings", "corrective-action", "appeal", "closed")


# ----------------------------------------------------------------------------- clocks


def filing_deadline(event_date: date, rules: Complaints) -> date:
    """The last day a complaint about an event is on time."""
    return event_date + timedelta(days=rules.file_within_days)


def filed_late(event_date: date, received_on: date, rules: Complaints) -> bool:
    """True when the complaint was received after the filing deadline (it is still
    recorded and handled; the flag tells the office)."""
    return received_on > filing_deadline(event_date, rules)


def investigation_due(received_on: date, rules: Complaints) -> date:
    """The last day for the findings of the investigation (counted from receipt)."""
    return received_on + timedelta(days=rules.investigate_within_days)


def corrective_response_due(findings_on: date, rules: Complaints) -> date:
    """The last day for the corrective response when the findings call for one."""
    return findings_on + timedelta(days=rules.corrective_response_within_days)


def appeal_closes(findings_on: date, rules: Complaints) -> date:
    """The last day an appeal against the findings is accepted."""
    return findings_on + timedelta(days=rules.appeal_within_days)


def is_overdue(due_on: date | None, as_of: date) -> bool:
    """True when a duty due on ``due_on`` is still not done on ``as_of``."""
    return due_on is not None and as_of > due_on


# ------------------------------------------------------------------------ the record


@dataclass(frozen=True)
class Step:
    """One recorded step of a complaint (a ``complaint_events`` row)."""

    step: str
    on: date
    outcome: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class Progress:
    """What has happened to one complaint, read from its steps (first of each kind)."""

    complaint_id: int
    event_date: date
    received_on: date
    steps: tuple[Step, ...] = ()

    def first(self, step: str) -> Step | None:
        """The first recorded step of this kind, or None."""
        return next((s for s in self.steps if s.step == step), None)

    def until(self, as_of: date) -> Progress:
        """The same complaint as the office knew it on ``as_of``."""
        kept = tuple(s for s in self.steps if s.on <= as_of)
        return Progress(self.complaint_id, self.event_date, self.received_on, kept)

    @property
    def last_date(self) -> date:
        """The date of the latest step (the receipt when there is none)."""
        return max([self.received_on, *(s.on for s in self.steps)])

    @property
    def findings(self) -> Step | None:
        return self.first("findings")

    @property
    def decision(self) -> Step | None:
        return self.first("appeal-decided")

    @property
    def needs_response(self) -> bool:
        """Findings call for corrective action, no response is recorded, and no upheld
        appeal set the findings aside."""
        f = self.findings
        if f is None or f.action != "corrective" or self.first("responded"):
            return False
        return not (self.decision and self.decision.outcome == "upheld")


@dataclass(frozen=True)
class Assessment:
    """Where a complaint stands on a date (the pinned list columns after the ids)."""

    stage: str
    due_on: date | None
    overdue: bool
    next_action: str


def stage_of(p: Progress) -> str:
    """The stage the recorded steps put a complaint in (no clock needed)."""
    if p.first("closed"):
        return "closed"
    if p.findings is None:
        return "investigating" if p.first("investigating") else "received"
    if p.first("appealed"):
        return "appeal"
    return "corrective-action" if p.findings.action == "corrective" else "findings"


def assess(p: Progress, rules: Complaints, as_of: date) -> Assessment:
    """The stage, next deadline, overdue flag and next action of ``p`` on ``as_of``."""
    p = p.until(as_of)
    n = p.complaint_id
    stage = stage_of(p)
    closed = p.first("closed")
    if closed:
        return Assessment(stage, None, False, f"Closed on {fmt(closed.on)}; nothing to do.")
    if p.findings is None:
        return _before_findings(p, rules, as_of)
    if p.first("appealed") and p.decision is None:
        return Assessment(
            stage,
            None,
            False,
            f"Decide the appeal: ppskit complaints decide-appeal {n} --outcome upheld|denied.",
        )
    if p.needs_response:
        due = corrective_response_due(p.findings.on, rules)
        late = is_overdue(due, as_of)
        when = f"was due by {fmt(due)}" if late else f"is due by {fmt(due)}"
        return Assessment(
            stage,
            due,
            late,
            f"The corrective response {when}: record it with ppskit complaints respond {n}.",
        )
    closes = appeal_closes(p.findings.on, rules)
    if not p.first("appealed") and as_of <= closes:
        return Assessment(
            stage,
            closes,
            False,
            f"The trainee may appeal until {fmt(closes)} (ppskit complaints appeal {n}); "
            f"after that, close the complaint with ppskit complaints close {n}.",
        )
    return Assessment(stage, None, False, f"Close the complaint: ppskit complaints close {n}.")


def _before_findings(p: Progress, rules: Complaints, as_of: date) -> Assessment:
    n = p.complaint_id
    due = investigation_due(p.received_on, rules)
    late = is_overdue(due, as_of)
    when = f"were due by {fmt(due)}" if late else f"are due by {fmt(due)}"
    findings = (
        f"ppskit complaints findings {n} --outcome substantiated|unsubstantiated "
        "--action none|corrective|suspend|revoke"
    )
    if p.first("investigating") is None:
        flag = ""
        if filed_late(p.event_date, p.received_on, rules):
            days = (p.received_on - p.event_date).days
            flag = (
                f"Filed late: received {days} days after the event of {fmt(p.event_date)} "
                f"(the profile allows {rules.file_within_days}, until "
                f"{fmt(filing_deadline(p.event_date, rules))}). "
            )
        return Assessment(
            "received",
            due,
            late,
            f"{flag}Start the investigation: ppskit complaints investigate {n}. "
            f"The findings {when}.",
        )
    return Assessment(
        "investigating", due, late, f"The findings {when}: record them with {findings}."
    )
