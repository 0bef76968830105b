"""Start-up time of commands that don't grade, against ``nbgrader --help``.

    python benchmarks/startup_bench.py [--runs 5]

Prints the median wall time of each command and the ratio (target: ppskit >= 5x faster).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def timed(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    ppskit = shutil.which("ppskit") or sys.executable
    ppskit_cmd = (
        [ppskit, "status", "--help"]
        if ppskit != sys.executable
        else [sys.executable, "-m", "ppskit", "status", "--help"]
    )
    nbgrader_cmd = [shutil.which("nbgrader") or "nbgrader", "--help"]
    p = timed(ppskit_cmd, args.runs)
    n = timed(nbgrader_cmd, args.runs)
    print(f"ppskit status --help : {p * 1000:.0f} ms (median of {args.runs})")
    print(f"nbgrader --help      : {n * 1000:.0f} ms (median of {args.runs})")
    print(f"ratio                : {n / p:.1f}x faster  (target >= 5x)")


if __name__ == "__main__":
    main()
