"""Test accommodation requests and their decisions, on the append-only ledger.

A trainee asks for an accommodation (``extra-time``, ``reader``, ``separate-room`` or
``other``) for an exam date: :func:`request_accommodation`. The office approves or
denies it, saying who and why: :func:`decide_request`. A request received later than the
profile's lead time before the exam (``exam_rules.accommodation_lead_days``; CalMHSA: at
least 30 days) is flagged late and still recorded, so the office sees it and decides.

An approved extra-time request records the accommodation through
:func:`ppskit.ledger.accommodations.record_accommodation`, in the same transaction as
the decision, from the decision's date: that is what ``ppskit exam deliver`` reads into
a sitting's time limit. The other kinds are arranged with the test site; the kit keeps
the decision. ``details`` (which may describe a disability) stays in supervisor output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from ppskit.dates import fmt
from ppskit.db import read_connection, write_transaction
from ppskit.imports import ImportRejected, RowError
from ppskit.ledger.tables import accommodation_decisions, accommodation_requests, trainees
from ppskit.policies import load_policy

#: What a trainee may ask for (the ledger's check constraint holds the same list).
KINDS = ("extra-time", "reader", "separate-room", "other")
DECISIONS = {"approve": "approved", "deny": "denied"}

#: The pinned columns of ``ppskit accommodations list`` (never the details).
LIST_COLUMNS = (
    "request_id",
    "trainee_id",
    "kind",
    "extra_time_pct",
    "received_on",
    "exam_date",
    "late",
    "decision",
    "decided_on",
    "next_action",
)


class AccommodationRequestRefused(ImportRejected):
    """The request or decision breaks a rule; nothing was written."""

    def report(self) -> str:
        """The refusal as one plain sentence (one input, not a file of rows)."""
        return "; ".join(e.message.rstrip(".") for e in self.errors) + ". Nothing was written."


def _no(source: str, message: str) -> AccommodationRequestRefused:
    return AccommodationRequestRefused(source, [RowError(0, "", message)])


# ----------------------------------------------------------------------------- clock


def request_deadline(exam_date: date, lead_days: int) -> date:
    """The last day a request for an exam on ``exam_date`` is on time."""
    return exam_date - timedelta(days=lead_days)


def requested_late(received_on: date, exam_date: date, profile: str | None) -> bool:
    """True when the request came after the profile's lead time before the exam (the
    lead time in force on the day it was received); never late when the profile sets
    none."""
    lead = load_policy(profile or None).exam_rules.accommodation_lead_days
    if lead is None:
        return False
    return received_on > request_deadline(exam_date, int(lead.at(received_on)))


# --------------------------------------------------------------------------- records


@dataclass
class RequestOutcome:
    """What an accepted request or decision wrote, and the sentence to show."""

    request_id: int
    message: str
    late: bool = False


@dataclass(frozen=True)
class RequestLine:
    """One request in ``ppskit accommodations list`` (the pinned columns)."""

    request_id: int
    trainee_id: str
    kind: str
    extra_time_pct: float | None
    received_on: date
    exam_date: date
    late: bool
    decision: str
    decided_on: date | None
    next_action: str

    def row(self) -> dict[str, object]:
        """The pinned columns as written to CSV and JSON (dates ISO, late yes/no)."""
        return {
            "request_id": self.request_id,
            "trainee_id": self.trainee_id,
            "kind": self.kind,
            "extra_time_pct": "" if self.extra_time_pct is None else f"{self.extra_time_pct:g}",
            "received_on": fmt(self.received_on),
            "exam_date": fmt(self.exam_date),
            "late": "yes" if self.late else "no",
            "decision": self.decision,
            "decided_on": fmt(self.decided_on),
            "next_action": self.next_action,
        }


def request_accommodation(
    trainee_id: str,
    *,
    kind: str,
    exam_date: date,
    received_on: date | None = None,
    extra_time_pct: float | None = None,
    details: str = "",
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> RequestOutcome:
    """Record a request for a test accommodation for the exam on ``exam_date``. A
    request received after the profile's lead time is flagged late and still recorded."""
    from ppskit.ledger.accommodations import EXTRA_TIME_MAX_PCT

    today = today or date.today()
    received_on = received_on or today
    source = f"accommodation request from {trainee_id}"
    if kind not in KINDS:
        raise _no(source, f"--kind must be one of {', '.join(KINDS)} (not '{kind}')")
    if kind == "extra-time":
        if extra_time_pct is None or not 0 < extra_time_pct <= EXTRA_TIME_MAX_PCT:
            raise _no(
                source,
                "an extra-time request says how much, in percent of the standard time: "
                f"--extra-time PCT, more than 0 and at most {EXTRA_TIME_MAX_PCT:g}",
            )
    elif extra_time_pct is not None:
        raise _no(source, f"--extra-time belongs to an extra-time request, not '{kind}'")
    if kind == "other" and not details.strip():
        raise _no(source, "say what is asked for (--details TEXT)")
    if received_on > today:
        raise _no(source, f"{received_on} is in the future; record a request once received")
    if exam_date < received_on:
        raise _no(
            source,
            f"the exam date ({exam_date}) is before the request was received "
            f"({received_on}); check the two dates",
        )
    with write_transaction(db) as conn:
        found = conn.execute(
            select(trainees.c.profile).where(trainees.c.trainee_id == trainee_id)
        ).first()
        if found is None:
            from ppskit.ledger.lookup import unknown_trainee_message

            raise _no(source, unknown_trainee_message(trainee_id, db=db))
        request_id = conn.execute(
            insert(accommodation_requests).values(
                trainee_id=trainee_id,
                kind=kind,
                received_on=received_on,
                exam_date=exam_date,
                extra_time_pct=None if extra_time_pct is None else float(extra_time_pct),
                details=details.strip(),
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        ).inserted_primary_key[0]
    late = requested_late(received_on, exam_date, found.profile)
    msg = (
        f"Accommodation request {request_id} ({kind}) from {trainee_id} recorded for the "
        f"exam on {exam_date}. "
        + _late_sentence(received_on, exam_date, found.profile)
        + f"Decide it with: ppskit accommodations decide {request_id} approve|deny --reason TEXT"
    )
    return RequestOutcome(request_id, msg, late=late)


def _late_sentence(received_on: date, exam_date: date, profile: str | None) -> str:
    if not requested_late(received_on, exam_date, profile):
        return ""
    lead = load_policy(profile or None).exam_rules.accommodation_lead_days
    days = (exam_date - received_on).days
    deadline = request_deadline(exam_date, int(lead.at(received_on)))
    return (
        f"Received late: {days} days before the exam (the profile asks for "
        f"{lead.at(received_on)}, by {deadline}). "
    )


def decide_request(
    request_id: int,
    decision: str,
    *,
    reason: str,
    by: str,
    on: date | None = None,
    db: str | None = None,
    today: date | None = None,
) -> RequestOutcome:
    """Approve or deny a request (``decision`` ``approve`` or ``deny``), with who and why.

    An approved extra-time request also records the extra time (from ``on``) through the
    accommodation code, in the same transaction: both rows are written, or neither."""
    from ppskit.ledger.accommodations import AccommodationRefused, record_accommodation

    today = today or date.today()
    on = on or today
    source = f"accommodation request {request_id}"
    if decision not in DECISIONS:
        raise _no(source, f"the decision is approve or deny (not '{decision}')")
    if not reason.strip():
        raise _no(source, "say why (--reason TEXT); the reason is kept with the decision")
    if not by.strip():
        raise _no(source, "say who decides (--by NAME)")
    if on > today:
        raise _no(source, f"{on} is in the future; record a decision once it is made")
    with write_transaction(db) as conn:
        req = conn.execute(
            select(accommodation_requests, trainees.c.profile)
            .join(trainees, trainees.c.trainee_id == accommodation_requests.c.trainee_id)
            .where(accommodation_requests.c.request_id == request_id)
        ).first()
        if req is None:
            raise _no(
                source,
                f"there is no accommodation request {request_id}; see the numbers with "
                "ppskit accommodations list",
            )
        done = conn.execute(
            select(accommodation_decisions.c.decision, accommodation_decisions.c.decided_on).where(
                accommodation_decisions.c.request_id == request_id
            )
        ).first()
        if done is not None:
            raise _no(
                source,
                f"request {request_id} was already {done.decision} on {done.decided_on}; a "
                "new request is needed to decide again",
            )
        if on < req.received_on:
            raise _no(source, f"{on} is before the request was received ({req.received_on})")
        conn.execute(
            insert(accommodation_decisions).values(
                request_id=request_id,
                decision=DECISIONS[decision],
                decided_on=on,
                reason=reason.strip(),
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        )
        extra = ""
        if decision == "approve" and req.kind == "extra-time":
            try:
                record_accommodation(
                    req.trainee_id,
                    extra_time_pct=float(req.extra_time_pct),
                    reason=f"accommodation request {request_id} approved: {reason.strip()}",
                    by=by,
                    on=on,
                    conn=conn,
                )
            except AccommodationRefused as exc:  # pragma: no cover - checked at request
                raise _no(source, str(exc)) from None
            extra = (
                f" {req.trainee_id} has {req.extra_time_pct:g}% extra exam time from {on}; "
                "sittings delivered from that day get the longer time (a sitting already "
                f"delivered: ppskit exam deliver again for {req.trainee_id})."
            )
        elif decision == "approve":
            extra = f" Arrange the {req.kind} with the test site for {req.exam_date}."
    late = requested_late(req.received_on, req.exam_date, req.profile)
    # A late request may still be approved; the decision says so, for the record.
    when = " (the request was received late)" if late else ""
    return RequestOutcome(
        request_id,
        f"Accommodation request {request_id} {DECISIONS[decision]} on {on} by {by}{when}.{extra}",
        late=late,
    )


# ----------------------------------------------------------------------------- lists


def list_requests(
    *,
    pending_only: bool = False,
    trainee: str | None = None,
    as_of: date | None = None,
    db: str | None = None,
) -> list[RequestLine]:
    """Every request received on or before ``as_of`` (default today), with its decision
    as known then; ``pending_only`` keeps the undecided ones."""
    as_of = as_of or date.today()
    query = (
        select(
            accommodation_requests,
            trainees.c.profile,
            accommodation_decisions.c.decision,
            accommodation_decisions.c.decided_on,
        )
        .join(trainees, trainees.c.trainee_id == accommodation_requests.c.trainee_id)
        .outerjoin(
            accommodation_decisions,
            (accommodation_decisions.c.request_id == accommodation_requests.c.request_id)
            & (accommodation_decisions.c.decided_on <= as_of),
        )
        .where(accommodation_requests.c.received_on <= as_of)
        .order_by(accommodation_requests.c.request_id)
    )
    if trainee is not None:
        query = query.where(accommodation_requests.c.trainee_id == trainee)
    with read_connection(db) as conn:
        rows = conn.execute(query).all()
    out = []
    for r in rows:
        late = requested_late(r.received_on, r.exam_date, r.profile)
        if r.decision:
            nxt = f"Decided ({r.decision}); nothing to do."
        else:
            flag = _late_sentence(r.received_on, r.exam_date, r.profile)
            nxt = (
                f"{flag}Decide it: ppskit accommodations decide {r.request_id} "
                "approve|deny --reason TEXT"
            )
        line = RequestLine(
            r.request_id,
            r.trainee_id,
            r.kind,
            r.extra_time_pct,
            r.received_on,
            r.exam_date,
            late,
            r.decision or "pending",
            r.decided_on,
            nxt,
        )
        out.append(line)
    return [line for line in out if line.decision == "pending"] if pending_only else out


def format_requests(lines: list[RequestLine], fmt: str = "table") -> str:
    """``lines`` as ``table``, ``csv`` (pinned header, formula-safe) or ``json``."""
    from ppskit.office.listing import format_rows

    def two_lines_each(rows: list[dict]) -> str:
        return (
            "\n".join(
                f"{r['request_id']}  {r['trainee_id']}  {r['kind']}"
                + (f" {r['extra_time_pct']}%" if r["extra_time_pct"] else "")
                + f"  received {r['received_on']}  exam {r['exam_date']}"
                + ("  LATE" if r["late"] == "yes" else "")
                + f"  {r['decision']}"
                + (f" {r['decided_on']}" if r["decided_on"] else "")
                + f"\n    {r['next_action']}"
                for r in rows
            )
            + "\n"
        )

    return format_rows(
        [line.row() for line in lines], LIST_COLUMNS, fmt,
        "No accommodation requests to show.", table=two_lines_each,
    )  # fmt: skip
