"""``ppskit exam retake ID``: a partial re-examination holding only the failed sections.

A section is the profile's (it may group several domains): the retake holds the items
of every domain of each failed section, from the unseen form.

Which sections failed, whether the retake window is still open and how many sittings
are left all come from the tracker (``ppskit.status.exam_series``, which applies the
trainee's policy profile); nothing here restates those rules. The retake is its own
nbgrader assignment, ``retake-<trainee>-<n>`` (nbgrader keeps one submission per
trainee per assignment, so earlier sittings' grades stay untouched), drawn from a form
the trainee has not seen in this exam series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from ppskit.exam.bank import load_bank
from ppskit.exam.build import (
    BuildError,
    dumps_notebook,
    release_assignment,
    sitting_notebook,
    write_keys,
)
from ppskit.exam.course import Course, full_assignment, retake_assignment

if TYPE_CHECKING:
    from ppskit.exam.delivery import Delivery


class RetakeRefused(RuntimeError):
    """No retake can be prepared; the message says why, in plain words."""


@dataclass
class RetakePlan:
    """A prepared retake."""

    trainee_id: str
    assignment: str
    form: str
    sections: list[str]
    retake_by: date
    sitting: int
    max_sittings: int
    release: Path
    created: bool = True
    notes: list[str] = field(default_factory=list)


def _profile_policy(trainee_id: str, db: str | None):  # noqa: ANN202
    from ppskit.ledger.api import trainees_frame
    from ppskit.policies import load_policy

    frame = trainees_frame(db=db)
    rows = frame[frame["trainee_id"] == trainee_id]
    return load_policy((rows["profile"].iloc[0] if not rows.empty else None) or None)


def _has_submissions(course: Course, assignment: str) -> bool:
    return any((course.root / "submitted").glob(f"*/{assignment}/*.ipynb"))


def _set_due_date(course: Course, assignment: str, due: date) -> None:
    from ppskit.exam.course import gradebook

    # nbgrader stores due dates as naive UTC; the window ends at the end of that day.
    end = datetime.combine(due, time(23, 59, 59)).astimezone()
    naive_utc = end.astimezone(UTC).replace(tzinfo=None)
    with gradebook(course) as gb:
        gb.update_or_create_assignment(assignment, duedate=naive_utc)


def prepare_retake(
    trainee_id: str,
    course: Course | None = None,
    *,
    db: str | None = None,
    today: date | None = None,
) -> RetakePlan:
    """Write and release the trainee's next partial retake, or refuse with the reason.

    Preparing the same retake again (before it is handed in) gives the same files.
    """
    from ppskit.status import exam_series

    course = course or Course.find()
    today = today or date.today()
    try:
        state = exam_series(trainee_id, as_of=today, db=db)
    except KeyError:
        raise RetakeRefused(f"There is no trainee '{trainee_id}' in the tracker.") from None
    bank = load_bank(course.assessments)
    forms = bank.blueprint.forms
    if state.exam == "none":
        raise RetakeRefused(
            f"{trainee_id} has no exam sitting recorded yet. The first sitting is the full "
            f"exam: hand out one of {', '.join(full_assignment(f) for f in forms)}."
        )
    if state.exam == "passed":
        raise RetakeRefused(f"{trainee_id} has passed every section; there is nothing to retake.")
    if state.exam != "retake-open":
        seen = ", ".join(state.forms_seen) or "none"
        unseen = [f for f in forms if f not in state.forms_seen]
        advice = (
            f" For the new full exam, use {full_assignment(unseen[0])}."
            if unseen
            else f" Forms seen in the last series: {seen}."
        )
        raise RetakeRefused(f"No retake for {trainee_id}: {state.message}{advice}")
    unseen = [f for f in forms if f not in state.forms_seen]
    if not unseen:
        raise RetakeRefused(
            f"No retake for {trainee_id}: every form ({', '.join(forms)}) has already been "
            "used in this exam series, so a retake would repeat questions. Add a form to the "
            "blueprint and the item bank first."
        )
    form = unseen[0]
    sitting = state.sittings + 1
    assignment = retake_assignment(trainee_id, state.sittings)
    policy = _profile_policy(trainee_id, db)
    # The failed sections are the profile's; the notebook holds all their domains' items.
    names = [policy.section_label(s) for s in state.failed_sections]
    intro = (
        f"This is a **partial retake** for trainee {trainee_id} (sitting {sitting} of "
        f"{state.max_sittings}). It holds only the sections you still need to pass, "
        f"with different questions: {', '.join(names)}. The sections you already passed "
        f"stay passed. Please hand it in by **{state.retake_by.isoformat()}**.\n\n"
    )
    nb = sitting_notebook(
        bank,
        form,
        assignment=assignment,
        title=f"PPSS certification exam — partial retake (form {form})",
        sections=state.failed_sections,
        policy=policy,
        intro_extra=intro,
        manifest_extra={
            "kind": "retake",
            "trainee": trainee_id,
            "sitting": sitting,
            "retake_by": state.retake_by.isoformat(),
        },
    )
    text = dumps_notebook(nb)
    path = course.notebook("source", assignment)
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old is not None and old != text and _has_submissions(course, assignment):
        raise RetakeRefused(
            f"{assignment} has already been handed in; grade it and record the results "
            "(`ppskit exam grade`, `ppskit exam results`) before preparing another retake."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    write_keys(course, bank)  # the grader needs the keys of the unseen form's items
    try:
        release_assignment(course, assignment)
    except BuildError as exc:
        raise RetakeRefused(str(exc)) from None
    _set_due_date(course, assignment, state.retake_by)
    return RetakePlan(
        trainee_id=trainee_id,
        assignment=assignment,
        form=form,
        sections=list(state.failed_sections),
        retake_by=state.retake_by,
        sitting=sitting,
        max_sittings=state.max_sittings,
        release=course.notebook("release", assignment),
        created=old != text,
    )


class RetakeNotDelivered(RuntimeError):
    """The retake was prepared but could not be delivered; ``plan`` says what was made."""

    def __init__(self, plan: RetakePlan, reason: str):
        self.plan = plan
        super().__init__(reason)


def prepare_and_deliver_retake(
    trainee_id: str,
    course: Course | None = None,
    *,
    db: str | None = None,
    today: date | None = None,
) -> tuple[RetakePlan, Delivery]:
    """``ppskit exam retake ID``: prepare the retake, then deliver it to that trainee's
    own exchange (``ppskit.exam.delivery``), so no other trainee can list or fetch it."""
    from ppskit.exam.delivery import DeliveryError, deliver

    course = course or Course.find()
    plan = prepare_retake(trainee_id, course, db=db, today=today)
    try:
        delivery = deliver(course, trainee_id, assignment=plan.assignment, db=db, today=today)
    except DeliveryError as exc:
        raise RetakeNotDelivered(plan, str(exc)) from None
    return plan, delivery
