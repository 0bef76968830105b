"""Applications for certification and their eligibility decisions, on the append-only
ledger (seed 002: "establishing eligibility", "appeals process to the denial of
candidate eligibility", "changes in county or state location", reciprocity).

Apply (:func:`submit_application`) -> review against the profile (:func:`review_application`,
the rules engine as of the review date) -> approve or deny (:func:`decide_application`)
-> appeal of a denial within the profile's window (:func:`lodge_appeal`) -> decision
(:func:`decide_appeal`). Each step checks its place, refuses plainly otherwise ("Nothing
was written.") and appends one dated row with who recorded it.

What a review checks, by kind:

* ``initial``: the profile's ``requirements.eligible`` rules;
* ``reciprocity`` (out of state): those and the profile's ``reciprocity.requirements``
  (for ``calmhsa-pss-pc``: facts for the out-of-state certificate, no pending discipline
  and the three letters; peer work as verified ``work`` hours; CE hours), all evaluated
  by the engine's own requirement functions, so every reason is the engine's message.
  An approval does not certify: the state exam is still required when the profile says
  ``out_of_state_must_apply_and_test``;
* ``transfer`` (change of county): a current certificate, by the engine's stage; an
  approval records the ``transferred`` certificate event through
  :func:`ppskit.ledger.certificates.discipline`, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, insert, select

from ppskit.dates import fmt
from ppskit.db import read_connection, write_transaction
from ppskit.imports import ImportRejected, RowError
from ppskit.ledger.tables import application_steps, applications, trainees
from ppskit.office.application_checks import engine_check, review_rules, transfer_check
from ppskit.policies import Policy, load_policy

#: The pinned columns of ``ppskit applications list``.
LIST_COLUMNS = (
    "application_id",
    "trainee_id",
    "kind",
    "submitted_on",
    "stage",
    "due_on",
    "next_action",
)
KINDS = ("initial", "reciprocity", "transfer")
APPEAL_OUTCOMES = ("upheld", "denied")


class ApplicationRefused(ImportRejected):
    """The step is out of order or breaks a rule; nothing was written."""

    def report(self) -> str:
        """The refusal as one plain sentence (a step is one input, not a file of rows)."""
        return "; ".join(e.message.rstrip(".") for e in self.errors) + ". Nothing was written."


def _refuse(source: str, message: str) -> ApplicationRefused:
    return ApplicationRefused(source, [RowError(0, "", message)])


@dataclass
class StepOutcome:
    """What an accepted step wrote, and the sentence to show."""

    application_id: int
    step: str
    message: str
    eligible: bool | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One recorded step of an application."""

    step: str
    on: date
    outcome: str | None = None
    reasons: tuple[str, ...] = ()
    stated_reason: str = ""
    override: bool = False


@dataclass(frozen=True)
class Application:
    """An application and its steps so far (oldest first)."""

    application_id: int
    trainee_id: str
    kind: str
    submitted_on: date
    detail: str
    profile: str | None
    steps: tuple[Step, ...] = ()

    def last(self, name: str) -> Step | None:
        """The latest step called ``name``, or None."""
        return next((s for s in reversed(self.steps) if s.step == name), None)

    @property
    def last_date(self) -> date:
        return self.steps[-1].on if self.steps else self.submitted_on

    def until(self, as_of: date) -> Application:
        """The application as it stood on ``as_of`` (steps dated later left out)."""
        kept = tuple(s for s in self.steps if s.on <= as_of)
        return Application(**{**self.__dict__, "steps": kept})


@dataclass(frozen=True)
class ApplicationLine:
    """One application in ``ppskit applications list`` (the pinned columns)."""

    application_id: int
    trainee_id: str
    kind: str
    submitted_on: date
    stage: str
    due_on: date | None
    next_action: str

    def row(self) -> dict[str, object]:
        """The pinned columns as written to CSV and JSON (dates ISO)."""
        return {
            "application_id": self.application_id,
            "trainee_id": self.trainee_id,
            "kind": self.kind,
            "submitted_on": fmt(self.submitted_on),
            "stage": self.stage,
            "due_on": fmt(self.due_on),
            "next_action": self.next_action,
        }


# ------------------------------------------------------------------------ stages


def appeal_closes(decided_on: date, policy: Policy) -> date | None:
    """The last day a denial decided on ``decided_on`` may be appealed (None: the
    profile sets no window)."""
    if policy.applications is None:
        return None
    return decided_on + timedelta(days=int(policy.applications.appeal_within_days.at(decided_on)))


