"""``ppskit exam feedback``: nbgrader feedback pages for trainees, without answers.

nbgrader's ``generate_feedback`` is run in-process for each graded sitting. Its default
feedback shows hidden tests; the course's configuration puts ``CleanFeedback`` in its
preprocessor list, which removes hidden tests, their error traces and the trainer's
rubric. As a last safety net every page is scanned before it is kept: a page that still
holds hidden-test code or trainer-only text is deleted and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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


@dataclass
class FeedbackOutcome:
    """Feedback for one trainee's sitting."""

    trainee: str
    assignment: str
    status: str  # written | pending | failed
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


def leaks(text: str) -> list[str]:
    """Forbidden markers present in a feedback page."""
    return [m for m in FORBIDDEN if m in text]


def generate_feedback(
    course: Course | None = None,
    *,
    assignments: list[str] | None = None,
    trainees: list[str] | None = None,
    include_pending: bool = False,
) -> list[FeedbackOutcome]:
    """Write ``feedback/<trainee>/<assignment>/exam.html`` for every graded sitting.

    Sittings still waiting for manual grading are left out (their score would be
    incomplete) unless ``include_pending``.
    """
    from ppskit.exam.course import nbgrader_config
    from ppskit.exam.results import collect_sittings

    course = course or Course.find()
    pending = {
        (s.trainee_id, s.assignment)
        for s in collect_sittings(course, assignments=assignments, trainees=trainees)
        if s.pending
    }
    config = nbgrader_config(course)
    bank = load_bank(course.assessments)
    out = []
    for trainee, assignment in graded_pairs(course, assignments, trainees):
        if (trainee, assignment) in pending and not include_pending:
            out.append(
                FeedbackOutcome(
                    trainee, assignment, "pending", message="waiting for manual grading"
                )
            )
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
