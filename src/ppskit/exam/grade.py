"""``ppskit exam grade``: nbgrader's autograder, run in parallel across cores.

nbgrader's ``autograde`` grades one submission after another. Here a small pool of
worker processes, forked after nbgrader has been imported once (about four seconds
saved per worker), each runs nbgrader's own ``Autograde`` converter in-process for one
trainee at a time, exactly as the formgrader does; nothing of nbgrader is reimplemented,
so scores are nbgrader's scores.

* Each trainee's submission is graded on its own (``submitted/<trainee>/<assignment>``
  to ``autograded/<trainee>/<assignment>``), so two trainees never share a file.
* A submission that fails (unreadable notebook, kernel crash) or runs past the time
  limit is reported and the others carry on; a stuck worker is stopped and replaced.
* Re-grading is idempotent: a submission already graded and not handed in again is
  skipped unless ``force`` is set, and forced re-grading gives the same scores.
* Re-grading keeps the trainer's manual grades. nbgrader's autograder keeps a manual
  score but marks every cell that has one as needing manual grading again, so a
  re-graded sitting would wait in the formgrader for marks it already has. The manual
  grades are read before, and written back after, through nbgrader's Gradebook API
  whenever the answer they were given for is unchanged; a changed answer (a new
  hand-in) is left for the trainer to review, and the report says which.
* Integrity findings (edited locked cells, added code: see ``nbgrader_plugins``) are
  read back from each graded notebook and reported.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ppskit.exam.course import Course, failure_summary, run_converter
from ppskit.exam.handins import refuse_second_hand_ins

TAMPER_KINDS = frozenset(
    {"duplicate", "unknown-cell", "extra-code", "changed-type", "edited-metadata",
     "edited-locked", "deleted"}
)  # fmt: skip


@dataclass
class Outcome:
    """What happened to one trainee's submission."""

    trainee: str
    assignment: str
    status: str  # graded | skipped | failed | timeout | refused
    seconds: float = 0.0
    message: str = ""
    flags: list[dict] = field(default_factory=list)
    kept_manual: list[str] = field(default_factory=list)  # manual grades written back
    review: list[str] = field(default_factory=list)  # marked by hand, answer since changed

    @property
    def tampered(self) -> list[dict]:
        """Integrity findings that mean the notebook was changed outside answer boxes."""
        return [f for f in self.flags if f["kind"] in TAMPER_KINDS]


