"""``ppskit exam feedback``: nbgrader feedback pages for trainees, without answers.

nbgrader's ``generate_feedback`` is run in-process for each graded sitting. Its default
feedback shows hidden tests; the course's configuration puts ``CleanFeedback`` in its
preprocessor list, which removes hidden tests, their error traces and the trainer's
rubric. As a last safety net every page is scanned before it is kept: a page that still
holds hidden-test code or trainer-only text is deleted and reported.

What the page shows is the trainee's profile's choice (``exam_rules.feedback``). With
``sections`` (the default) ``SectionFeedback``, next in the preprocessor list, replaces
every cell with :func:`section_summary`: the sitting, each section's score and whether
it passed (against the form's standard-setting cut when it has one), what happens next
and what to study. No question's score, answer or right/wrong is on the page: a bank
that is reused must not have its key handed out one feedback page at a time. With
``items`` the page keeps nbgrader's view of every question.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ppskit.dates import fmt
from ppskit.exam.bank import load_bank
from ppskit.exam.course import Course, failure_summary, run_converter
from ppskit.exam.integrity import scan_feedback

# Text that must never reach a trainee: hidden-test markers and calls, and the
# headings ppskit gives trainer-only material.
FORBIDDEN = (
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "grade_answer(",
    "For the trainer (not shown to the trainee)",
    "Model answer (trainers only)",
)


class FeedbackProblem(ValueError):
    """A section feedback page cannot be written; the message says why and what to do."""


@dataclass
class FeedbackOutcome:
    """Feedback for one trainee's sitting."""

    trainee: str
    assignment: str
    status: str  # written | pending | held | failed
    path: Path | None = None
    message: str = ""


def graded_pairs(
    course: Course, assignments: list[str] | None = None, trainees: list[str] | None = None
) -> list[tuple[str, str]]:
    """``(trainee, assignment)`` pairs with an autograded notebook, sorted."""
    pairs = []
    for nb in sorted((course.root / "autograded").glob("*/*/exam.ipynb")):
        assignment, trainee = nb.parent.name, nb.parent.parent.name
        if (assignments and assignment not in assignments) or (
            trainees and trainee not in trainees
        ):
            continue
        pairs.append((trainee, assignment))
    return pairs


def _held_back(sittings: list, db: str | None) -> dict[tuple[str, str], str]:
    """Sittings that get no feedback page, with why: flagged and not accepted on review
    (a page would tell the trainee their scores before a trainer has judged the
    sitting), or rejected on review (the sitting does not count)."""
    from ppskit.ledger.sittings import sitting_states

    states = sitting_states(trainees=sorted({s.trainee_id for s in sittings}), db=db)
    out = {}
    for s in sittings:
        mine = states[
            (states["trainee_id"] == s.trainee_id)
            & (states["assignment"] == s.assignment)
            & (states["handed_in_at"].map(lambda t, at=s.handed_in_at: t == at))
        ]
        reviewed = mine.iloc[0]["reviewed"] if len(mine) else ""
        if reviewed == "rejected":
            out[s.trainee_id, s.assignment] = "rejected on review: no feedback for it"
        elif s.tampered and reviewed != "accepted":
            out[s.trainee_id, s.assignment] = (
                "flagged: feedback waits until `ppskit exam review` accepts the sitting"
            )
    return out


def leaks(text: str) -> list[str]:
    """Forbidden markers present in a feedback page."""
    return [m for m in FORBIDDEN if m in text]


