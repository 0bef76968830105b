"""The ledger is append-only, verification/voiding are new rows, and parallel writers
lose nothing."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from ppskit.db import get_engine
from ppskit.imports import ImportRejected, log_hours, verify_hours, void_hours
from ppskit.ledger.api import hours_frame, record_module_hours
from ppskit.ledger.tables import LEDGER_TABLES


def test_update_and_delete_are_refused_by_the_database(ledger):
    ledger.trainee("T1")
    ledger.hours([["T1", "2025-01-10", 2, "core", "culture", "session", "no", ""]])
    engine = get_engine(ledger.url)
    for sql in (
        "UPDATE hours_entries SET hours = 5",
        "DELETE FROM hours_entries",
        "UPDATE trainees SET name = 'x'",
        "DELETE FROM trainees",
    ):
        # SQLite: the trigger; PostgreSQL: the app role holds no UPDATE/DELETE at all.
        with (
            pytest.raises(Exception, match="append-only|permission denied"),
            engine.begin() as conn,
        ):
            conn.execute(text(sql))
    assert hours_frame(db=ledger.url)["hours"].tolist() == [2.0]


def test_all_ledger_tables_have_triggers(sqlite_db):
    engine = get_engine(sqlite_db)
    with engine.connect() as conn:
        names = {
            r[0]
            for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        }
    for table in LEDGER_TABLES:
        assert {f"{table}_no_update", f"{table}_no_delete"} <= names


def test_verify_and_void_are_new_rows_with_who(ledger):
    ledger.trainee("T1")
    out = ledger.hours(
        [
            ["T1", "2025-01-10", 2, "core", "culture", "module", "no", ""],
            ["T1", "2025-01-11", 3, "core", "culture", "module", "no", ""],
        ]
    )
    verify_hours(out.ids, by="Trainer Tess", db=ledger.url)
    void_hours(out.ids[1], reason="logged twice by mistake", by="Trainer Tess", db=ledger.url)
    df = hours_frame(db=ledger.url).set_index("entry_id")
    assert df["verified"].all() and list(df["verified_by"]) == ["Trainer Tess"] * 2
    assert list(df["voided"]) == [False, True]
    assert list(df["hours"]) == [2.0, 3.0]  # the original rows are untouched


def test_verify_refuses_unknown_voided_or_already_verified(ledger):
    ledger.trainee("T1")
    out = ledger.hours(
        [
            ["T1", "2025-01-10", 2, "core", "culture", "module", "no", ""],
            ["T1", "2025-01-11", 2, "core", "culture", "module", "yes", ""],
        ]
    )
    void_hours(out.ids[0], reason="wrong", by="x", db=ledger.url)
    with pytest.raises(ImportRejected) as exc:
        verify_hours([out.ids[0], out.ids[1], 999], by="T", db=ledger.url)
    msgs = [e.message for e in exc.value.errors]
    assert msgs == [
        f"entry {out.ids[0]} was voided and cannot be verified",
        f"entry {out.ids[1]} is already verified",
        "entry 999 does not exist",
    ]
    with pytest.raises(ImportRejected, match="already voided"):
        void_hours(out.ids[0], reason="again", by="x", db=ledger.url)


def test_void_then_relog_the_same_row_is_allowed(ledger):
    ledger.trainee("T1")
    row = ["T1", "2025-01-10", 2, "core", "culture", "session", "yes", ""]
    out = ledger.hours([row])
    void_hours(out.ids[0], reason="wrong topic", by="x", db=ledger.url)
    assert ledger.hours([row]).written == 1


def test_record_module_hours_is_idempotent(ledger):
    ledger.trainee("T1")
    first = record_module_hours("T1", "culture", on=date(2025, 1, 10), db=ledger.url)
    again = record_module_hours("T1", "culture", on=date(2025, 1, 11), db=ledger.url)
    assert first.created and not again.created
    assert again.entry_id == first.entry_id and "already recorded" in again.message
    df = hours_frame(db=ledger.url)
    assert len(df) == 1
    row = df.iloc[0]
    assert (row["category"], row["topic"], row["source"], bool(row["verified"])) == (
        "core",
        "culture",
        "module",
        False,
    )
    ce = record_module_hours("T1", "iep-special-education", on=date(2025, 1, 12), db=ledger.url)
    assert ce.created and "continuing-education" in ce.message


def _log_many(args):
    url, worker, n = args
    start = date(2025, 1, 1)
    errors = []
    for i in range(n):
        row = {
            "trainee_id": "T1",
            "date": (start + timedelta(days=i)).isoformat(),
            "hours": "0.25",
            "category": "core",
            "topic": "culture",
            "source": "session",
            "verified": "yes",
            "note": f"worker {worker} entry {i}",
        }
        try:
            log_hours(row, by=f"w{worker}", db=url)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(repr(exc))
    return errors


def test_eight_processes_logging_at_once_lose_nothing(sqlite_ledger):
    sqlite_ledger.trainee("T1")
    ctx = mp.get_context("spawn")  # fresh interpreters, like 8 separate CLI calls
    with ctx.Pool(8) as pool:
        results = pool.map(_log_many, [(sqlite_ledger.url, w, 25) for w in range(8)])
    assert [e for errs in results for e in errs] == []
    df = hours_frame(db=sqlite_ledger.url)
    assert len(df) == 200
    assert df["hours"].sum() == pytest.approx(50.0)


def test_fresh_database_opened_by_many_processes_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    ctx = mp.get_context("spawn")
    with ctx.Pool(4) as pool:
        pool.map(get_engine_url, [url] * 4)
    with get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def get_engine_url(url: str) -> str:
    return str(get_engine(url).url)
