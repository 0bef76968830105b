"""The complaint process of a certifying body, on the append-only ledger.

One function per step: :func:`open_complaint`, :func:`start_investigation`,
:func:`record_findings`, :func:`record_response`, :func:`lodge_appeal`,
:func:`decide_appeal`, :func:`close_complaint`. Each checks that the step comes in its
place (a plain refusal otherwise, naming the command to run first) and appends one
dated row with who recorded it. Every deadline comes from the trainee's profile
(``complaints:``), through :mod:`ppskit.office.complaint_clocks`.

Findings whose action is ``suspend`` or ``revoke`` write that certificate event through
:func:`ppskit.ledger.certificates.discipline`; an upheld appeal against a suspension
reinstates through the same function. The reason those events carry (and so what
``ppskit verify`` and ``ppskit status`` can show) is only the complaint's number: the
summary and the complainant stay in supervisor output (:func:`complaint_detail`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, insert, select

from ppskit.dates import fmt
from ppskit.db import read_connection, write_transaction
from ppskit.imports import ImportRejected, RowError
from ppskit.ledger.tables import complaint_events, complaints, trainees
from ppskit.office.complaint_clocks import (
    Assessment,
    Progress,
    Step,
    appeal_closes,
    assess,
    filed_late,
    stage_of,
)
from ppskit.policies import Complaints, load_policy

#: The pinned columns of ``ppskit complaints list``.
LIST_COLUMNS = (
    "complaint_id",
    "trainee_id",
    "received_on",
    "stage",
    "due_on",
    "overdue",
    "next_action",
)

FINDING_OUTCOMES = ("substantiated", "unsubstantiated")
FINDING_ACTIONS = ("none", "corrective", "suspend", "revoke")
APPEAL_OUTCOMES = ("upheld", "denied")

# A finding's action -> the certificate event it writes.
_CERT_EVENT = {"suspend": "suspended", "revoke": "revoked"}


class ComplaintRefused(ImportRejected):
    """The step is out of order or breaks a rule; nothing was written."""

    def report(self) -> str:
        """The refusal as one plain sentence (a step is one input, not a file of rows)."""
        return "; ".join(e.message.rstrip(".") for e in self.errors) + ". Nothing was written."


def _refuse(source: str, message: str) -> ComplaintRefused:
    return ComplaintRefused(source, [RowError(0, "", message)])


@dataclass
class StepOutcome:
    """What an accepted step wrote, and the sentence to show."""

    complaint_id: int
    step: str
    message: str
    filed_late: bool = False


@dataclass(frozen=True)
class ComplaintLine:
    """One complaint in ``ppskit complaints list`` (the pinned columns; no summary)."""

    complaint_id: int
    trainee_id: str
    received_on: date
    stage: str
    due_on: date | None
    overdue: bool
    next_action: str

    def row(self) -> dict[str, object]:
        """The pinned columns as written to CSV and JSON (dates ISO, overdue yes/no)."""
        return {
            "complaint_id": self.complaint_id,
            "trainee_id": self.trainee_id,
            "received_on": fmt(self.received_on),
            "stage": self.stage,
            "due_on": fmt(self.due_on),
            "overdue": "yes" if self.overdue else "no",
            "next_action": self.next_action,
        }


# ------------------------------------------------------------------------ reading


def _rules(profile: str | None, source: str) -> Complaints:
    """The profile's complaint clocks, or a refusal naming a profile that has none."""
    policy = load_policy(profile or None)
    if policy.complaints is None:
        raise _refuse(
            source,
            f"the profile '{policy.id}' ({policy.name}) sets no complaint process (it has no "
            "'complaints:' section), so there are no deadlines to track complaints by. Add "
            "one to the profile, or record the complaint with the body's own process.",
        )
    return policy.complaints


