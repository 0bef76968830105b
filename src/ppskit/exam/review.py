"""``ppskit exam review``: a trainer's decision on a flagged sitting.

A sitting changed outside its answer boxes is graded from the original exam but held
out of the tracker (``held-flagged``) until a trainer looks at what was changed and
accepts it (the next ``ppskit exam results`` records it) or rejects it (it never
counts). The decision is appended to the ledger with who made it, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ppskit.exam.course import Course
from ppskit.exam.grade import TAMPER_KINDS, read_flags
from ppskit.ledger.sittings import append_event, sitting_history


class ReviewRefused(ValueError):
    """The review cannot be recorded; the message says why and what to do."""


@dataclass
class ReviewOutcome:
    """A recorded review decision."""

    trainee_id: str
    assignment: str
    decision: str  # accepted | rejected
    findings: list[str] = field(default_factory=list)  # what was flagged, in plain words
    message: str = ""


def review_sitting(
    trainee_id: str,
    assignment: str,
    *,
    accept: bool,
    reason: str,
    by: str,
    course: Course | None = None,
    db: str | None = None,
) -> ReviewOutcome:
    """Accept or reject the flagged sitting of ``assignment`` by ``trainee_id``.

    Refused (:class:`ReviewRefused`) without a reason or a reviewer, and for a sitting
    that is not flagged (not held, already reviewed, recorded, or unknown).
    """
    reason, by = (reason or "").strip(), (by or "").strip()
    if not reason:
        raise ReviewRefused("Give the reason for the decision with --reason TEXT (it is kept).")
    if not by:
        raise ReviewRefused("Say who is reviewing with --by NAME (it is kept).")
    history = sitting_history(trainee_id, assignment, db=db)
    if not history:
        raise ReviewRefused(
            f"There is no sitting of {assignment} by {trainee_id} in the tracker yet. "
            "Grade it (`ppskit exam grade`), then run `ppskit exam results`, which holds "
            "a flagged sitting for review."
        )
    latest = {}
    for e in history:
        latest[e.handed_in_at] = e
    flagged = [e for e in latest.values() if e.event == "held-flagged"]
    if not flagged:
        last = history[-1]
        raise ReviewRefused(
            f"{trainee_id}'s sitting of {assignment} (handed in "
            f"{last.handed_in_at:%Y-%m-%d %H:%M} UTC) is not flagged for review: "
            f"{_STATE_WORDS.get(last.event, last.event)}. Only a flagged sitting can be "
            "accepted or rejected."
        )
    sitting = flagged[-1]
    course = course or Course.find()
    findings = [
        f["detail"] for f in read_flags(course, trainee_id, assignment) if f["kind"] in TAMPER_KINDS
    ]
    decision = "accepted" if accept else "rejected"
    append_event(
        trainee_id,
        assignment,
        sitting.form,
        sitting.handed_in_at,
        decision,
        by=by,
        reason=reason,
        unless=("accepted", "rejected"),
        db=db,
    )
    if accept:
        message = (
            f"Accepted {trainee_id}'s sitting of {assignment}. Run `ppskit exam results` "
            "to record its scores in the tracker."
        )
    else:
        message = (
            f"Rejected {trainee_id}'s sitting of {assignment}: its scores stay out of the "
            "tracker for good (the decision is kept in the ledger). A new hand-in of "
            f"{assignment} is refused; for a new attempt, hand out another form's exam."
        )
    return ReviewOutcome(trainee_id, assignment, decision, findings, message)


_STATE_WORDS = {
    "held-pending": "it is waiting for manual grading",
    "accepted": "it was accepted on review already",
    "rejected": "it was rejected on review already",
    "recorded": "its scores are recorded",
    "refused": "it was a second hand-in and was refused",
}
