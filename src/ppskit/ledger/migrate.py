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


def upgrade_to_head(engine: Engine) -> None:
    """Apply any pending migrations to ``engine``'s database."""
    if current_revision(engine) == head_revision():
        return
    from alembic import command

    with _migration_lock(engine):
        if current_revision(engine) == head_revision():
            return
        cfg = _alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