def _progress(conn: Connection, complaint_id: int) -> tuple[dict, Progress]:
    """The complaint row (with the trainee's profile) and its steps, or a refusal."""
    row = conn.execute(
        select(complaints, trainees.c.profile)
        .join(trainees, trainees.c.trainee_id == complaints.c.trainee_id)
        .where(complaints.c.complaint_id == complaint_id)
    ).first()
    if row is None:
        raise _refuse(
            f"complaint {complaint_id}",
            f"there is no complaint {complaint_id}; see the numbers with ppskit complaints list",
        )
    steps = conn.execute(
        select(
            complaint_events.c.step,
            complaint_events.c.on_date,
            complaint_events.c.outcome,
            complaint_events.c.action,
        )
        .where(complaint_events.c.complaint_id == complaint_id)
        .order_by(complaint_events.c.event_id)
    ).all()
    progress = Progress(
        complaint_id,
        row.event_date,
        row.received_on,
        tuple(Step(s.step, s.on_date, s.outcome, s.action) for s in steps),
    )
    return row._asdict(), progress


# ------------------------------------------------------------------------ writing


def _check_date(source: str, on: date, p: Progress, today: date) -> None:
    if on > today:
        raise _refuse(source, f"{on} is in the future; record a step once it has happened")
    if on < p.last_date:
        raise _refuse(
            source,
            f"{on} is before complaint {p.complaint_id}'s last recorded date "
            f"({p.last_date}); steps are recorded in the order they happen",
        )


def _validate(
    source: str,
    row: dict,
    p: Progress,
    check: Callable[[str, Progress, Complaints], None],
    on: date,
    today: date,
) -> None:
    """The checks every step makes: a clock to follow, still open, the step's own order
    rule, and a date that has come and follows the last step."""
    rules = _rules(row["profile"], source)
    if p.first("closed"):
        raise _refuse(source, f"complaint {p.complaint_id} is closed; open a new one")
    check(source, p, rules)
    _check_date(source, on, p, today)


def _append(
    conn: Connection,
    complaint_id: int,
    step: str,
    on: date,
    *,
    by: str,
    note: str = "",
    outcome: str | None = None,
    action: str | None = None,
) -> None:
    conn.execute(
        insert(complaint_events).values(
            complaint_id=complaint_id,
            step=step,
            on_date=on,
            outcome=outcome,
            action=action,
            note=note.strip(),
            recorded_by=by,
            recorded_at=datetime.now(UTC),
        )
    )


def _step(
    complaint_id: int,
    step: str,
    check: Callable[[str, Progress, Complaints], None],
    *,
    on: date | None,
    by: str,
    note: str,
    db: str | None,
    today: date | None,
    outcome: str | None = None,
    action: str | None = None,
    before: Callable[[Connection, dict], None] | None = None,
) -> tuple[dict, Progress, date]:
    """Check and append one step in one transaction; returns the complaint before it.

    ``before`` runs in the same transaction, after the checks and before the step's row
    (a certificate event): both are written, or neither."""
    today = today or date.today()
    on = on or today
    source = f"complaint {complaint_id}"
    with write_transaction(db) as conn:
        row, p = _progress(conn, complaint_id)
        _validate(source, row, p, check, on, today)
        if before is not None:
            before(conn, row)
        _append(conn, complaint_id, step, on, by=by, note=note, outcome=outcome, action=action)
    return row, p, on


def _preview(
    complaint_id: int,
    check: Callable[[str, Progress, Complaints], None],
    *,
    on: date,
    db: str | None,
    today: date,
) -> tuple[dict, Progress]:
    """Run a step's checks without writing (before a certificate event is written)."""
    source = f"complaint {complaint_id}"
    with read_connection(db) as conn:
        row, p = _progress(conn, complaint_id)
    _validate(source, row, p, check, on, today)
    return row, p


