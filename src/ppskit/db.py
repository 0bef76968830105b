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


class LedgerNotFound(FileNotFoundError):
    """A command that only reads was pointed at a SQLite ledger that does not exist."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(
            f"No ledger found at {path}. Register trainees first with "
            "'ppskit trainees import FILE', or pass --db URL."
        )


def _sqlite_file(parsed) -> Path | None:  # noqa: ANN001
    # The file of a SQLite URL (relative paths against the course root); None otherwise.
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return path if path.is_absolute() else course_root() / path


def resolve_url(url: str | None = None) -> str:
    """Turn ``url`` (or ``$PPSKIT_DB``, or the default) into an absolute SQLAlchemy URL.

    Only computes: nothing is created on disk (see :func:`get_engine`)."""
    parsed = make_url(url or os.environ.get(ENV_VAR) or DEFAULT_URL)
    path = _sqlite_file(parsed)
    if path is not None:
        parsed = parsed.set(database=str(path))
    return parsed.render_as_string(hide_password=False)


def require_ledger(url: str | None = None) -> str:
    """The resolved URL of an existing ledger; ``LedgerNotFound`` when ``url`` names a
    SQLite file that does not exist. Creates nothing. (A server database such as
    PostgreSQL is not checked here: connecting says whether it exists.)"""
    resolved = resolve_url(url)
    path = _sqlite_file(make_url(resolved))
    if path is not None and not path.is_file():
        raise LedgerNotFound(path)
    return resolved


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
    migrated to head; one engine per resolved URL for the life of the process.

    This is the write path's engine: a SQLite file that does not exist yet is created
    (with its folder). Readers go through :func:`read_connection`, which refuses one.
    """
    resolved = resolve_url(url)
    path = _sqlite_file(make_url(resolved))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return _engine_for(resolved)


def ensure_ledger(url: str | None = None) -> Engine:
    """Create the ledger for ``url`` if it does not exist yet and migrate it to the
    newest schema (what the first write does); for callers such as ``ppskit demo`` that
    read before they write on a brand-new ledger."""
    return get_engine(url)


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
    """A read-only use of the database.

    Never creates a ledger: a SQLite file that does not exist raises
    :class:`LedgerNotFound` (call :func:`ensure_ledger` first where reading an empty
    new ledger is meant). An existing ledger with an older schema is migrated to the
    newest one, as every other use does.
    """
    engine = get_engine(require_ledger(url))
    with engine.connect() as conn:
        yield conn


def full_scan_hint(conn: Connection) -> str:
    """Table hint for one pass over every trainee's rows of ``hours_entries``: SQLite
    would otherwise walk the (trainee_id, date) index for a GROUP BY trainee_id, a
    random table read per row (about 3x slower). Empty on other databases."""
    return " NOT INDEXED" if conn.dialect.name == "sqlite" else ""


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (no-op when already there)."""
    from ppskit.ledger.migrate import upgrade_to_head

    upgrade_to_head(engine)
