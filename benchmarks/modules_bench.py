"""Execute every module notebook headless and print per-module and total seconds.

    python benchmarks/modules_bench.py [--budget 60]

Each notebook runs in a fresh python3 kernel from its own folder (as in the test suite),
with no trainee id and a throw-away ledger and journal folder, so nothing is recorded.
Exits 1 when a notebook fails or the total exceeds the budget.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from ppskit import curriculum
from ppskit.framework import load_framework

ROOT = Path(__file__).resolve().parents[1]


def notebooks() -> list[tuple[str, Path]]:
    """(module id, path) for every module notebook that exists, in framework order."""
    found = []
    for module in load_framework().modules:
        path = curriculum.notebook_path(module.id, ROOT)
        if path.is_file():
            found.append((module.id, path))
    return found


def main() -> int:
    """Run the benchmark; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60.0, help="seconds for all notebooks")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("PPSKIT_TRAINEE", "JUPYTERHUB_USER", "PPSKIT_CONTENT_DIR"):
            os.environ.pop(name, None)
        os.environ["PPSKIT_DB"] = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["PPSKIT_JOURNAL_DIR"] = str(Path(tmp) / "journal")
        found = notebooks()
        missing = len(load_framework().modules) - len(found)
        failed = 0
        started = time.perf_counter()
        print(f"{'module':30} {'seconds':>8}  result")
        for module_id, path in found:
            _, seconds, problems = curriculum.execute_notebook(path)
            failed += bool(problems)
            result = "ok" if not problems else "FAILED: " + "; ".join(problems)
            print(f"{module_id:30} {seconds:8.2f}  {result}", flush=True)
        total = time.perf_counter() - started
    print(f"{'total':30} {total:8.2f}  {len(found)} notebooks, budget {args.budget:g} s")
    if missing:
        print(f"{missing} module notebook(s) do not exist yet")
    return 1 if failed or total > args.budget else 0


if __name__ == "__main__":
    sys.exit(main())