@dataclass
class GradeReport:
    """Every outcome of one ``grade`` run, and how long it took."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 0

    def count(self, status: str) -> int:
        """How many submissions ended with ``status``."""
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def problems(self) -> list[Outcome]:
        """Submissions that failed or timed out."""
        return [o for o in self.outcomes if o.status in ("failed", "timeout")]

    @property
    def refused(self) -> list[Outcome]:
        """Second hand-ins of a sitting the ledger already knows (not graded)."""
        return [o for o in self.outcomes if o.status == "refused"]

    @property
    def flagged(self) -> list[Outcome]:
        """Graded submissions with integrity findings for the trainer."""
        return [o for o in self.outcomes if o.tampered]

    @property
    def kept_manual(self) -> int:
        """How many manual grades re-grading kept."""
        return sum(len(o.kept_manual) for o in self.outcomes)

    @property
    def to_review(self) -> list[Outcome]:
        """Re-graded submissions with manual grades given for an answer since changed."""
        return [o for o in self.outcomes if o.review]


def find_submissions(
    course: Course, assignments: list[str] | None = None, trainees: list[str] | None = None
) -> list[tuple[str, str]]:
    """``(trainee, assignment)`` pairs with a submitted notebook, sorted."""
    pairs = []
    for nb in sorted((course.root / "submitted").glob("*/*/exam.ipynb")):
        assignment, trainee = nb.parent.name, nb.parent.parent.name
        if assignments and assignment not in assignments:
            continue
        if trainees and trainee not in trainees:
            continue
        pairs.append((trainee, assignment))
    return pairs


def _already_graded(course: Course, trainee: str, assignment: str) -> bool:
    sub = course.folder("submitted", assignment, trainee)
    out = course.folder("autograded", assignment, trainee)
    try:
        same_time = (sub / "timestamp.txt").read_bytes() == (out / "timestamp.txt").read_bytes()
        newer = (out / "exam.ipynb").stat().st_mtime >= (sub / "exam.ipynb").stat().st_mtime
    except OSError:
        return False
    return same_time and newer


def read_flags(course: Course, trainee: str, assignment: str) -> list[dict]:
    """Integrity findings stored in a graded notebook (empty when there are none)."""
    path = course.notebook("autograded", assignment, trainee)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    except (OSError, ValueError, KeyError):
        return []
    return list(meta.get("ppskit", {}).get("integrity", []))


def grade_one(course: Course, trainee: str, assignment: str, *, config=None) -> Outcome:  # noqa: ANN001
    """Autograde one submission with nbgrader, in this process."""
    start = time.perf_counter()
    result = {"success": False}
    for _attempt in range(3):
        result = run_converter(
            course, "Autograde", assignment, student=trainee, config=config, force=True
        )
        # Another worker may hold the gradebook's write lock for a moment: try again.
        if result["success"] or "database is locked" not in str(result):
            break
        time.sleep(1.0)
    seconds = time.perf_counter() - start
    if not result["success"]:
        return Outcome(trainee, assignment, "failed", seconds, failure_summary(result))
    return Outcome(
        trainee, assignment, "graded", seconds, flags=read_flags(course, trainee, assignment)
    )


def _worker(conn, root: str, config, log_path: str) -> None:  # noqa: ANN001
    # Kernels and nbgrader write warnings to the terminal; keep them in a log file so
    # the trainer sees the progress bar and the summary only.
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    course = Course(Path(root))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        trainee, assignment = task
        try:
            outcome = grade_one(course, trainee, assignment, config=config)
        except Exception as exc:  # noqa: BLE001  (one bad notebook must not stop the pool)
            outcome = Outcome(trainee, assignment, "failed", 0.0, f"{type(exc).__name__}: {exc}")
        conn.send(outcome)


def _enable_wal(course: Course) -> None:
    # Several workers write nbgrader's SQLite gradebook at once; write-ahead logging lets
    # them read while another writes. The setting is stored in the database file.
    path = course.gradebook_path
    if path.exists():
        con = sqlite3.connect(path, timeout=60)
        try:
            con.execute("PRAGMA journal_mode=WAL")
        finally:
            con.close()


def _check_assignments(course: Course, assignments: set[str]) -> None:
    from nbgrader.api import MissingEntry

    from ppskit.exam.course import gradebook

    with gradebook(course) as gb:
        for assignment in sorted(assignments):
            try:
                gb.find_assignment(assignment)
            except MissingEntry:
                raise GradeError(
                    f"{assignment} is not in nbgrader's gradebook: run `ppskit exam build` "
                    "(or `ppskit exam retake` for a retake) first."
                ) from None


def _check_keys(course: Course, assignments: set[str]) -> None:
    from ppskit.exam.build import keys_path, missing_keys

    missing = missing_keys(course, sorted(assignments))
    if missing:
        raise GradeError(
            f"The key file {keys_path(course)} lacks the keys of {len(missing)} "
            f"question(s) (first: {missing[0]}): run `ppskit exam build` on this course "
            "first. Nothing was graded."
        )


@dataclass(frozen=True)
class _ManualGrade:
    """A grade a trainer gave in the formgrader, and the answer it was given for."""

    cell: str
    manual_score: float | None
    extra_credit: float | None
    needs_manual_grade: bool
    answer: tuple[str, ...]


def _answer_text(cells: dict[str, str], cell: str) -> tuple[str, ...]:
    # A written answer is its own graded cell; a multiple-choice item's graded cell is
    # the locked check, and the trainee's letter sits in the ``<item>-answer`` box.
    return (cells.get(cell, ""), cells.get(f"{cell}-answer", ""))


def _graded_cells(course: Course, trainee: str, assignment: str) -> dict[str, str]:
    """grade_id -> source of every nbgrader cell of the graded notebook."""
    try:
        nb = json.loads(course.notebook("autograded", assignment, trainee).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for cell in nb.get("cells", []):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            src = cell.get("source", "")
            out[gid] = src if isinstance(src, str) else "".join(src)
    return out


def _read_manual_grades(
    course: Course, pairs: list[tuple[str, str]]
) -> dict[tuple[str, str], list[_ManualGrade]]:
    """The manual grades already in nbgrader's gradebook for these submissions."""
    from nbgrader.api import MissingEntry

    from ppskit.exam.course import NOTEBOOK, gradebook

    if not course.gradebook_path.exists():
        return {}
    saved: dict[tuple[str, str], list[_ManualGrade]] = {}
    with gradebook(course) as gb:
        for trainee, assignment in pairs:
            try:
                nb = gb.find_submission_notebook(NOTEBOOK, assignment, trainee)
            except MissingEntry:
                continue  # never graded: nothing a trainer could have marked
            marked = [g for g in nb.grades if g.manual_score is not None or g.extra_credit]
            if not marked:
                continue
            cells = _graded_cells(course, trainee, assignment)
            saved[(trainee, assignment)] = [
                _ManualGrade(
                    g.name,
                    g.manual_score,
                    g.extra_credit,
                    bool(g.needs_manual_grade),
                    _answer_text(cells, g.name),
                )
                for g in marked
            ]
    return saved


