"""The append-only ledger holds against REPLACE, TRUNCATE, disabled triggers and forged
verification codes: the database itself refuses, whatever client writes."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from conftest import sqlite_path
from sqlalchemy import text

from ppskit.db import get_engine, write_transaction
from ppskit.ledger.certificates import certify, lookup_code
from ppskit.ledger.roles import table_privileges
from ppskit.ledger.tables import LEDGER_TABLES


def _certified(ledger, tid: str = "T1") -> str:
    ledger.trainee(tid)
    ledger.full_training(tid, "2025-01-01")
    ledger.sitting(tid, "2025-03-01")
    return certify(tid, on=date(2025, 3, 10), by="test", db=ledger.url).code


FORGE = (
    "{verb} cert_events (event_id, trainee_id, kind, on_date, expires_on, code, reason,"
    " recorded_by, recorded_at) SELECT event_id, trainee_id, kind, on_date, '2099-01-01',"
    " code, reason, recorded_by, recorded_at FROM cert_events"
)


@pytest.mark.parametrize("verb", ["INSERT OR REPLACE INTO", "REPLACE INTO"])
def test_sqlite_shell_replace_cannot_forge_an_expiry(sqlite_ledger, verb):
    code = _certified(sqlite_ledger)
    shell = sqlite3.connect(sqlite_path(sqlite_ledger.url))  # what the sqlite3 shell does
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        shell.execute(FORGE.format(verb=verb))
    shell.close()
    assert lookup_code(code, db=sqlite_ledger.url)["expires_on"] == "2027-03-10"


@pytest.mark.parametrize("verb", ["INSERT OR REPLACE INTO", "REPLACE INTO"])
def test_replace_through_the_library_transaction_is_refused(sqlite_ledger, verb):
    code = _certified(sqlite_ledger)
    with pytest.raises(Exception, match="append-only"):  # noqa: PT012
        with write_transaction(sqlite_ledger.url) as conn:
            conn.execute(text(FORGE.format(verb=verb)))
    assert lookup_code(code, db=sqlite_ledger.url)["expires_on"] == "2027-03-10"


def test_replace_of_a_trainee_differing_only_in_case_is_refused(sqlite_ledger):
    sqlite_ledger.trainee("T1")
    shell = sqlite3.connect(sqlite_path(sqlite_ledger.url))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        shell.execute(
            "REPLACE INTO trainees SELECT lower(trainee_id), name, birth_date, lived_experience,"
            " education, id_verified, employed_2022_01_01, profile, enrolled_on, recorded_by,"
            " recorded_at FROM trainees"
        )
    names = [r[0] for r in shell.execute("SELECT trainee_id FROM trainees")]
    assert names == ["T1"]


def test_every_ledger_table_refuses_replace(sqlite_db):
    engine = get_engine(sqlite_db)
    with engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
    assert {f"{t}_no_replace" for t in LEDGER_TABLES} <= names


def test_verification_codes_are_unique_in_the_database(ledger):
    code = _certified(ledger)
    engine = get_engine(ledger.url)
    with pytest.raises(Exception, match="(?i)unique|append-only"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cert_events (trainee_id, kind, on_date, code, reason, recorded_by,"
                " recorded_at) VALUES ('T1', 'issued', '2025-03-11', :c, '', 'x', '2025-03-11')"
            ),
            {"c": code},
        )


@pytest.mark.postgres
def test_postgres_app_role_can_only_select_and_insert(pg_roles, tmp_path):
    from conftest import Ledger

    app = pg_roles["app"]
    code = _certified(Ledger(app, tmp_path))
    privileges = table_privileges(get_engine(pg_roles["owner"]), "ppskit_app")
    assert all(p == {"SELECT", "INSERT"} for p in privileges.values()), privileges
    engine = get_engine(app)
    for sql in (
        "TRUNCATE cert_events CASCADE",
        "ALTER TABLE cert_events DISABLE TRIGGER ALL",
        "UPDATE cert_events SET expires_on = '2099-01-01'",
        "DELETE FROM cert_events",
        "DROP TABLE cert_events CASCADE",
        "CREATE TABLE sneaky (x int)",
    ):
        with pytest.raises(Exception, match="permission denied|must be owner"):
            with engine.begin() as conn:
                conn.execute(text(sql))
    assert lookup_code(code, db=app)["expires_on"] == "2027-03-10"


@pytest.mark.postgres
def test_postgres_truncate_is_refused_even_for_the_owner(pg_roles, tmp_path):
    from conftest import Ledger

    _certified(Ledger(pg_roles["app"], tmp_path))
    engine = get_engine(pg_roles["owner"])
    for table in LEDGER_TABLES:
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table} CASCADE"))


@pytest.mark.postgres
def test_app_role_meeting_an_old_schema_says_the_owner_must_upgrade(pg_roles):
    from alembic import command
    from sqlalchemy import create_engine

    from ppskit.ledger.migrate import SchemaOutOfDate, _alembic_config
    from ppskit.ledger.roles import grant_app_role

    # A fresh database at revision 0001 only, as after an older ppskit release.
    admin = create_engine(pg_roles["admin"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public AUTHORIZATION ppskit_owner"))
    admin.dispose()
    owner = create_engine(pg_roles["owner"])
    cfg = _alembic_config()
    with owner.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    grant_app_role(owner, "ppskit_app")
    owner.dispose()
    with pytest.raises(SchemaOutOfDate, match="ppskit db upgrade --db OWNER_URL"):
        get_engine(pg_roles["app"] + "?application_name=old-schema")


def test_cli_db_upgrade_reports_the_revision(tmp_path):
    from typer.testing import CliRunner

    from ppskit.cli import app
    from ppskit.ledger.migrate import head_revision

    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = CliRunner().invoke(app, ["db", "upgrade", "--db", url])
    assert result.exit_code == 0 and f"revision {head_revision()}" in result.output
    result = CliRunner().invoke(app, ["db", "grant", "ppskit_app", "--db", url])
    assert result.exit_code == 1 and "PostgreSQL only" in result.output


def test_cli_verify_of_a_replaced_code_says_replaced_and_exits_non_zero(ledger):
    from typer.testing import CliRunner

    from ppskit.cli import app
    from ppskit.ledger.certificates import renew

    later = date(2027, 3, 1)
    old = _certified(ledger)
    ledger.hours([["T1", "2026-01-10", 20, "ce", "stigma", "external", "yes", ""]], today=later)
    new = renew("T1", on=date(2027, 1, 10), by="board", db=ledger.url, today=later).code
    run = CliRunner().invoke
    replaced = run(app, ["verify", old, "--as-of", "2027-01-11", "--db", ledger.url])
    assert replaced.exit_code == 1 and replaced.output.startswith("REPLACED")
    assert new in replaced.output  # points at the code now in force
    valid = run(app, ["verify", new, "--as-of", "2027-01-11", "--db", ledger.url])
    assert valid.exit_code == 0 and valid.output.startswith("VALID")


def test_status_for_an_id_differing_in_case_names_the_registered_one(ledger):
    from typer.testing import CliRunner

    from ppskit.cli import app

    ledger.trainee("T1")
    result = CliRunner().invoke(app, ["status", "--trainee", "t1", "--db", ledger.url])
    assert result.exit_code == 1
    assert "unknown trainee 't1'; did you mean 'T1'?" in result.output
    result = CliRunner().invoke(app, ["status", "--trainee", "T9", "--db", ledger.url])
    assert result.exit_code == 1 and "did you mean" not in result.output