def _after_approval(a: Application, policy: Policy, on: date) -> str:
    if a.kind == "transfer":
        return f"Approved on {on}; the transfer to {a.detail} is recorded on the certificate."
    text = f"Approved on {on}."
    if (
        a.kind == "reciprocity"
        and policy.reciprocity
        and (policy.reciprocity.out_of_state_must_apply_and_test)
    ):
        text += " The state exam is still required: the applicant takes the certification exam."
    return text


def assess(a: Application, as_of: date) -> tuple[str, date | None, str]:
    """(stage, due_on, next_action) of ``a`` on ``as_of``. Stages: ``submitted``,
    ``reviewed``, ``approved``, ``denied`` (appeal window open; ``due_on`` its last day),
    ``appeal``, ``closed`` (denial final)."""
    a = a.until(as_of)
    n = a.application_id
    policy = load_policy(a.profile or None)
    decided, review = a.last("decided"), a.last("reviewed")
    if decided is None:
        if review is None:
            return "submitted", None, f"Review it: ppskit applications review {n}."
        if review.outcome == "eligible":
            return (
                "reviewed",
                None,
                f"Eligible on {review.on}: decide with ppskit applications decide {n} --approve.",
            )
        return (
            "reviewed",
            None,
            f"Not eligible on {review.on}: " + "; ".join(review.reasons) + ". Decide with "
            f"ppskit applications decide {n} --deny.",
        )
    if decided.outcome == "approved":
        return "approved", None, _after_approval(a, policy, decided.on)
    ruling = a.last("appeal-decided")
    if ruling is not None:
        if ruling.outcome == "upheld":
            return "approved", None, "Appeal upheld; " + _after_approval(a, policy, ruling.on)
        return "closed", None, f"Appeal denied on {ruling.on}; the denial is final."
    if a.last("appealed") is not None:
        return (
            "appeal",
            None,
            f"Decide the appeal: ppskit applications decide-appeal {n} --outcome upheld|denied.",
        )
    closes = appeal_closes(decided.on, policy)
    if closes is None or as_of > closes:
        return "closed", None, f"Denied on {decided.on}; no appeal was made in time."
    return (
        "denied",
        closes,
        f"Denied on {decided.on}; the applicant may appeal until {closes} "
        f"(ppskit applications appeal {n}).",
    )


# ------------------------------------------------------------------------ reading


def _load(conn: Connection, application_id: int | None = None, as_of: date | None = None):  # noqa: ANN202
    query = (
        select(applications, trainees.c.profile)
        .join(trainees, trainees.c.trainee_id == applications.c.trainee_id)
        .order_by(applications.c.application_id)
    )
    steps = select(application_steps).order_by(application_steps.c.step_id)
    if application_id is not None:
        query = query.where(applications.c.application_id == application_id)
        steps = steps.where(application_steps.c.application_id == application_id)
    if as_of is not None:
        query = query.where(applications.c.submitted_on <= as_of)
    by_app: dict[int, list[Step]] = {}
    for s in conn.execute(steps).all():
        by_app.setdefault(s.application_id, []).append(
            Step(
                s.step,
                s.on_date,
                s.outcome,
                tuple(x for x in s.reasons.split("\n") if x),
                s.stated_reason,
                bool(s.override),
            )
        )
    return [
        Application(
            r.application_id,
            r.trainee_id,
            r.kind,
            r.submitted_on,
            r.detail,
            r.profile,
            tuple(by_app.get(r.application_id, ())),
        )
        for r in conn.execute(query).all()
    ]


def _get(conn: Connection, application_id: int) -> Application:
    found = _load(conn, application_id)
    if not found:
        raise _refuse(
            f"application {application_id}",
            f"there is no application {application_id}; see the numbers with "
            "ppskit applications list",
        )
    return found[0]


def _check_date(a: Application, on: date, today: date) -> None:
    source = f"application {a.application_id}"
    if on > today:
        raise _refuse(source, f"{on} is in the future; record a step once it has happened")
    if on < a.last_date:
        raise _refuse(
            source,
            f"{on} is before application {a.application_id}'s last recorded date "
            f"({a.last_date}); steps are recorded in the order they happen",
        )


