"""Observed skill checks of facilitated sessions.

* ``skill_checks``: one row per skill check a trainer scored at a facilitated session
  (``ppskit sessions record``): the trainee, the session guide, the date, the session's
  hours entry (``hours_entries``, source ``session``; nullable so that a check can stand
  on its own), the levels given per rubric criterion (``scores``, JSON
  ``{criterion: level}``), their total, whether the guide's pass rule was met, who
  observed and a note. Voiding the hours entry voids the check (through the hours
  events), so a wrongly recorded session is voided and recorded again; the library
  refuses a second live record of a guide for the same trainee and day.

Append-only like every ledger table: SQLite UPDATE/DELETE/REPLACE triggers, PostgreSQL
row and TRUNCATE triggers.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "skill_checks",
        sa.Column("check_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("guide_id", sa.String(64), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("hours_entries.entry_id"), nullable=True),
        sa.Column("scores", sa.Text, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("observer", sa.String(100), nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("total >= 0", name="ck_skill_checks_total"),
    )
    # Not unique: a voided record may be followed by its correction. Writers are
    # serialised (ppskit.db.write_transaction), so the library's check cannot race.
    op.create_index(
        "ix_skill_checks_trainee", "skill_checks", ["trainee_id", "guide_id", "on_date"]
    )
    _append_only("skill_checks", "check_id", dialect)


def downgrade() -> None:
    drop_append_only("skill_checks", op.get_bind().dialect.name)
    op.drop_index("ix_skill_checks_trainee", "skill_checks")
    op.drop_table("skill_checks")
