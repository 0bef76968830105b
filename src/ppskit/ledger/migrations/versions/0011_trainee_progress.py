"""Trainee progress that comes back: saved exercise answers and the active time a
module took.

* ``exercise_answers``: the answer a trainee gave when an exercise was finished (choice
  ticks, sort placements, the decision path), as JSON; the latest row of an exercise is
  what the notebook restores. Reflections and story drafts are not here: they stay in
  the trainee's private journal (see ``ppskit.exercises.storage``).
* ``module_time``: the active minutes measured in the notebook, written with the
  module's "Record my hours" entry, so the trainer who verifies sees both.

Append-only like every ledger table.

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("module_time", "exercise_answers")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "exercise_answers",
        sa.Column("answer_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("trainee_id", sa.String(64), nullable=False),
        sa.Column("module_id", sa.String(64), nullable=False),
        sa.Column("exercise_id", sa.String(100), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_exercise_answers_trainee", "exercise_answers", ["trainee_id", "module_id"])
    _append_only("exercise_answers", "answer_id", dialect)
    op.create_table(
        "module_time",
        sa.Column("time_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("hours_entries.entry_id"), nullable=False),
        sa.Column("trainee_id", sa.String(64), nullable=False),
        sa.Column("module_id", sa.String(64), nullable=False),
        sa.Column("active_minutes", sa.Float, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "active_minutes >= 0 AND active_minutes <= 100000", name="ck_module_time_minutes"
        ),
    )
    op.create_index("ix_module_time_entry", "module_time", ["entry_id"])
    _append_only("module_time", "time_id", dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        drop_append_only(table, dialect)
    op.drop_index("ix_module_time_entry", "module_time")
    op.drop_index("ix_exercise_answers_trainee", "exercise_answers")
    for table in TABLES:
        op.drop_table(table)
