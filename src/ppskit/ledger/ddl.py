"""Schema statements the migrations share: the append-only guard of a ledger table.

Every ledger table refuses to change what it holds, in the database itself:

* SQLite: BEFORE UPDATE and BEFORE DELETE triggers abort, and a BEFORE INSERT trigger
  refuses a row whose key is already recorded (``INSERT OR REPLACE`` / ``REPLACE INTO``
  would otherwise delete the old row silently);
* PostgreSQL: a row trigger calls ``ppskit_append_only()`` (migration 0001) on UPDATE
  or DELETE, and a statement trigger on TRUNCATE.

Migrations 0004 onwards call :func:`append_only` for each table they create, so every
table gets the same guard under the same trigger names.
"""

from __future__ import annotations

from alembic import op


def append_only(table: str, key: str, dialect: str) -> None:
    """Create the append-only triggers of ``table`` (primary key column ``key``)."""
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the ppskit ledger is append-only'); END"
            )
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {key} = NEW.{key}) "
            "BEGIN SELECT RAISE(ABORT, 'the ppskit ledger is append-only: "
            "a row with this key is already recorded'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION ppskit_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ppskit_append_only()"
        )


def drop_append_only(table: str, dialect: str) -> None:
    """Drop the guard :func:`append_only` made (a downgrade, before the table goes).
    PostgreSQL's triggers go with their table; SQLite's are dropped by name."""
    if dialect == "sqlite":
        for name in ("no_update", "no_delete", "no_replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{name}")


def one_of(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: ``column`` holds one of ``values``."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
