"""Applications for certification and each step of their decision.

* ``applications``: one row per application: the applicant, its ``kind`` (``initial``,
  ``reciprocity`` for an out-of-state applicant, ``transfer`` for a change of county),
  the date it was submitted and ``detail`` (the other state, or the new county).
* ``application_steps``: one row per step, dated, with who recorded it: ``reviewed``
  (``outcome`` eligible/not-eligible, ``reasons`` the rules engine's own messages, one
  per line), ``decided`` (approved/denied, ``stated_reason`` and ``override`` when a
  person's reason goes with or against the engine), ``appealed`` and ``appeal-decided``
  (upheld/denied). An application's stage is computed from its steps.

Append-only like every ledger table: SQLite UPDATE/DELETE/REPLACE triggers, PostgreSQL
row and TRUNCATE triggers.

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only
from ppskit.ledger.ddl import one_of as _one_of

revision = "0007"
down_revision = "0009"
branch_labels = None
depends_on = None

KINDS = ("initial", "reciprocity", "transfer")
STEPS = ("reviewed", "decided", "appealed", "appeal-decided")
OUTCOMES = ("eligible", "not-eligible", "approved", "denied", "upheld")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "applications",
        sa.Column("application_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("kind", KINDS), name="ck_applications_kind"),
    )
    op.create_index("ix_applications_trainee", "applications", ["trainee_id", "submitted_on"])
    _append_only("applications", "application_id", dialect)
    op.create_table(
        "application_steps",
        sa.Column("step_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "application_id",
            sa.Integer,
            sa.ForeignKey("applications.application_id"),
            nullable=False,
        ),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("reasons", sa.Text, nullable=False, server_default=""),
        sa.Column("stated_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("override", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("step", STEPS), name="ck_application_steps_step"),
        sa.CheckConstraint(
            "outcome IS NULL OR " + _one_of("outcome", OUTCOMES),
            name="ck_application_steps_outcome",
        ),
    )
    op.create_index("ix_application_steps_application", "application_steps", ["application_id"])
    _append_only("application_steps", "step_id", dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("application_steps", "applications"):
        drop_append_only(table, dialect)
    op.drop_index("ix_application_steps_application", "application_steps")
    op.drop_table("application_steps")
    op.drop_index("ix_applications_trainee", "applications")
    op.drop_table("applications")