def open_complaint(
    trainee_id: str,
    *,
    received_on: date,
    event_date: date,
    summary: str,
    complainant: str = "",
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Record a written complaint about ``trainee_id``. One received after the profile's
    filing window is flagged late and still recorded."""
    today = today or date.today()
    source = f"complaint about {trainee_id}"
    if not summary.strip():
        raise _refuse(source, "say what the complaint is about (--summary TEXT)")
    if received_on > today:
        raise _refuse(source, f"{received_on} is in the future; record a complaint once received")
    if event_date > received_on:
        raise _refuse(
            source,
            f"the event ({event_date}) is after the complaint was received ({received_on}); "
            "check the two dates",
        )
    with write_transaction(db) as conn:
        profile = conn.execute(
            select(trainees.c.profile).where(trainees.c.trainee_id == trainee_id)
        ).first()
        if profile is None:
            from ppskit.ledger.lookup import unknown_trainee_message

            raise _refuse(source, unknown_trainee_message(trainee_id, db=db))
        rules = _rules(profile.profile, source)
        complaint_id = conn.execute(
            insert(complaints).values(
                trainee_id=trainee_id,
                event_date=event_date,
                received_on=received_on,
                summary=summary.strip(),
                complainant=complainant.strip(),
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        ).inserted_primary_key[0]
    late = filed_late(event_date, received_on, rules)
    msg = f"Complaint {complaint_id} about {trainee_id} recorded (received {received_on})."
    p = Progress(complaint_id, event_date, received_on)
    msg += " " + assess(p, rules, received_on).next_action
    return StepOutcome(complaint_id, "received", msg, filed_late=late)


def _needs_investigation_not_started(source: str, p: Progress, rules: Complaints) -> None:
    if p.first("investigating"):
        raise _refuse(source, f"complaint {p.complaint_id} is already being investigated")


def start_investigation(
    complaint_id: int,
    *,
    on: date | None = None,
    by: str,
    note: str = "",
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Record that the investigation of a received complaint has started."""
    _row, _p, on = _step(
        complaint_id,
        "investigating",
        _needs_investigation_not_started,
        on=on,
        by=by,
        note=note,
        db=db,
        today=today,
    )
    return StepOutcome(
        complaint_id, "investigating", f"Investigation of complaint {complaint_id} started on {on}."
    )


def _findings_check(outcome: str, action: str) -> Callable[[str, Progress, Complaints], None]:
    def check(source: str, p: Progress, rules: Complaints) -> None:
        n = p.complaint_id
        if outcome not in FINDING_OUTCOMES:
            raise _refuse(source, f"--outcome must be one of {', '.join(FINDING_OUTCOMES)}")
        if action not in FINDING_ACTIONS:
            raise _refuse(source, f"--action must be one of {', '.join(FINDING_ACTIONS)}")
        if outcome == "unsubstantiated" and action != "none":
            raise _refuse(
                source,
                f"unsubstantiated findings take no action; use --action none (not '{action}')",
            )
        if p.findings:
            raise _refuse(source, f"complaint {n} already has findings (on {p.findings.on})")
        if p.first("investigating") is None:
            raise _refuse(
                source,
                f"complaint {n} has no investigation yet; start it with "
                f"`ppskit complaints investigate {n}`",
            )

    return check


def record_findings(
    complaint_id: int,
    *,
    outcome: str,
    action: str,
    on: date | None = None,
    by: str,
    note: str = "",
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Record the findings of the investigation. ``action`` suspend or revoke writes that
    certificate event (dated ``on``) through the certificate code first; a refusal there
    (e.g. no current certificate) writes nothing."""
    from ppskit.ledger.certificates import CertificateRefused, discipline

    today = today or date.today()
    on = on or today
    check = _findings_check(outcome, action)
    row, p = _preview(complaint_id, check, on=on, db=db, today=today)
    messages: list[str] = []

    def act_on_certificate(conn: Connection, current: dict) -> None:
        try:
            done = discipline(
                current["trainee_id"],
                _CERT_EVENT[action],
                on=on,
                reason=f"findings of complaint {complaint_id}",
                by=by,
                db=db,
                today=today,
                conn=conn,
            )
        except CertificateRefused as exc:
            why = "; ".join(e.message for e in exc.errors)
            raise _refuse(
                f"complaint {complaint_id}",
                f"the findings' action '{action}' cannot be carried out: {why}. Nothing was "
                "written; record findings with another --action if that is what was decided",
            ) from None
        messages.append(" " + done.message)

    # The certificate event and the findings row are one transaction: both or neither.
    _step(
        complaint_id,
        "findings",
        check,
        on=on,
        by=by,
        note=note,
        db=db,
        today=today,
        outcome=outcome,
        action=action,
        before=act_on_certificate if action in _CERT_EVENT else None,
    )
    cert_msg = "".join(messages)
    rules = _rules(row["profile"], f"complaint {complaint_id}")
    after = Progress(
        complaint_id, p.event_date, p.received_on, (*p.steps, Step("findings", on, outcome, action))
    )
    return StepOutcome(
        complaint_id,
        "findings",
        f"Findings of complaint {complaint_id} recorded on {on}: {outcome}, action {action}."
        f"{cert_msg} {assess(after, rules, on).next_action}",
    )


def _response_check(source: str, p: Progress, rules: Complaints) -> None:
    n = p.complaint_id
    if p.findings is None:
        raise _refuse(
            source,
            f"complaint {n} has no findings yet; record them with "
            f"`ppskit complaints findings {n} ...`",
        )
    if p.findings.action != "corrective":
        raise _refuse(
            source,
            f"complaint {n}'s findings call for no corrective action (action "
            f"'{p.findings.action}'), so there is no corrective response to record",
        )
    if p.first("responded"):
        raise _refuse(source, f"complaint {n} already has its corrective response")
    if p.decision and p.decision.outcome == "upheld":
        raise _refuse(
            source, f"complaint {n}'s appeal was upheld, so no corrective response is needed"
        )


def record_response(
    complaint_id: int,
    *,
    on: date | None = None,
    by: str,
    note: str = "",
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Record the corrective response that findings with action ``corrective`` call for."""
    _row, _p, on = _step(
        complaint_id, "responded", _response_check, on=on, by=by, note=note, db=db, today=today
    )
    return StepOutcome(
        complaint_id,
        "responded",
        f"Corrective response to complaint {complaint_id} recorded on {on}.",
    )


def _appeal_check(on: date) -> Callable[[str, Progress, Complaints], None]:
    def check(source: str, p: Progress, rules: Complaints) -> None:
        n = p.complaint_id
        if p.findings is None:
            raise _refuse(
                source,
                f"complaint {n} has no findings yet, so there is nothing to appeal; "
                f"findings are recorded with `ppskit complaints findings {n} ...`",
            )
        if p.first("appealed"):
            raise _refuse(source, f"complaint {n} has already been appealed")
        closes = appeal_closes(p.findings.on, rules)
        if on > closes:
            raise _refuse(
                source,
                f"the appeal window of complaint {n} closed on {closes} "
                f"({rules.appeal_within_days} days after the findings of {p.findings.on}); "
                "an appeal after that is not accepted",
            )

    return check


def lodge_appeal(
    complaint_id: int,
    *,
    on: date | None = None,
    by: str,
    note: str = "",
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Record an appeal against the findings, accepted within the profile's window."""
    on = on or today or date.today()
    _step(complaint_id, "appealed", _appeal_check(on), on=on, by=by, note=note, db=db, today=today)
    return StepOutcome(
        complaint_id,
        "appealed",
        f"Appeal against the findings of complaint {complaint_id} recorded on {on}. Decide it "
        f"with ppskit complaints decide-appeal {complaint_id} --outcome upheld|denied.",
    )


def _decision_check(outcome: str) -> Callable[[str, Progress, Complaints], None]:
    def check(source: str, p: Progress, rules: Complaints) -> None:
        n = p.complaint_id
        if outcome not in APPEAL_OUTCOMES:
            raise _refuse(source, f"--outcome must be one of {', '.join(APPEAL_OUTCOMES)}")
        if p.first("appealed") is None:
            raise _refuse(
                source,
                f"complaint {n} has no appeal to decide; an appeal is recorded with "
                f"`ppskit complaints appeal {n}`",
            )
        if p.decision:
            raise _refuse(source, f"complaint {n}'s appeal was already decided ({p.decision.on})")

    return check


def decide_appeal(
    complaint_id: int,
    *,
    outcome: str,
    on: date | None = None,
    by: str,
    note: str = "",
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Record the decision on an appeal. An upheld appeal against a suspension reinstates
    the certificate through the certificate code (first, as with findings)."""
    from ppskit.ledger.certificates import discipline
    from ppskit.status import compute_from_inputs, load_inputs

    today = today or date.today()
    on = on or today
    check = _decision_check(outcome)
    row, p = _preview(complaint_id, check, on=on, db=db, today=today)
    action = p.findings.action
    messages: list[str] = []

    def reinstate(conn: Connection, current: dict) -> None:
        trainee = current["trainee_id"]
        stage = compute_from_inputs(load_inputs(conn, on, trainee), on).iloc[0]["stage"]
        if stage != "suspended":
            messages.append(
                f" The certificate is not suspended now (stage '{stage}'); nothing to reinstate."
            )
            return
        done = discipline(
            trainee,
            "reinstated",
            on=on,
            reason=f"appeal upheld on complaint {complaint_id}",
            by=by,
            db=db,
            today=today,
            conn=conn,
        )
        messages.append(" " + done.message)

    if outcome == "upheld" and action == "revoke":
        # The certificate code has no event that undoes a revocation; say so plainly.
        messages.append(
            " The certificate stays revoked: ppskit can lift a suspension but has no way to "
            "undo a revocation; record what the body decides for the trainee in --note."
        )
    # Reinstatement and the decision row are one transaction: both or neither.
    _step(
        complaint_id,
        "appeal-decided",
        check,
        on=on,
        by=by,
        note=note,
        db=db,
        today=today,
        outcome=outcome,
        before=reinstate if outcome == "upheld" and action == "suspend" else None,
    )
    extra = "".join(messages)
    return StepOutcome(
        complaint_id,
        "appeal-decided",
        f"Appeal on complaint {complaint_id} {outcome} on {on}.{extra}",
    )


def _close_check(on: date) -> Callable[[str, Progress, Complaints], None]:
    def check(source: str, p: Progress, rules: Complaints) -> None:
        n = p.complaint_id
        if p.findings is None:
            raise _refuse(
                source,
                f"complaint {n} has no findings yet; record them with "
                f"`ppskit complaints findings {n} ...`",
            )
        if p.first("appealed") and p.decision is None:
            raise _refuse(
                source,
                f"complaint {n}'s appeal is not decided yet; decide it with "
                f"`ppskit complaints decide-appeal {n} --outcome upheld|denied`",
            )
        if p.needs_response:
            raise _refuse(
                source,
                f"complaint {n} still needs its corrective response; record it with "
                f"`ppskit complaints respond {n}`",
            )
        closes = appeal_closes(p.findings.on, rules)
        if p.first("appealed") is None and on <= closes:
            raise _refuse(
                source,
                f"the trainee may still appeal complaint {n} until {closes}; close it after "
                "that date",
            )

    return check


def close_complaint(
    complaint_id: int,
    *,
    on: date | None = None,
    by: str,
    note: str = "",
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Close a complaint whose findings, response and appeal are all settled."""
    on = on or today or date.today()
    _step(complaint_id, "closed", _close_check(on), on=on, by=by, note=note, db=db, today=today)
    return StepOutcome(complaint_id, "closed", f"Complaint {complaint_id} closed on {on}.")


# ------------------------------------------------------------------------ lists


def _lines(
    as_of: date, db: str | None, trainee: str | None = None, complaint_id: int | None = None
) -> list[tuple[ComplaintLine, dict, Progress]]:
    query = (
        select(complaints, trainees.c.profile)
        .join(trainees, trainees.c.trainee_id == complaints.c.trainee_id)
        .where(complaints.c.received_on <= as_of)
        .order_by(complaints.c.complaint_id)
    )
    if trainee is not None:
        query = query.where(complaints.c.trainee_id == trainee)
    if complaint_id is not None:
        query = query.where(complaints.c.complaint_id == complaint_id)
    with read_connection(db) as conn:
        rows = conn.execute(query).all()
        events = conn.execute(select(complaint_events).order_by(complaint_events.c.event_id)).all()
    steps: dict[int, list[Step]] = {}
    for e in events:
        steps.setdefault(e.complaint_id, []).append(Step(e.step, e.on_date, e.outcome, e.action))
    out = []
    for r in rows:
        p = Progress(
            r.complaint_id, r.event_date, r.received_on, tuple(steps.get(r.complaint_id, ()))
        )
        try:
            a: Assessment = assess(p, _rules(r.profile, f"complaint {r.complaint_id}"), as_of)
        except ComplaintRefused as exc:
            # The profile lost its complaints: section after this complaint was opened;
            # list it without deadlines rather than hide it or fail the whole list.
            a = Assessment(stage_of(p.until(as_of)), None, False, exc.errors[0].message)
        line = ComplaintLine(
            r.complaint_id, r.trainee_id, r.received_on, a.stage, a.due_on, a.overdue, a.next_action
        )
        out.append((line, r._asdict(), p))
    return out


def list_complaints(
    *,
    as_of: date | None = None,
    overdue_only: bool = False,
    trainee: str | None = None,
    db: str | None = None,
) -> list[ComplaintLine]:
    """Every complaint received on or before ``as_of`` (default today) as the office knew
    it then; ``overdue_only`` keeps those with a duty past its deadline."""
    as_of = as_of or date.today()
    lines = [line for line, _row, _p in _lines(as_of, db, trainee=trainee)]
    return [line for line in lines if line.overdue] if overdue_only else lines


def open_complaints(
    trainee_id: str, as_of: date | None = None, db: str | None = None
) -> list[ComplaintLine]:
    """The complaints about ``trainee_id`` not closed on ``as_of``, for the trainee's
    record as supervisors see it (no summary, no complainant)."""
    lines = list_complaints(as_of=as_of, trainee=trainee_id, db=db)
    return [line for line in lines if line.stage != "closed"]


def complaint_detail(
    complaint_id: int, *, as_of: date | None = None, db: str | None = None
) -> dict:
    """Supervisor view of one complaint: its list line, the summary, the complainant,
    the late-filing flag and every step with who recorded it and when."""
    as_of = as_of or date.today()
    found = _lines(as_of, db, complaint_id=complaint_id)
    if not found:
        raise _refuse(
            f"complaint {complaint_id}",
            f"there is no complaint {complaint_id} received on or before {as_of}; see the "
            "numbers with ppskit complaints list",
        )
    line, row, _p = found[0]
    rules = _rules(row["profile"], f"complaint {complaint_id}")
    with read_connection(db) as conn:
        steps = conn.execute(
            select(complaint_events)
            .where(complaint_events.c.complaint_id == complaint_id)
            .where(complaint_events.c.on_date <= as_of)
            .order_by(complaint_events.c.event_id)
        ).all()
    return {
        **line.row(),
        "event_date": fmt(row["event_date"]),
        "filed_late": filed_late(row["event_date"], row["received_on"], rules),
        "summary": row["summary"],
        "complainant": row["complainant"],
        "recorded_by": row["recorded_by"],
        "steps": [
            {
                "step": s.step,
                "on": fmt(s.on_date),
                "outcome": s.outcome or "",
                "action": s.action or "",
                "note": s.note,
                "recorded_by": s.recorded_by,
                "recorded_at": s.recorded_at.isoformat(timespec="seconds"),
            }
            for s in steps
        ],
    }
