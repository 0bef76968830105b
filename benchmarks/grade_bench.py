"""Benchmark: ``ppskit exam grade`` against a sequential ``nbgrader autograde``.

Builds the exam from the item bank in a temporary course, hands in a synthetic cohort
(default 40 trainees: all right, all wrong, mixed, blank, partly answered, some written
answers) on form A, then grades fresh copies of that course with ``nbgrader autograde
exam-A`` (sequential, one process) and with ``ppskit exam grade exam-A`` (parallel),
``--repeat`` times, alternating, so both meet the same machine. Both are timed as fresh
commands, imports included; the load average before each run and the CPU seconds each
used are printed (on a shared machine the ratio of wall times moves with other work,
the CPU seconds much less). Every pair of gradebooks is compared cell by cell.

    python benchmarks/grade_bench.py                 # real bank (120 + 2 items), 40 trainees
    python benchmarks/grade_bench.py --repeat 3      # three alternating pairs, medians
    python benchmarks/grade_bench.py --trainees 12 --bank tests/fixtures/exam/assessments
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
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


def timed(cmd: list[str], cwd: Path, log: Path) -> tuple[float, float]:
    """Run a command to completion; its output goes to ``log``; returns (wall seconds,
    CPU seconds of the command and everything it started: workers and kernels)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with log.open("w") as fh:
        subprocess.run(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


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


#: The issue's target for ppskit's parallel grading over sequential nbgrader.
TARGET = 1.8


def main() -> None:
    """Run the benchmark; print every run, the medians, the ratio and whether scores agree."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainees", type=int, default=40)
    parser.add_argument("--bank", type=Path, default=REPO / "assessments")
    parser.add_argument("--workers", type=int, default=None, help="ppskit workers")
    parser.add_argument("--repeat", type=int, default=1, help="alternating pairs of runs")
    parser.add_argument("--keep", type=Path, default=None, help="keep the courses here")
    args = parser.parse_args()

    work = Path(args.keep or tempfile.mkdtemp(prefix="ppskit-grade-bench-"))
    cohort = work / "cohort"
    print(f"Building the exam and {args.trainees} synthetic submissions in {work} ...")
    make_cohort(cohort, args.bank.resolve(), args.trainees)
    import json

    manifest = json.loads((cohort / "release" / "exam-A" / "exam.ipynb").read_text())
    kinds = [i["type"] for i in manifest["metadata"]["ppskit"]["items"]]
    print(
        f"{os.cpu_count()} cores; form A: {kinds.count('mc')} multiple-choice items and "
        f"{kinds.count('scenario')} written scenarios, {args.trainees} trainees."
    )

    times: dict[str, list[float]] = {"nbgrader": [], "ppskit": []}
    same_all = True
    for run in range(1, args.repeat + 1):
        seq_root, par_root = work / f"sequential-{run}", work / f"ppskit-{run}"
        shutil.copytree(cohort, seq_root)
        shutil.copytree(cohort, par_root)
        # Alternate which goes first, so neither always meets the same neighbours.
        order = ["nbgrader", "ppskit"] if run % 2 else ["ppskit", "nbgrader"]
        for who in order:
            if who == "nbgrader":
                cmd, root = [sys.executable, "-m", "nbgrader", "autograde", "exam-A"], seq_root
            else:
                cmd = [sys.executable, "-m", "ppskit", "exam", "grade", "exam-A",
                       "--course", str(par_root)]  # fmt: skip
                cmd += ["--workers", str(args.workers)] if args.workers else []
                root = par_root
            load = os.getloadavg()[0]
            wall, cpu = timed(cmd, root, work / f"{who}-{run}.log")
            times[who].append(wall)
            label = "sequential nbgrader autograde" if who == "nbgrader" else "ppskit exam grade"
            print(f"run {run}  {label:<30} {wall:7.1f} s wall  {cpu:7.1f} s CPU  "
                  f"(load average {load:.2f} before)")  # fmt: skip
        seq, par = cell_scores(seq_root), cell_scores(par_root)
        same = seq == par and len(seq) > 0
        same_all = same_all and same
        print(
            f"run {run}  identical scores per cell: {'yes' if same else 'NO'} "
            f"({len(seq)} cells, {len({k[0] for k in seq})} trainees)"
        )
        if not same:
            diff = [k for k in set(seq) | set(par) if seq.get(k) != par.get(k)]
            print("differences:", sorted(diff)[:20])
    t_seq, t_par = statistics.median(times["nbgrader"]), statistics.median(times["ppskit"])
    ratio = t_seq / t_par
    print(f"median sequential nbgrader autograde: {t_seq:7.1f} s")
    print(f"median ppskit exam grade:             {t_par:7.1f} s")
    print(f"speed-up:                             {ratio:7.2f}x "
          f"({'meets' if ratio >= TARGET else 'BELOW'} the {TARGET}x target)")  # fmt: skip
    print(f"identical scores in every run:        {'yes' if same_all else 'NO'}")
    if args.keep is None:
        shutil.rmtree(work)
    sys.exit(0 if same_all else 1)


if __name__ == "__main__":
    main()
