"""PostgreSQL roles: an owner that migrates, an app role that can only read and append.

Triggers refuse UPDATE, DELETE and TRUNCATE, but a table's owner can disable triggers.
So in production ppskit connects as a role that owns nothing and holds only SELECT and
INSERT on the ledger (plus the sequences that number its rows); schema changes run with
the owner's URL (``ppskit db upgrade``). See docs/ledger.md.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from ppskit.ledger.tables import LEDGER_TABLES

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """Give ``role`` exactly SELECT and INSERT on the ledger tables and read access to
    the schema version; revoke everything else it held. Returns the statements run.

    Run with the owner's (or a superuser's) connection after ``ppskit db upgrade``.
    """
    if engine.dialect.name != "postgresql":
        raise ValueError("roles and grants apply to PostgreSQL only; SQLite has no roles")
    if not _ROLE.match(role):
        raise ValueError(f"'{role}' is not a plain PostgreSQL role name")
    with engine.connect() as conn:
        present = set(
            conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
    # A schema at an older revision lacks the newer tables; grant what is there (the
    # grant is run again after ``ppskit db upgrade``).
    tables = ", ".join(t for t in LEDGER_TABLES if t in present)
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}",
        f"REVOKE CREATE ON SCHEMA public FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT ON {tables} TO {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
    ]
    with engine.begin() as conn:
        owner = conn.execute(
            text("SELECT tableowner FROM pg_tables WHERE tablename = 'trainees'")
        ).scalar()
        if owner == role:
            raise ValueError(
                f"'{role}' owns the ledger tables, and an owner can disable the append-only "
                "triggers; create the tables as another role (the owner) and grant this one"
            )
        for sql in statements:
            conn.execute(text(sql))
    return statements


def table_privileges(engine: Engine, role: str) -> dict[str, set[str]]:
    """The privileges ``role`` holds on each ledger table (for ``ppskit doctor`` and tests)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants"
                " WHERE grantee = :role"
            ),
            {"role": role},
        ).all()
    out: dict[str, set[str]] = {t: set() for t in LEDGER_TABLES}
    for table, privilege in rows:
        if table in out:
            out[table].add(privilege)
    return out
