"""Run the Alembic migrations programmatically, once per database, safely in parallel."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text


@cache
def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return cfg


@cache
def head_revision() -> str:
    """The newest migration revision id."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    # Several processes may open a new database at once (e.g. parallel hour logging).
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with open(f"{engine.url.database}.migrate-lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield
    elif engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(424243)"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(424243)"))
                conn.commit()
    else:
        yield


class SchemaOutOfDate(RuntimeError):
    """The database needs a migration this connection may not run (an app role)."""


def upgrade_to_head(engine: Engine) -> None:
    """Apply any pending migrations to ``engine``'s database.

    On PostgreSQL the app role holds no schema rights (see :mod:`ppskit.ledger.roles`):
    if it meets an older schema it says who must migrate instead of a privilege error.
    """
    if current_revision(engine) == head_revision():
        return
    from alembic import command
    from sqlalchemy.exc import ProgrammingError

    with _migration_lock(engine):
        found = current_revision(engine)
        if found == head_revision():
            return
        cfg = _alembic_config()
        try:
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except ProgrammingError as exc:
            # 42501 insufficient_privilege: "permission denied", "must be owner of ..."
            if getattr(exc.orig, "sqlstate", None) != "42501":
                raise
            raise SchemaOutOfDate(
                f"The ledger at {engine.url.render_as_string()} is at schema revision "
                f"{found or 'none'} and this ppskit needs {head_revision()}, but user "
                f"'{engine.url.username}' may not change the schema. The database owner "
                "must run: ppskit db upgrade --db OWNER_URL"
            ) from None
