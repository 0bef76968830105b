"""Status engine benchmark: 100,000 trainees and 5,000,000 ledger rows in SQLite.

Trainees are spread over every packaged profile (mixed rules: per-domain sections and
single-score exams, look-back windows, facts, specialization and work hours).

Prints the time of ``ppskit status --format csv`` for everyone (computed in-process, the
same function the command calls) next to a bare SQL GROUP BY computing the same
per-trainee sums, measured in the same run, and their ratio (target: <= 3x). Both read
the table in storage order (a full scan); the GROUP BY on SQLite's default plan, which
walks the (trainee_id, date) index and is about 3x slower, is printed for reference.

    python benchmarks/status_bench.py [--trainees 100000] [--rows 5000000] [--keep DB]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np


def build(path: Path, n_trainees: int, n_rows: int, seed: int = 7) -> None:
    """Create the schema through ppskit, then bulk-insert synthetic rows."""
    from ppskit.db import get_engine
    from ppskit.framework import load_framework
    from ppskit.policies import available_profiles, declared_facts, load_policy

    get_engine(f"sqlite:///{path}").dispose()
    domains = load_framework().domain_ids
    profiles = available_profiles()
    facts = sorted(declared_facts())
    rng = np.random.default_rng(seed)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = OFF")
    now = "2026-01-01 00:00:00"
    ids = [f"T{i:06d}" for i in range(n_trainees)]
    births = rng.integers(0, 40 * 365, n_trainees)
    con.executemany(
        "INSERT INTO trainees VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                tid,
                f"Trainee {i}",
                (date(1960, 1, 1) + timedelta(days=int(b))).isoformat(),
                1,
                "high-school",
                1,
                1 if i % 50 == 0 else None,
                profiles[i % len(profiles)],
                "2024-01-01",
                "bench",
                now,
            )
            for i, (tid, b) in enumerate(zip(ids, births, strict=True))
        ),
    )
    start = date(2023, 1, 1)
    chunk = 500_000
    written = 0
    while written < n_rows:
        m = min(chunk, n_rows - written)
        t = rng.integers(0, n_trainees, m)
        d = rng.integers(0, 3 * 365, m)
        h = rng.choice([0.5, 1.0, 1.5, 2.0, 3.0], m)
        cat = rng.choice(
            ["core", "core", "core", "core", "ce", "supervision", "work", "specialization"], m
        )
        top = rng.integers(0, len(domains), m)
        ver = rng.random(m) < 0.9
        rows = (
            (
                ids[t[k]],
                (start + timedelta(days=int(d[k]))).isoformat(),
                float(h[k]),
                cat[k],
                domains[top[k]]
                if cat[k] == "core"
                else "parent-caregiver"
                if cat[k] == "specialization"
                else "law-ethics"
                if cat[k] == "ce" and top[k] % 3 == 0
                else "stigma",
                "session",
                int(ver[k]),
                "",
                "bench",
                now,
            )
            for k in range(m)
        )
        con.executemany(
            "INSERT INTO hours_entries (trainee_id, date, hours, category, topic, source,"
            " verified, note, recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        written += m
        print(f"  ... {written:,} ledger rows", file=sys.stderr)
    # Exams for a third of the trainees, certificates for a tenth.
    exam_rows = []
    sections = {p: load_policy(p).sections for p in profiles}  # the ids each profile scores
    for i in range(0, n_trainees, 3):
        for k, s in enumerate(sections[profiles[i % len(profiles)]]):
            exam_rows.append(
                (
                    ids[i],
                    "2025-06-01",
                    "A",
                    s,
                    60.0 if (i + k) % 17 == 0 else 85.0,
                    "import",
                    "bench",
                    now,
                )
            )
    con.executemany(
        "INSERT INTO exam_results (trainee_id, date, form, section, score_pct, source,"
        " recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?,?)",
        exam_rows,
    )
    # Dated facts for every trainee (the profiles that read them look them up).
    con.executemany(
        "INSERT INTO facts (trainee_id, date, fact, value, note, recorded_by, recorded_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            (ids[i], "2024-01-01", f, int((i + j) % 7 != 0), "", "bench", now)
            for i in range(n_trainees)
            for j, f in enumerate(facts)
        ),
    )
    cert_rows = [
        (ids[i], "issued", "2025-07-01", "2027-07-01", f"PPSS-B{i:06d}", "", "bench", now)
        for i in range(0, n_trainees, 10)
    ]
    con.executemany(
        "INSERT INTO cert_events (trainee_id, kind, on_date, expires_on, code, reason,"
        " recorded_by, recorded_at) VALUES (?,?,?,?,?,?,?,?)",
        cert_rows,
    )
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def bare_group_by(path: Path, as_of: str, *, full_scan: bool = True) -> float:
    """The same per-trainee sums (verified core hours by domain, CE hours) in plain SQL.

    ``full_scan``: read the table in storage order, as ``ppskit status`` does for
    everyone. Left alone, SQLite walks the (trainee_id, date) index for the GROUP BY, a
    random table read per row, about 3x slower: a floor only the status engine escapes.
    """
    hint = " NOT INDEXED" if full_scan else ""
    con = sqlite3.connect(path)
    t0 = time.perf_counter()
    rows = con.execute(
        f"SELECT trainee_id, category, topic, SUM(hours) FROM hours_entries{hint}"
        " WHERE date <= ? AND verified = 1 AND category IN ('core', 'ce')"
        " GROUP BY trainee_id, category, topic",
        (as_of,),
    ).fetchall()
    elapsed = time.perf_counter() - t0
    con.close()
    assert rows
    return elapsed


def ppskit_status(url: str, as_of: date) -> tuple[float, int]:
    from ppskit.status_output import render_status

    t0 = time.perf_counter()
    out = render_status(as_of=as_of, fmt="csv", db=url)
    return time.perf_counter() - t0, out.count("\n") - 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trainees", type=int, default=100_000)
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build (or reuse) the database at this path")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    path = args.keep or Path(tmp.name) / "bench.db"
    if not path.exists():
        t0 = time.perf_counter()
        build(path, args.trainees, args.rows)
        print(
            f"built {args.trainees:,} trainees / {args.rows:,} ledger rows "
            f"in {time.perf_counter() - t0:.1f} s"
        )
    url = f"sqlite:///{path}"
    as_of = date(2026, 1, 1)
    from ppskit.db import get_engine

    get_engine(url)  # schema check outside the timings
    sql_times, status_times = [], []
    for _ in range(args.repeat):
        sql_times.append(bare_group_by(path, as_of.isoformat()))
        elapsed, n = ppskit_status(url, as_of)
        status_times.append(elapsed)
    sql_t, st_t = statistics.median(sql_times), statistics.median(status_times)
    planner_t = bare_group_by(path, as_of.isoformat(), full_scan=False)
    print(f"trainees in status CSV       : {n:,}")
    print(f"bare SQL GROUP BY (median)   : {sql_t:.2f} s  (full table scan)")
    print(f"ppskit status --format csv   : {st_t:.2f} s  (in-process, median of {args.repeat})")
    print(f"ratio                        : {st_t / sql_t:.2f}x  (target <= 3x)")
    print(
        f"  (GROUP BY on SQLite's default plan, the (trainee_id, date) index: {planner_t:.2f} s;"
        f" status / that: {st_t / planner_t:.2f}x)"
    )
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ppskit",
            "status",
            "--format",
            "csv",
            "--as-of",
            as_of.isoformat(),
            "--db",
            url,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"whole CLI call (with startup): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
