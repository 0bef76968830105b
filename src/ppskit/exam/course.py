"""Where the exam pipeline's files live, and how ppskit runs nbgrader in-process.

The repository root is the nbgrader course directory (it holds ``nbgrader_config.py``).
nbgrader is imported only inside the functions that need it: importing it costs about
four seconds, which commands such as ``ppskit status`` must not pay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

NOTEBOOK = "exam"  # every sitting is one notebook, exam.ipynb
FULL_PREFIX = "exam-"  # full sittings: exam-A, exam-B, exam-C
RETAKE_PREFIX = "retake-"  # partial retakes: retake-<trainee>-<n>
_RETAKE = re.compile(r"^retake-(?P<trainee>.+)-(?P<n>[0-9]+)$")


def full_assignment(form: str) -> str:
    """nbgrader assignment name of a full sitting on ``form``."""
    return f"{FULL_PREFIX}{form}"


def retake_assignment(trainee_id: str, n: int) -> str:
    """nbgrader assignment name of a trainee's ``n``-th partial retake."""
    return f"{RETAKE_PREFIX}{trainee_id}-{n}"


def parse_retake(assignment: str) -> tuple[str, int] | None:
    """``(trainee_id, n)`` for a retake assignment name, else None."""
    m = _RETAKE.match(assignment)
    return (m["trainee"], int(m["n"])) if m else None


@dataclass(frozen=True)
class Course:
    """An nbgrader course directory laid out the ppskit way."""

    root: Path

    @classmethod
    def find(cls, root: Path | str | None = None) -> Course:
        """The course at ``root``, or the one holding the current directory."""
        from ppskit.db import course_root

        path = Path(root).resolve() if root else course_root()
        if not (path / "nbgrader_config.py").is_file():
            raise FileNotFoundError(
                f"{path} is not a course directory: it has no nbgrader_config.py"
            )
        return cls(path)

    @property
    def assessments(self) -> Path:
        """The item bank and blueprint."""
        return self.root / "assessments"

    def folder(self, step: str, assignment: str, trainee: str | None = None) -> Path:
        """nbgrader's folder for one step (source, release, submitted, autograded, feedback)."""
        if trainee is None:
            return self.root / step / assignment
        return self.root / step / trainee / assignment

    def notebook(self, step: str, assignment: str, trainee: str | None = None) -> Path:
        """Path of the sitting's notebook at one step."""
        return self.folder(step, assignment, trainee) / f"{NOTEBOOK}.ipynb"

    @property
    def gradebook_path(self) -> Path:
        """nbgrader's gradebook (SQLite), as set in nbgrader_config.py."""
        return self.root / "gradebook" / "nbgrader.db"

    @property
    def state_dir(self) -> Path:
        """ppskit's own runtime notes about exams (grading reports); git-ignored."""
        return self.root / "gradebook" / "exam"


def nbgrader_config(course: Course):  # noqa: ANN201  (traitlets Config; imported lazily)
    """Load the course's ``nbgrader_config.py`` as a traitlets Config."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()


def coursedir(course: Course, config=None):  # noqa: ANN001, ANN201
    """An nbgrader ``CourseDirectory`` for the course."""
    from nbgrader.coursedir import CourseDirectory

    config = config if config is not None else nbgrader_config(course)
    cd = CourseDirectory(config=config)
    cd.root = str(course.root)
    return cd


def run_converter(
    course: Course,
    converter: str,
    assignment: str,
    *,
    student: str | None = None,
    config=None,  # noqa: ANN001
    **traits,  # noqa: ANN003
) -> dict:
    """Run one nbgrader converter in this process, as nbgrader's own formgrader does.

    ``converter`` is ``GenerateAssignment``, ``Autograde`` or ``GenerateFeedback``.
    Returns nbgrader's result dict: ``success``, and ``log``/``error`` when present.
    """
    import nbgrader.converters as conv
    from nbgrader.utils import capture_log

    config = config if config is not None else nbgrader_config(course)
    course.gradebook_path.parent.mkdir(parents=True, exist_ok=True)
    cd = coursedir(course, config)
    cd.assignment_id = assignment
    if student is not None:
        cd.student_id = student
    app = getattr(conv, converter)(coursedir=cd, config=config)
    for name, value in traits.items():
        setattr(app, name, value)
    return capture_log(app)


def gradebook(course: Course):  # noqa: ANN201
    """nbgrader's Gradebook for the course (use as a context manager)."""
    from nbgrader.api import Gradebook

    cfg = nbgrader_config(course)
    return Gradebook(cfg.CourseDirectory.db_url, cfg.CourseDirectory.course_id)


def failure_summary(result: dict) -> str:
    """A short account of a failed nbgrader run: its error lines, not the traceback."""
    lines = [
        line.removeprefix("[ERROR] ").strip()
        for line in result.get("log", "").splitlines()
        if line.startswith("[ERROR]") and "Traceback" not in line
    ]
    error = result.get("error", "").strip().splitlines()
    if error:
        lines.append(error[-1].strip())
    return "\n".join(dict.fromkeys(line for line in lines if line)) or "unknown nbgrader error"
