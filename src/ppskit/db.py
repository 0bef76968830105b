"""Database location, engines and schema migrations.

The ledger lives in SQLite under ``gradebook/`` by default and in PostgreSQL (or any
SQLAlchemy URL) when ``--db URL`` or ``PPSKIT_DB`` says so.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

DEFAULT_URL = "sqlite:///gradebook/ppskit.db"
ENV_VAR = "PPSKIT_DB"


def course_root(start: Path | None = None) -> Path:
    """The course directory: the nearest folder at or above ``start`` holding
    ``nbgrader_config.py``; the current directory when there is none.

    Notebooks run with their own folder as working directory, so relative database
    paths are resolved here rather than against the working directory.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file():
            return folder
    return here


def resolve_url(url: str | None = None) -> str:
    """Turn ``url`` (or ``$PPSKIT_DB``, or the default) into an absolute SQLAlchemy URL."""
    raw = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    parsed = make_url(raw)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.is_absolute():
            path = course_root() / path
        path.parent.mkdir(parents=True, exist_ok=True)
        parsed = parsed.set(database=str(path))
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    # WAL lets readers work while one writer writes; BEGIN IMMEDIATE takes the write lock
    # up front so concurrent writers queue (busy_timeout) instead of failing on upgrade.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 60000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def get_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (or ``$PPSKIT_DB``, or the default), with the schema
    migrated to head; one engine per resolved URL for the life of the process."""
    return _engine_for(resolve_url(url))


@cache
def _engine_for(resolved: str) -> Engine:
    is_sqlite = resolved.startswith("sqlite")
    kwargs = {"connect_args": {"timeout": 60}} if is_sqlite else {"pool_pre_ping": True}
    engine = create_engine(resolved, **kwargs)
    if is_sqlite:
        _configure_sqlite(engine)
    migrate(engine)
    return engine


@contextlib.contextmanager
def write_transaction(url: str | None = None) -> Iterator[Connection]:
    """One all-or-nothing write transaction; rolled back on any error.

    On SQLite the write lock is taken at BEGIN, so the checks made inside the
    transaction (duplicates, sums per day) still hold when the rows are inserted.
    """
    engine = get_engine(url)
    conn = engine.connect()
    if engine.dialect.name == "sqlite":
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
    try:
        with conn.begin():
            if engine.dialect.name == "postgresql":
                # Serialise writers so duplicate checks can't race.
                conn.execute(text("SELECT pg_advisory_xact_lock(424242)"))
            yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def read_connection(url: str | None = None) -> Iterator[Connection]:
    """A read-only use of the database."""
    engine = get_engine(url)
    with engine.connect() as conn:
        yield conn


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (no-op when already there)."""
    from ppskit.ledger.migrate import upgrade_to_head

    upgrade_to_head(engine)
