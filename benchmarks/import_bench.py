"""Hours import speed and memory against the floor of a bare ``executemany``.

For each size (default 1,000,000 and 5,000,000 rows; ``--quick``: 100,000) this writes a
valid hours CSV for many trainees, then, each in its own child process on a fresh copy
of the same migrated SQLite ledger (triggers included, trainees registered):

* ``ppskit.imports.import_hours`` on the file (read, validate, check, insert);
* the floor: the same rows, already in memory as tuples in the stored form, inserted by
  one ``sqlite3`` ``executemany`` into the same table in one transaction.

It prints rows/s and each child's peak resident memory (``ru_maxrss``) as a table.
Targets: the import reaches at least 1/5 of the floor's rows/s, and stays under 500 MB
at 5,000,000 rows.

    python benchmarks/import_bench.py            # 1M and 5M rows
    python benchmarks/import_bench.py --quick    # 100k rows
    python benchmarks/import_bench.py 200000 --trainees 5000
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

TODAY = date(2026, 6, 1)
START = date(2010, 1, 1)
SOURCES = ("session", "external", "module")


def write_hours_csv(path: Path, rows: int, trainees: int) -> None:
    """Valid rows: each trainee gets two rows (two domains, 1–4 hours each) per day."""
    from ppskit.framework import load_framework
    from ppskit.records import HOURS_COLUMNS

    domains = load_framework().domain_ids
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HOURS_COLUMNS)
        for i in range(rows):
            pair, second = divmod(i, 2)
            day_no, t = divmod(pair, trainees)
            day = START + timedelta(days=day_no)
            topic = domains[(day_no * 2 + second + t) % len(domains)]
            hours = 1 + (i % 13) * 0.25
            w.writerow(
                [
                    f"B{t:06d}",
                    day.isoformat(),
                    f"{hours:g}",
                    "core",
                    topic,
                    SOURCES[i % 3],
                    "yes" if i % 4 else "no",
                    f"bench row {i % 97}",
                ]
            )


def make_template(path: Path, trainees: int, tmp: Path) -> None:
    """A migrated SQLite ledger with the trainees registered, closed and checkpointed."""
    from ppskit.db import get_engine
    from ppskit.imports import import_trainees
    from ppskit.records import TRAINEE_COLUMNS

    people = tmp / "trainees.csv"
    with people.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(TRAINEE_COLUMNS)
        for t in range(trainees):
            w.writerow([f"B{t:06d}", f"Bench {t}", "1980-01-01", "yes", "ged", "yes", "", ""])
    url = f"sqlite:///{path}"
    import_trainees(people, by="bench", db=url, today=TODAY)
    get_engine(url).dispose()


def child_import(db: Path, hours_csv: Path) -> dict:
    """Run ppskit's import; seconds for the call itself."""
    from ppskit.imports import import_hours

    url = f"sqlite:///{db}"
    from ppskit.db import get_engine

    get_engine(url)  # open and check the schema before the clock starts
    t0 = time.perf_counter()
    out = import_hours(hours_csv, by="bench", db=url, today=TODAY)
    seconds = time.perf_counter() - t0
    return {"rows": out.written, "seconds": seconds}


def child_floor(db: Path, hours_csv: Path) -> dict:
    """The floor: rows as stored tuples in memory, one executemany, one transaction."""
    recorded_at = datetime(2026, 6, 1, 12, 0, 0).isoformat(sep=" ", timespec="microseconds")
    strings: dict[str, str] = {}  # shared strings, so 5M tuples fit in memory

    def s(x: str) -> str:
        return strings.setdefault(x, x)

    with hours_csv.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = [
            (s(t), s(d), float(h), s(c), s(tp), s(src), int(v == "yes"), s(n), "bench", recorded_at)
            for t, d, h, c, tp, src, v, n in reader
        ]
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("PRAGMA synchronous = NORMAL")
    t0 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany(
        "INSERT INTO hours_entries (trainee_id, date, hours, category, topic, source, verified,"
        " note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.execute("COMMIT")
    seconds = time.perf_counter() - t0
    con.close()
    return {"rows": len(rows), "seconds": seconds}


def run_child(kind: str, db: Path, hours_csv: Path) -> dict:
    """Run one measurement in a fresh interpreter; adds its peak RSS in MB."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(db), str(hours_csv)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} child failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Command line: sizes, --quick, --trainees."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, help="rows per run (default 1M and 5M)")
    ap.add_argument("--quick", action="store_true", help="one run of 100,000 rows")
    ap.add_argument("--trainees", type=int, default=20_000, help="trainees in the file")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, db, hours_csv = args.child
        fn = child_import if kind == "import" else child_floor
        result = fn(Path(db), Path(hours_csv))
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    sizes = [100_000] if args.quick else (args.sizes or [1_000_000, 5_000_000])
    results = []
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        tmp = Path(tmp)
        template = tmp / "template.db"
        make_template(template, args.trainees, tmp)
        for n in sizes:
            hours_csv = tmp / f"hours-{n}.csv"
            write_hours_csv(hours_csv, n, args.trainees)
            size_mb = hours_csv.stat().st_size / 2**20
            for kind in ("import", "floor"):
                db = tmp / f"{kind}-{n}.db"
                shutil.copy(template, db)
                r = run_child(kind, db, hours_csv)
                if r["rows"] != n:
                    raise SystemExit(f"{kind} wrote {r['rows']} rows, expected {n}")
                results.append((n, kind, size_mb, r))
                db.unlink()
                for side in ("-wal", "-shm"):
                    Path(f"{db}{side}").unlink(missing_ok=True)
            hours_csv.unlink()
    print(f"hours import into SQLite, {args.trainees:,} trainees, fresh migrated ledger")
    head = f"{'rows':>10}  {'CSV MB':>7}  {'path':<28}{'seconds':>9}{'rows/s':>10}{'peak MB':>9}"
    print(head)
    print("-" * len(head))
    floors = {n: r for n, kind, _, r in results if kind == "floor"}
    for n, kind, size_mb, r in results:
        label = "ppskit import_hours" if kind == "import" else "bare executemany (floor)"
        rate = r["rows"] / r["seconds"]
        print(
            f"{n:>10,}  {size_mb:>7.0f}  {label:<28}{r['seconds']:>9.1f}{rate:>10,.0f}"
            f"{r['peak_mb']:>9.0f}"
        )
    print()
    for n, kind, _, r in results:
        if kind != "import":
            continue
        f = floors[n]
        ratio = (r["rows"] / r["seconds"]) / (f["rows"] / f["seconds"])
        ok_speed = "ok" if ratio >= 0.2 else "BELOW TARGET"
        ok_mem = "ok" if r["peak_mb"] < 500 else "OVER TARGET"
        print(
            f"{n:>10,} rows: import/floor = {ratio:.2f} (target >= 0.20: {ok_speed}); "
            f"peak {r['peak_mb']:.0f} MB (target < 500 MB: {ok_mem})"
        )


if __name__ == "__main__":
    main()