def generate_feedback(
    course: Course | None = None,
    *,
    assignments: list[str] | None = None,
    trainees: list[str] | None = None,
    include_pending: bool = False,
    db: str | None = None,
) -> list[FeedbackOutcome]:
    """Write ``feedback/<trainee>/<assignment>/exam.html`` for every graded sitting.

    Sittings still waiting for manual grading are left out (their score would be
    incomplete) unless ``include_pending``. ``db``: the tracker holding the trainees'
    profiles (which say what the page shows).
    """
    from ppskit.exam.course import nbgrader_config
    from ppskit.exam.results import collect_sittings

    course = course or Course.find()
    sittings = collect_sittings(course, assignments=assignments, trainees=trainees)
    pending = {(s.trainee_id, s.assignment) for s in sittings if s.pending}
    held = _held_back(sittings, db)
    config = nbgrader_config(course)
    if db:
        config.SectionFeedback.db = db
    bank = load_bank(course.assessments)
    out = []
    for trainee, assignment in graded_pairs(course, assignments, trainees):
        if (trainee, assignment) in held:
            out.append(
                FeedbackOutcome(trainee, assignment, "held", message=held[trainee, assignment])
            )
            continue
        if (trainee, assignment) in pending and not include_pending:
            out.append(
                FeedbackOutcome(
                    trainee, assignment, "pending", message="waiting for manual grading"
                )
            )
            continue
        try:
            # The same check SectionFeedback makes inside nbgrader, here to give the
            # reason in plain words rather than as nbgrader's error log.
            section_summary(course, trainee, assignment, db=db)
        except FeedbackProblem as exc:
            out.append(FeedbackOutcome(trainee, assignment, "failed", None, str(exc)))
            continue
        result = run_converter(
            course, "GenerateFeedback", assignment, student=trainee, config=config, force=True
        )
        path = course.folder("feedback", assignment, trainee) / "exam.html"
        if not result["success"] or not path.exists():
            out.append(
                FeedbackOutcome(trainee, assignment, "failed", None, failure_summary(result))
            )
            continue
        found = leaks(path.read_text(encoding="utf-8")) + scan_feedback(course.root, bank, [path])
        if found:
            path.unlink()
            out.append(
                FeedbackOutcome(
                    trainee,
                    assignment,
                    "failed",
                    None,
                    "the page held trainer-only text and was deleted: " + "; ".join(found),
                )
            )
            continue
        out.append(FeedbackOutcome(trainee, assignment, "written", path))
    return out


# --------------------------------------------------------------------------- sections view


def trainee_policy(trainee_id: str, db: str | None = None):  # noqa: ANN201  (Policy | None)
    """The trainee's policy profile from the tracker, or None when they are not in it."""
    from ppskit.ledger.api import trainees_frame
    from ppskit.policies import load_policy

    try:
        frame = trainees_frame(db=db)
    except FileNotFoundError as exc:  # no ledger yet
        raise FeedbackProblem(str(exc)) from None
    row = frame[frame["trainee_id"] == trainee_id]
    if row.empty:
        return None
    return load_policy(row["profile"].iloc[0] or None)


def section_summary(
    course: Course, trainee: str, assignment: str, *, db: str | None = None
) -> str | None:
    """The markdown of a trainee's section feedback for one sitting.

    None when the page keeps nbgrader's item view: the trainee's profile asks for
    ``items``, or the assignment is not an exam ppskit built (it has no manifest).
    Raises :class:`FeedbackProblem` when the page cannot be written safely (the
    trainee is not in the tracker, the sitting is not in the gradebook, a cut file
    is broken): then no page at all, never the item view by default.
    """
    from ppskit.exam.cuts import CutFileError
    from ppskit.exam.results import apply_cuts, collect_sittings, group_sections, load_manifest

    try:
        load_manifest(course, assignment)
    except (FileNotFoundError, KeyError):
        return None  # not an exam built from the bank
    policy = trainee_policy(trainee, db)
    if policy is None:
        raise FeedbackProblem(
            f"there is no trainee '{trainee}' in the tracker, so their profile (and what "
            "their feedback may show) is unknown; register them (`ppskit trainees import`) "
            "and run `ppskit exam feedback` again"
        )
    if policy.exam_rules.feedback == "items":
        return None
    found = collect_sittings(course, assignments=[assignment], trainees=[trainee])
    if not found:
        raise FeedbackProblem(
            f"nbgrader's gradebook has no grades for {trainee} on {assignment}; "
            "run `ppskit exam grade` first"
        )
    sitting = found[0]
    sitting.pass_pct = policy.exam_rules.pass_pct.at(sitting.date)
    sitting.sections = group_sections(sitting.domains, policy)
    try:
        apply_cuts(course, sitting, policy)
    except CutFileError as exc:
        raise FeedbackProblem(str(exc)) from None
    return render_summary(sitting, policy)


