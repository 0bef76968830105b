"""Benchmark the reporting side and print the figures.

1. ``ppskit report cohort`` on a synthetic registry of 10,000 trainees (bulk-inserted into
   a temporary SQLite ledger through the ledger's own table definitions), timed as a
   whole command (process start, imports, reading, charts, files) — target under 10 s.
2. The Voila dashboard's first paint on the demo cohort: time from navigation to the
   stage chart being visible in Debian's chromium — target under 5 s. Measured right
   after the server starts and again once its pre-heated kernel is ready.

Run from the repository root: ``python benchmarks/report_bench.py [--trainees N]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import insert

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))  # the browser helpers shared with the tests

COHORT_TARGET_S = 10.0
PAINT_TARGET_S = 5.0


def build_registry(url: str, n: int, today: date, seed: int = 6) -> dict[str, int]:
    """Insert ``n`` synthetic trainees with hours, exam sittings and certificates."""
    from ppskit.dates import add_years
    from ppskit.db import get_engine
    from ppskit.framework import load_framework
    from ppskit.ledger.tables import cert_events, exam_results, hours_entries, trainees

    rng = np.random.default_rng(seed)
    domains = load_framework().domain_ids
    now = datetime.now(UTC)
    meta = {"recorded_by": "bench", "recorded_at": now}
    people, hours, exams, certs = [], [], [], []
    for i in range(n):
        tid = f"T{i:05d}"
        enrolled = today - timedelta(days=int(rng.integers(30, 1100)))
        people.append(
            {
                "trainee_id": tid,
                "name": f"Trainee {i:05d}",
                "birth_date": date(int(rng.integers(1960, 2004)), 5, 17),
                "lived_experience": bool(rng.random() > 0.02),
                "education": "high-school" if rng.random() > 0.03 else "none",
                "id_verified": True,
                "employed_2022_01_01": bool(rng.random() < 0.03),
                "profile": "ca-ppss",
                "enrolled_on": enrolled,
                **meta,
            }
        )
        progress = rng.random()  # how far this trainee got
        covered = domains if progress > 0.25 else domains[: int(rng.integers(2, 12))]
        for k, d in enumerate(covered):
            hours.append(
                {
                    "trainee_id": tid,
                    "date": enrolled + timedelta(days=k + 1),
                    "hours": float(rng.choice([2.0, 3.0, 3.5, 4.0, 5.0])),
                    "category": "core",
                    "topic": d,
                    "source": "session",
                    "verified": bool(rng.random() > 0.05),
                    "note": "bench",
                    **meta,
                }
            )
        if progress < 0.4:
            continue
        sat = enrolled + timedelta(days=20)
        weak = set(rng.choice(domains, size=int(rng.integers(0, 3)), replace=False))
        for d in domains:
            exams.append(
                {
                    "trainee_id": tid,
                    "date": sat,
                    "form": "A",
                    "section": d,
                    "score_pct": float(55 if d in weak else rng.integers(70, 100)),
                    "source": "bench",
                    **meta,
                }
            )
        if weak and rng.random() < 0.7:
            for d in weak:
                exams.append(
                    {
                        "trainee_id": tid,
                        "date": sat + timedelta(days=14),
                        "form": "B",
                        "section": d,
                        "score_pct": float(rng.integers(60, 95)),
                        "source": "bench",
                        **meta,
                    }
                )
        if progress > 0.6 and not weak:
            issued = sat + timedelta(days=10)
            if issued < today:
                certs.append(
                    {
                        "trainee_id": tid,
                        "kind": "issued",
                        "on_date": issued,
                        "expires_on": add_years(issued, 2),
                        "code": f"PPSS-B{i:03d}-{i % 9973:04d}"[:14],
                        "reason": "",
                        **meta,
                    }
                )
                ce_day = issued + timedelta(days=int(rng.integers(30, 500)))
                if ce_day < today:
                    hours.append(
                        {
                            "trainee_id": tid,
                            "date": ce_day,
                            "hours": float(rng.choice([4.0, 8.0, 12.0, 20.0])),
                            "category": "ce",
                            "topic": "iep-special-education",
                            "source": "external",
                            "verified": True,
                            "note": "bench CE",
                            **meta,
                        }
                    )
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(trainees), people)
        conn.execute(insert(hours_entries), hours)
        conn.execute(insert(exam_results), exams)
        if certs:
            conn.execute(insert(cert_events), certs)
    return {"trainees": len(people), "hours": len(hours), "exams": len(exams), "certs": len(certs)}


def time_cohort_report(url: str, out: Path, *extra: str) -> float:
    """Wall-clock seconds of ``ppskit report cohort`` as a user runs it."""
    cmd = [sys.executable, "-m", "ppskit", "report", "cohort", "--db", url, "--out-dir", str(out)]
    start = time.perf_counter()
    done = subprocess.run([*cmd, *extra], capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"report cohort failed:\n{done.stdout}\n{done.stderr}")
    print("   ", done.stdout.strip().splitlines()[0])
    return took


def time_first_paint(workdir: Path) -> list[tuple[str, float]]:
    """Dashboard first paint on the demo cohort, in Debian's chromium."""
    from conftest_browser import chromium_missing_reason, course_copy, jupyter_env, launch, server
    from playwright.sync_api import sync_playwright

    from ppskit.demo import build_demo
    from ppskit.reports.serve import free_port, new_token, voila_command

    reason = chromium_missing_reason()
    if reason:
        print(f"  dashboard first paint: skipped ({reason})")
        return []
    course = course_copy(workdir / "course")
    url = f"sqlite:///{course / 'gradebook' / 'ledger.db'}"
    build_demo(db=url)
    port = free_port()
    token = new_token()  # the dashboard refuses requests without its token
    results = []
    with server(
        voila_command(course / "gradebook" / "dashboard.ipynb", port),
        url=f"http://127.0.0.1:{port}/voila/static/",
        env=jupyter_env(course, url, JUPYTER_TOKEN=token),
        cwd=course,
        log=workdir / "voila.log",
    ):
        with sync_playwright() as p:
            browser = launch(p)
            for label, pause in (("right after start", 0), ("pre-heated kernel ready", 15)):
                time.sleep(pause)
                context = browser.new_context(viewport={"width": 1366, "height": 1000})
                page = context.new_page()
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/?token={token}")
                page.locator('img[alt="Trainees by stage"]').wait_for(
                    state="visible", timeout=120_000
                )
                results.append((label, time.perf_counter() - start))
                context.close()
            browser.close()
    return results


