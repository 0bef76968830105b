"""Second hand-ins: a sitting the ledger already knows is never replaced.

nbgrader keeps one submission per trainee and assignment: autograding a new hand-in of
``exam-A`` overwrites the graded notebook and the gradebook's scores of the first one.
So when ``submitted/<T>/<A>`` holds a hand-in whose time differs from a sitting of
``(T, A)`` that is recorded, held or reviewed in the ledger, ``ppskit exam grade`` does
not grade it, ``ppskit exam results`` never records it, and the ledger gets a
``refused`` event for it. A new attempt is a retake (``ppskit exam retake T``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from ppskit.exam.course import Course
from ppskit.ledger.sittings import append_event, sitting_states, utc

# States of an earlier sitting that make a new hand-in of the same assignment a second
# one. A refused hand-in does not count: it never became a sitting.
_KEEPS = {
    "recorded": "is recorded and stays",
    "held-pending": "is awaiting manual grading and stays",
    "held-flagged": "is flagged for review and stays",
    "accepted": "was accepted on review and stays",
    "rejected": "was rejected on review and stays out of the tracker",
}


@dataclass
class SecondHandIn:
    """A hand-in refused because an earlier sitting of the same assignment is known."""

    trainee_id: str
    assignment: str
    handed_in_at: datetime
    first_at: datetime
    first_state: str
    form: str

    @property
    def message(self) -> str:
        """What the trainer reads, with the next step."""
        return (
            f"{self.trainee_id} handed in {self.assignment} again on "
            f"{self.handed_in_at:%Y-%m-%d %H:%M} UTC; the sitting of "
            f"{self.first_at:%Y-%m-%d %H:%M} UTC {_KEEPS[self.first_state]}; "
            "this hand-in was not graded or recorded. A new attempt is a retake: "
            f"`ppskit exam retake {self.trainee_id}`."
        )


def submission_time(course: Course, trainee_id: str, assignment: str) -> datetime | None:
    """The hand-in time nbgrader will read from ``submitted/<T>/<A>/timestamp.txt``
    (aware UTC), or None when there is none or it cannot be read."""
    from dateutil.parser import ParserError, parse

    path = course.folder("submitted", assignment, trainee_id) / "timestamp.txt"
    try:
        return utc(parse(path.read_text(encoding="utf-8").strip()))
    except (OSError, ParserError, ValueError, OverflowError):
        return None


def earlier_sitting(
    states: pd.DataFrame, trainee_id: str, assignment: str, at: datetime
) -> pd.Series | None:
    """The sitting of ``(trainee_id, assignment)`` other than the one handed in ``at``
    that makes it a second hand-in (the first such one), or None."""
    if states.empty:
        return None
    mine = states[
        (states["trainee_id"] == trainee_id)
        & (states["assignment"] == assignment)
        & states["state"].isin(list(_KEEPS))
    ]
    others = mine[mine["handed_in_at"].map(lambda t: utc(t) != utc(at))]
    return None if others.empty else others.iloc[0]


def refuse(
    trainee_id: str,
    assignment: str,
    at: datetime,
    earlier: pd.Series,
    *,
    by: str,
    db: str | None = None,
) -> SecondHandIn:
    """Record (once) that the hand-in at ``at`` is refused, and say why."""
    refused = SecondHandIn(
        trainee_id, assignment, utc(at), utc(earlier["handed_in_at"]), earlier["state"],
        earlier["form"],
    )  # fmt: skip
    append_event(
        trainee_id,
        assignment,
        refused.form,
        at,
        "refused",
        by=by,
        reason=refused.message,
        unless=("refused",),
        db=db,
    )
    return refused


def refuse_second_hand_ins(
    course: Course,
    pairs: list[tuple[str, str]],
    *,
    by: str = "ppskit exam grade",
    db: str | None = None,
) -> dict[tuple[str, str], SecondHandIn]:
    """The submissions among ``pairs`` (``(trainee, assignment)``) that are second
    hand-ins, each with a ``refused`` event in the ledger; the others may be graded.
    Nothing is refused when there is no ledger yet (no sitting is known)."""
    if not pairs:
        return {}
    states = sitting_states(trainees=sorted({t for t, _ in pairs}), db=db)
    out = {}
    for trainee, assignment in pairs:
        at = submission_time(course, trainee, assignment)
        if at is None:
            continue  # nbgrader reports a hand-in without a readable time itself
        earlier = earlier_sitting(states, trainee, assignment, at)
        if earlier is not None:
            out[(trainee, assignment)] = refuse(trainee, assignment, at, earlier, by=by, db=db)
    return out