def _append(conn: Connection, a: Application, step: str, on: date, by: str, **values) -> None:  # noqa: ANN003
    conn.execute(
        insert(application_steps).values(
            application_id=a.application_id,
            step=step,
            on_date=on,
            outcome=values.get("outcome"),
            reasons="\n".join(values.get("reasons", ())),
            stated_reason=values.get("stated_reason", "").strip(),
            override=values.get("override", False),
            recorded_by=by,
            recorded_at=datetime.now(UTC),
        )
    )


# ------------------------------------------------------------------------ writing


def submit_application(
    trainee_id: str,
    *,
    kind: str,
    submitted_on: date | None = None,
    detail: str = "",
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Record an application: ``initial``, ``reciprocity`` (``detail``: the state that
    certified the applicant) or ``transfer`` (``detail``: the county moved to)."""
    today = today or date.today()
    on = submitted_on or today
    source = f"application of {trainee_id}"
    if kind not in KINDS:
        raise _refuse(source, f"--kind must be one of {', '.join(KINDS)}")
    if on > today:
        raise _refuse(source, f"{on} is in the future; record an application once received")
    if kind == "reciprocity" and not detail.strip():
        raise _refuse(source, "name the state that certified the applicant (--from-state NAME)")
    if kind == "transfer" and not detail.strip():
        raise _refuse(source, "name the county the certificate holder moves to (--to-county NAME)")
    with write_transaction(db) as conn:
        row = conn.execute(
            select(trainees.c.profile).where(trainees.c.trainee_id == trainee_id)
        ).first()
        if row is None:
            from ppskit.ledger.lookup import unknown_trainee_message

            raise _refuse(source, unknown_trainee_message(trainee_id, db=db))
        policy = load_policy(row.profile or None)
        if kind in ("reciprocity", "transfer") and policy.reciprocity is None:
            raise _refuse(
                source,
                f"the profile '{policy.id}' ({policy.name}) states no rule for a change of "
                "county or state (it has no 'reciprocity:' section); add one to the profile, "
                "or handle the application with the body's own process",
            )
        application_id = conn.execute(
            insert(applications).values(
                trainee_id=trainee_id,
                kind=kind,
                submitted_on=on,
                detail=detail.strip(),
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        ).inserted_primary_key[0]
    return StepOutcome(
        application_id,
        "submitted",
        f"Application {application_id} ({kind}) of {trainee_id} recorded (submitted {on}). "
        f"Review it with ppskit applications review {application_id}.",
    )


def review_application(
    application_id: int,
    *,
    on: date | None = None,
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Run the rules engine for the applicant as of ``on`` and record the outcome with
    the engine's reasons. A review may be repeated until the decision (new records)."""
    today = today or date.today()
    on = on or today
    with write_transaction(db) as conn:
        a = _get(conn, application_id)
        stage, _due, _next = assess(a, on)
        if stage not in ("submitted", "reviewed", "appeal"):
            raise _refuse(
                f"application {application_id}",
                f"application {application_id} is {stage}; a review is made before the "
                "decision or during an appeal",
            )
        _check_date(a, on, today)
        policy = load_policy(a.profile or None)
        if a.kind == "transfer":
            ok, reasons = transfer_check(conn, a.trainee_id, on)
        else:
            ok, reasons = engine_check(conn, a.trainee_id, on, review_rules(policy, a.kind))
        outcome = "eligible" if ok else "not-eligible"
        _append(conn, a, "reviewed", on, by, outcome=outcome, reasons=reasons)
    if ok:
        msg = (
            f"Application {application_id} reviewed on {on}: eligible. Decide with "
            f"ppskit applications decide {application_id} --approve."
        )
    else:
        msg = (
            f"Application {application_id} reviewed on {on}: not eligible: "
            + "; ".join(reasons)
            + f". Decide with ppskit applications decide {application_id} --deny."
        )
    return StepOutcome(application_id, "reviewed", msg, eligible=ok, reasons=tuple(reasons))


def _record_transfer(conn: Connection, a: Application, on: date, by: str, db, today) -> str:  # noqa: ANN001
    """The ``transferred`` certificate event of an approved transfer, in ``conn``."""
    from ppskit.ledger.certificates import CertificateRefused, discipline

    try:
        done = discipline(
            a.trainee_id,
            "transferred",
            on=on,
            reason=f"county transfer to {a.detail} (application {a.application_id})",
            by=by,
            db=db,
            today=today,
            conn=conn,
        )
    except CertificateRefused as exc:
        why = "; ".join(e.message for e in exc.errors)
        raise _refuse(
            f"application {a.application_id}",
            f"the transfer cannot be recorded on the certificate: {why}",
        ) from None
    return " " + done.message


def _approval_check(a: Application, override_reason: str, what: str) -> Step:
    """The latest review, which must say eligible unless a person documents why the
    body approves anyway."""
    n = a.application_id
    review = a.last("reviewed")
    if review is None:
        raise _refuse(
            f"application {n}",
            f"application {n} has no review yet; run ppskit applications review {n} first",
        )
    if review.outcome != "eligible" and not override_reason.strip():
        raise _refuse(
            f"application {n}",
            f"cannot {what}: the review of {review.on} found the applicant not eligible ("
            + "; ".join(review.reasons)
            + "). Review again once the records are complete, or approve with a documented "
            "--override-reason TEXT",
        )
    return review


def decide_application(
    application_id: int,
    *,
    approve: bool,
    reason: str = "",
    override_reason: str = "",
    on: date | None = None,
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Approve or deny a reviewed application. A denial carries the engine's reasons of
    the latest review, or a stated ``reason`` when the engine found no fault. An approval
    against a not-eligible review needs ``override_reason`` (kept with the decision)."""
    today = today or date.today()
    on = on or today
    n = application_id
    source = f"application {n}"
    with write_transaction(db) as conn:
        a = _get(conn, n)
        stage, _due, _next = assess(a, on)
        if stage != "reviewed":
            hint = f"run ppskit applications review {n} first" if stage == "submitted" else ""
            raise _refuse(
                source,
                f"application {n} is {stage}; "
                + (hint or "it is already decided (an appeal of a denial is the next step)"),
            )
        _check_date(a, on, today)
        policy = load_policy(a.profile or None)
        if approve:
            review = _approval_check(a, override_reason, "approve")
            override = review.outcome != "eligible"
            extra = _record_transfer(conn, a, on, by, db, today) if a.kind == "transfer" else ""
            _append(
                conn,
                a,
                "decided",
                on,
                by,
                outcome="approved",
                reasons=review.reasons,
                stated_reason=override_reason if override else reason,
                override=override,
            )
            done = Application(
                **{**a.__dict__, "steps": (*a.steps, Step("decided", on, "approved"))}
            )
            msg = f"Application {n}: " + _after_approval(done, policy, on) + extra
            if override:
                msg += f" Approved against the engine's review, because: {override_reason.strip()}."
            return StepOutcome(n, "decided", msg)
        review = a.last("reviewed")
        if review.outcome == "eligible" and not reason.strip():
            raise _refuse(
                source,
                f"the review of {review.on} found the applicant eligible, so a denial needs "
                "the body's own reason (--reason TEXT)",
            )
        _append(
            conn,
            a,
            "decided",
            on,
            by,
            outcome="denied",
            reasons=review.reasons,
            stated_reason=reason,
        )
    closes = appeal_closes(on, policy)
    why = "; ".join([*review.reasons, *([reason.strip()] if reason.strip() else [])])
    msg = f"Application {n} denied on {on}: {why}."
    if closes is not None:
        msg += f" The applicant may appeal until {closes} (ppskit applications appeal {n})."
    return StepOutcome(n, "decided", msg, reasons=review.reasons)


def lodge_appeal(
    application_id: int,
    *,
    on: date | None = None,
    reason: str = "",
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Record an appeal of a denial, accepted within the profile's window (its last day
    counts)."""
    today = today or date.today()
    on = on or today
    n = application_id
    source = f"application {n}"
    with write_transaction(db) as conn:
        a = _get(conn, n)
        policy = load_policy(a.profile or None)
        decided = a.last("decided")
        if decided is None or decided.outcome != "denied":
            raise _refuse(source, f"application {n} was not denied, so there is nothing to appeal")
        if a.last("appealed") is not None:
            raise _refuse(source, f"application {n} has already been appealed")
        closes = appeal_closes(decided.on, policy)
        if closes is None:
            raise _refuse(
                source,
                f"the profile '{policy.id}' sets no appeal window for applications (no "
                "'applications: appeal_within_days'); add one to the profile",
            )
        if on > closes:
            raise _refuse(
                source,
                f"the appeal window of application {n} closed on {closes} "
                f"({(closes - decided.on).days} days after the denial of {decided.on}); an "
                "appeal after that is not accepted",
            )
        _check_date(a, on, today)
        _append(conn, a, "appealed", on, by, stated_reason=reason)
    return StepOutcome(
        n,
        "appealed",
        f"Appeal of the denial of application {n} recorded on {on}. Review the records again "
        f"if they changed (ppskit applications review {n}), then decide it with "
        f"ppskit applications decide-appeal {n} --outcome upheld|denied.",
    )


def decide_appeal(
    application_id: int,
    *,
    outcome: str,
    reason: str = "",
    override_reason: str = "",
    on: date | None = None,
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> StepOutcome:
    """Decide an appeal. ``upheld`` approves the application (a transfer is recorded on
    the certificate), under the same rule as an approval: the latest review says
    eligible, or ``override_reason`` documents why not."""
    today = today or date.today()
    on = on or today
    n = application_id
    source = f"application {n}"
    if outcome not in APPEAL_OUTCOMES:
        raise _refuse(source, f"--outcome must be one of {', '.join(APPEAL_OUTCOMES)}")
    with write_transaction(db) as conn:
        a = _get(conn, n)
        stage, _due, _next = assess(a, on)
        if stage != "appeal":
            raise _refuse(
                source,
                f"application {n} has no open appeal (it is {stage}); an appeal is recorded "
                f"with ppskit applications appeal {n}",
            )
        _check_date(a, on, today)
        policy = load_policy(a.profile or None)
        extra, override, reasons = "", False, ()
        if outcome == "upheld":
            review = _approval_check(a, override_reason, "uphold the appeal")
            override, reasons = review.outcome != "eligible", review.reasons
            if a.kind == "transfer":
                extra = _record_transfer(conn, a, on, by, db, today)
        _append(
            conn,
            a,
            "appeal-decided",
            on,
            by,
            outcome=outcome,
            reasons=reasons,
            stated_reason=override_reason if override else reason,
            override=override,
        )
    if outcome == "denied":
        return StepOutcome(
            n, "appeal-decided", f"Appeal on application {n} denied on {on}; the denial is final."
        )
    done = Application(**{**a.__dict__, "steps": (*a.steps, Step("decided", on, "approved"))})
    return StepOutcome(
        n,
        "appeal-decided",
        f"Appeal on application {n} upheld on {on}. " + _after_approval(done, policy, on) + extra,
    )


# ------------------------------------------------------------------------ lists


def list_applications(
    *,
    as_of: date | None = None,
    trainee: str | None = None,
    pending_only: bool = False,
    db: str | None = None,
) -> list[ApplicationLine]:
    """Every application submitted on or before ``as_of`` (default today) as the office
    knew it then; ``pending_only`` keeps those awaiting the office or the applicant
    (not approved or closed) - what an "Office" tab lists."""
    as_of = as_of or date.today()
    with read_connection(db) as conn:
        apps = _load(conn, as_of=as_of)
    out = []
    for a in apps:
        if trainee is not None and a.trainee_id != trainee:
            continue
        stage, due, nxt = assess(a, as_of)
        if pending_only and stage in ("approved", "closed"):
            continue
        out.append(
            ApplicationLine(a.application_id, a.trainee_id, a.kind, a.submitted_on, stage, due, nxt)
        )
    return out


def approved_reciprocity_ids(
    conn: Connection, as_of: date, trainee: str | None = None
) -> frozenset[str]:
    """Trainees with a reciprocity application approved on or before ``as_of`` (read in
    the status engine's own transaction): their approval stands in for the training; the
    state exam is still theirs to pass."""
    apps = [
        a.until(as_of)
        for a in _load(conn, as_of=as_of)
        if a.kind == "reciprocity" and (trainee is None or a.trainee_id == trainee)
    ]
    return frozenset(a.trainee_id for a in apps if assess(a, as_of)[0] == "approved")


def approved_reciprocity(trainee_id: str, as_of: date, db: str | None = None) -> date | None:
    """The date a reciprocity application of ``trainee_id`` was approved on or before
    ``as_of`` (None if none): what the status engine can read to waive the training for
    an out-of-state applicant, who still takes the state exam."""
    with read_connection(db) as conn:
        apps = [a.until(as_of) for a in _load(conn, as_of=as_of) if a.trainee_id == trainee_id]
    for a in apps:
        if a.kind == "reciprocity" and assess(a, as_of)[0] == "approved":
            return (a.last("appeal-decided") or a.last("decided")).on
    return None
