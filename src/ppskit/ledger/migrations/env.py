"""Alembic environment: ppskit passes its own connection in ``config.attributes``."""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via ppskit.ledger.migrate
    raise RuntimeError("run migrations through ppskit.db.get_engine()")
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