def _restore_manual_grades(
    course: Course, saved: dict[tuple[str, str], list[_ManualGrade]], outcomes: list[Outcome]
) -> None:
    """Write back the manual grades of re-graded submissions whose answers are unchanged
    (recorded on each outcome: ``kept_manual``, and ``review`` for changed answers)."""
    from ppskit.exam.course import NOTEBOOK, gradebook

    todo = [o for o in outcomes if o.status == "graded" and (o.trainee, o.assignment) in saved]
    if not todo:
        return
    with gradebook(course) as gb:
        for o in todo:
            cells = _graded_cells(course, o.trainee, o.assignment)
            for m in saved[(o.trainee, o.assignment)]:
                if _answer_text(cells, m.cell) != m.answer:
                    o.review.append(m.cell)  # nbgrader's "needs manual grade" stands
                    continue
                grade = gb.find_grade(m.cell, NOTEBOOK, o.assignment, o.trainee)
                grade.manual_score = m.manual_score
                grade.extra_credit = m.extra_credit
                grade.needs_manual_grade = m.needs_manual_grade
                o.kept_manual.append(m.cell)
        gb.db.commit()


class GradeError(RuntimeError):
    """Grading could not start; the message says why."""


def grade(
    course: Course | None = None,
    *,
    assignments: list[str] | None = None,
    trainees: list[str] | None = None,
    workers: int | None = None,
    force: bool = False,
    timeout: float = 600.0,
    on_progress: Callable[[Outcome], None] | None = None,
    db: str | None = None,
) -> GradeReport:
    """Autograde every submission (or those of some assignments/trainees) in parallel.

    ``workers`` defaults to two per CPU core: each worker spends part of its time
    waiting for its kernel (and the kernel for it), so two per core keep every core
    busy (measured on a 2-core machine: 3-4 workers grade 20-25 % faster than 2).
    ``timeout`` is the most seconds one
    submission may take before it is stopped and reported. ``on_progress`` is called
    with each :class:`Outcome` as it arrives (the CLI draws its progress bar with it).
    A second hand-in of a sitting the ledger ``db`` already knows is never graded
    (:mod:`ppskit.exam.handins`), even with ``force``.
    """
    course = course or Course.find()
    started = time.perf_counter()
    report = GradeReport()
    pending = []
    found = find_submissions(course, assignments, trainees)
    try:
        refused = refuse_second_hand_ins(course, found, db=db)
    except SQLAlchemyError as exc:
        # Grading without the check could overwrite a sitting already recorded.
        raise GradeError(
            "Could not read the tracker to check for second hand-ins "
            f"({type(exc).__name__}); nothing was graded. Check --db or PPSKIT_DB."
        ) from None
    for trainee, assignment in found:
        if (trainee, assignment) in refused:
            outcome = Outcome(
                trainee, assignment, "refused", message=refused[(trainee, assignment)].message
            )
            report.outcomes.append(outcome)
            if on_progress:
                on_progress(outcome)
        elif not force and _already_graded(course, trainee, assignment):
            outcome = Outcome(
                trainee,
                assignment,
                "skipped",
                message="already graded; use --force to grade again",
                flags=read_flags(course, trainee, assignment),
            )
            report.outcomes.append(outcome)
            if on_progress:
                on_progress(outcome)
        else:
            pending.append((trainee, assignment))
    if not pending:
        report.seconds = time.perf_counter() - started
        return report
    # Import nbgrader once, here, before forking: every worker inherits it.
    from ppskit.exam.course import nbgrader_config

    _check_assignments(course, {a for _, a in pending})
    _check_keys(course, {a for _, a in pending})
    _enable_wal(course)
    manual = _read_manual_grades(course, pending)
    config = nbgrader_config(course)
    course.state_dir.mkdir(parents=True, exist_ok=True)
    log_path = str(course.state_dir / "grade.log")
    Path(log_path).write_text("", encoding="utf-8")  # the log of this run only
    n = max(1, min(workers or 2 * (os.cpu_count() or 1), len(pending)))
    report.workers = n
    ctx = multiprocessing.get_context("fork")

    def spawn():  # noqa: ANN202
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, str(course.root), config, log_path))
        proc.daemon = True
        proc.start()
        child.close()
        return {"proc": proc, "conn": parent, "task": None, "since": 0.0}

    pool = [spawn() for _ in range(n)]
    queue = list(pending)
    results: dict[tuple[str, str], Outcome] = {}

    def finish(outcome: Outcome) -> None:
        results[(outcome.trainee, outcome.assignment)] = outcome
        if on_progress:
            on_progress(outcome)

    try:
        while queue or any(w["task"] for w in pool):
            for w in pool:
                if w["task"] is None and queue:
                    w["task"] = queue.pop(0)
                    w["since"] = time.monotonic()
                    w["conn"].send(w["task"])
            busy = [w for w in pool if w["task"]]
            ready = wait([w["conn"] for w in busy], timeout=1.0)
            now = time.monotonic()
            for i, w in enumerate(pool):
                if not w["task"]:
                    continue
                trainee, assignment = w["task"]
                if w["conn"] in ready:
                    try:
                        finish(w["conn"].recv())
                        w["task"] = None
                        continue
                    except EOFError:
                        message = "the grading process stopped unexpectedly"
                        status = "failed"
                elif now - w["since"] > timeout:
                    message = f"took longer than {timeout:g} seconds and was stopped"
                    status = "timeout"
                else:
                    continue
                finish(Outcome(trainee, assignment, status, now - w["since"], message))
                w["proc"].kill()
                w["proc"].join()
                w["conn"].close()
                pool[i] = spawn()
    finally:
        for w in pool:
            try:
                w["conn"].send(None)
            except OSError:
                pass
        for w in pool:
            w["proc"].join(timeout=10)
            if w["proc"].is_alive():
                w["proc"].kill()
                w["proc"].join()
        # Even when grading was interrupted, the sittings already re-graded get their
        # manual grades back.
        _restore_manual_grades(course, manual, list(results.values()))
    report.outcomes += [results[p] for p in pending]
    report.outcomes.sort(key=lambda o: (o.assignment, o.trainee))
    report.seconds = time.perf_counter() - started
    return report
