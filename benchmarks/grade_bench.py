"""Benchmark: ``ppskit exam grade`` against a sequential ``nbgrader autograde``.

Builds the exam from the item bank in a temporary course, hands in a synthetic cohort
(default 40 trainees: all right, all wrong, mixed, blank, partly answered, some written
answers) on form A, copies the course, then grades one copy with ``nbgrader autograde
exam-A`` (sequential, one process) and the other with ``ppskit exam grade exam-A``
(parallel). Both are timed as fresh commands, imports included, and their gradebooks
are compared cell by cell.

    python benchmarks/grade_bench.py                 # real bank, 40 trainees
    python benchmarks/grade_bench.py --trainees 12 --bank tests/fixtures/exam/assessments
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def make_cohort(root: Path, bank_dir: Path, trainees: int) -> None:
    """A built course with ``trainees`` submissions of exam-A."""
    from ppskit.exam.bank import load_bank
    from ppskit.exam.build import build
    from ppskit.exam.course import Course
    from ppskit.exam.simulate import answers_for, fill, load_release, submit

    root.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(bank_dir, root / "assessments")
    course = Course(root)
    build(course)
    bank = load_bank(course.assessments)
    rel = load_release(course, "exam-A")
    scenarios = [i["id"] for i in rel["metadata"]["ppskit"]["items"] if i["type"] == "scenario"]
    at = datetime.now(UTC) - timedelta(days=1)
    profile = [1.0, 0.0, 0.85, 0.6, 0.4, None, 0.75, 0.95]  # None: hands in a blank exam
    for n in range(trainees):
        tid = f"bench{n:03d}"
        correct = profile[n % len(profile)]
        if correct is None:
            submit(course, tid, "exam-A", rel, at=at)
            continue
        answers = answers_for(bank, rel, correct=correct, seed=tid)
        if n % 5 == 4:  # some leave a few boxes untouched
            for item in list(answers)[::7]:
                answers[item] = None
        written = {s: f"Answer by {tid}: I listen, check safety and bring in the team."
                   for s in scenarios} if n % 2 else {}  # fmt: skip
        submit(course, tid, "exam-A", fill(rel, answers, written), at=at)


def timed(cmd: list[str], cwd: Path, log: Path) -> float:
    """Run a command to completion; its output goes to ``log``; returns seconds."""
    start = time.perf_counter()
    with log.open("w") as fh:
        subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - start


def cell_scores(root: Path) -> dict[tuple[str, str], tuple]:
    """(trainee, cell) -> (score, needs manual grading) from a course's gradebook."""
    from ppskit.exam.course import Course
    from ppskit.exam.results import score_frame

    df = score_frame(Course(root), ["exam-A"])
    # A cell waiting for manual grading has no score: None on both sides, not NaN != NaN.
    return {
        (r.trainee_id, r.item_id): (None if r.score != r.score else r.score, r.needs_manual_grade)
        for r in df.itertuples()
    }


def main() -> None:
    """Run the benchmark and print both times, the ratio and whether scores agree."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainees", type=int, default=40)
    parser.add_argument("--bank", type=Path, default=REPO / "assessments")
    parser.add_argument("--workers", type=int, default=None, help="ppskit workers")
    parser.add_argument("--keep", type=Path, default=None, help="keep the courses here")
    args = parser.parse_args()

    work = Path(args.keep or tempfile.mkdtemp(prefix="ppskit-grade-bench-"))
    seq_root, par_root = work / "sequential", work / "ppskit"
    print(f"Building the exam and {args.trainees} synthetic submissions in {work} ...")
    make_cohort(seq_root, args.bank.resolve(), args.trainees)
    shutil.copytree(seq_root, par_root)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} cores, load average {load:.2f} before grading.")

    t_seq = timed(
        [sys.executable, "-m", "nbgrader", "autograde", "exam-A"], seq_root, work / "seq.log"
    )
    print(f"sequential nbgrader autograde: {t_seq:7.1f} s")
    cmd = [sys.executable, "-m", "ppskit", "exam", "grade", "exam-A", "--course", str(par_root)]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    t_par = timed(cmd, par_root, work / "ppskit.log")
    print(f"ppskit exam grade:             {t_par:7.1f} s")
    print(f"speed-up:                      {t_seq / t_par:7.2f}x")

    seq, par = cell_scores(seq_root), cell_scores(par_root)
    same = seq == par and len(seq) > 0
    print(
        f"identical scores per cell:     {'yes' if same else 'NO'} "
        f"({len(seq)} cells, {len({k[0] for k in seq})} trainees)"
    )
    if not same:
        diff = [k for k in set(seq) | set(par) if seq.get(k) != par.get(k)]
        print("differences:", sorted(diff)[:20])
    if args.keep is None:
        shutil.rmtree(work)
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
