"""JupyterHub accounts linked to trainees (``ppskit hub link``).

* ``hub_accounts``: one row per link of a hub account name (lower case, as JupyterHub
  spells its users) to a registered trainee, with who recorded it and when. The latest
  row per account is the link in force; a correction is a new row.

Append-only like every ledger table: SQLite UPDATE/DELETE/REPLACE triggers, PostgreSQL
row and TRUNCATE triggers.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "hub_accounts",
        sa.Column("account_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(account) > 0", name="ck_hub_accounts_account"),
    )
    # The service looks an account up on every request.
    op.create_index("ix_hub_accounts_account", "hub_accounts", ["account"])
    _append_only("hub_accounts", "account_id", dialect)


def downgrade() -> None:
    drop_append_only("hub_accounts", op.get_bind().dialect.name)
    op.drop_index("ix_hub_accounts_account", "hub_accounts")
    op.drop_table("hub_accounts")