def main() -> None:
    """Build the data, run the timings, print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=10_000)
    parser.add_argument("--no-browser", action="store_true", help="skip the dashboard timing")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ppskit-bench-"))
    try:
        url = f"sqlite:///{tmp / 'registry.db'}"
        start = time.perf_counter()
        counts = build_registry(url, args.trainees, date.today())
        print(
            f"Synthetic registry: {counts['trainees']:,} trainees, {counts['hours']:,} hours "
            f"entries, {counts['exams']:,} exam rows, {counts['certs']:,} certificates "
            f"(built in {time.perf_counter() - start:.1f} s)"
        )
        html = time_cohort_report(url, tmp / "out")
        target = f"(target < {COHORT_TARGET_S:g} s)"
        print(f"  report cohort (HTML):             {html:6.2f} s {target}")
        full = time_cohort_report(url, tmp / "out", "--csv", "--excel")
        print(f"  report cohort (HTML, CSV, Excel): {full:6.2f} s")
        pdf = time_cohort_report(url, tmp / "out", "--pdf")
        print(f"  report cohort (HTML and PDF):     {pdf:6.2f} s")
        paints = [] if args.no_browser else time_first_paint(tmp / "dash")
        for label, secs in paints:
            print(
                f"  dashboard first paint, demo data, {label}: {secs:5.2f} s "
                f"(target < {PAINT_TARGET_S:g} s)"
            )
        ok = html < COHORT_TARGET_S and all(s < PAINT_TARGET_S for label, s in paints[1:])
        print("All targets met." if ok else "A target was missed (see above).")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