def _pct(value: float) -> str:
    return f"{value:.1f}%".replace(".0%", "%")


def render_summary(sitting, policy) -> str:  # noqa: ANN001  (Sitting, Policy)
    """The section feedback page of one scored sitting, as markdown.

    Words carry every result ("Passed", "Not yet passed", "Waiting for marking"), so
    nothing depends on colour; only sections, points and domain names appear.
    """
    from ppskit.exam.results import study_pointers
    from ppskit.framework import load_framework

    framework = load_framework()
    when = f", handed in on {fmt(sitting.date)}" if sitting.date else ""
    kind = "retake" if sitting.kind == "retake" else "exam"
    lines = [
        f"# Your {kind} results: form {sitting.form}{when}",
        "",
        "Each section of the exam is scored on its own. A section is passed when its "
        "score reaches the mark needed to pass it.",
        "",
        "| Section | Points | Score | Needed to pass | Result |",
        "|---|---:|---:|---:|---|",
    ]
    failed, waiting = [], []
    for sec in sitting.sections:
        passed = sitting.passed(sec)
        if passed is None:
            result = "Waiting for marking"
            waiting.append(sec.section)
        elif passed:
            result = "Passed"
        else:
            result = "Not yet passed"
            failed.append(sec.section)
        lines.append(
            f"| {policy.section_label(sec.section)} | {sec.score:g} of {sec.max_score:g} "
            f"| {_pct(sec.pct)} | {_pct(sitting.mark(sec.section))} | {result} |"
        )
    lines += ["", "## What happens next", ""]
    lines += _next_steps(sitting, policy, failed, waiting)
    pointers = study_pointers(sitting, policy)
    if pointers:
        lines += [
            "",
            "## What to study before you retake",
            "",
            "The part of each section where your score was lowest:",
            "",
        ]
        for section, domains in pointers.items():
            names = ", ".join(framework.domain(d).name for d in domains)
            lines.append(f"- **{policy.section_label(section)}**: {names}")
    lines += [
        "",
        "This page shows section results only, not single questions, so that the exam "
        "stays fair for everyone who takes it after you. Your trainer can talk the "
        "results through with you.",
    ]
    return "\n".join(lines)


def _next_steps(sitting, policy, failed: list[str], waiting: list[str]) -> list[str]:  # noqa: ANN001
    """Plain sentences on what the trainee does next, from the profile's retake rules."""
    rules = policy.exam_rules.retake
    out = []
    if waiting:
        out.append(
            "Some written answers are still being marked by a trainer. The sections "
            "shown as waiting get their result when that is done, and this page is "
            "written again."
        )
    if not failed:
        if not waiting:
            out.append(
                "You passed every section of this sitting. Your trainer records the "
                "result; your certification status then shows the next step."
            )
        return out
    names = ", ".join(policy.section_label(s) for s in failed)
    if rules.scope == "failed-sections":
        out.append(
            f"You retake only the sections not yet passed: {names}. Sections you have "
            "passed stay passed."
        )
    else:
        out.append(
            f"Not yet passed: {names}. Under your certification rules the next sitting is "
            "the whole exam, and it must be passed on its own."
        )
    when = sitting.date
    if rules.window_days is not None:
        days = rules.window_days.at(when)
        by = f" (by {fmt(when + timedelta(days=days))})" if when else ""
        out.append(f"The next sitting must be within {days} days of this one{by}.")
    elif rules.series_days is not None:
        days = rules.series_days.at(when)
        out.append(f"All sittings of a series must be within {days} days of the first one.")
    out.append(
        f"A series has at most {rules.max_sittings.at(when)} sittings. Your trainer "
        "arranges the next sitting with you."
    )
    return out
