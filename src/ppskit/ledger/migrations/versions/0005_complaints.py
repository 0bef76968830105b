"""Complaints against a trainee or certificate holder, and each step of their handling.

* ``complaints``: one row per complaint received (seed 002: "a grievance has to be in
  writing"): the trainee it concerns, the date of the event complained about and the
  date it was received. ``summary`` and ``complainant`` hold what was said and by whom;
  they are read only by supervisor output (``ppskit complaints show``), never by
  status, verify, certificates or trainee pages.
* ``complaint_events``: one row per step, dated, with who recorded it: ``investigating``,
  ``findings`` (``outcome`` substantiated/unsubstantiated, ``action``
  none/corrective/suspend/revoke), ``responded`` (the corrective response),
  ``appealed``, ``appeal-decided`` (``outcome`` upheld/denied) and ``closed``. A
  complaint's stage is computed from its steps; nothing is updated.

Append-only like every ledger table: SQLite UPDATE/DELETE/REPLACE triggers, PostgreSQL
row and TRUNCATE triggers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only
from ppskit.ledger.ddl import one_of as _one_of

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STEPS = ("investigating", "findings", "responded", "appealed", "appeal-decided", "closed")
OUTCOMES = ("substantiated", "unsubstantiated", "upheld", "denied")
ACTIONS = ("none", "corrective", "suspend", "revoke")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        # Supervisor-only columns: what the complaint says and who made it.
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("complainant", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("received_on >= event_date", name="ck_complaints_received"),
    )
    op.create_index("ix_complaints_trainee", "complaints", ["trainee_id", "received_on"])
    _append_only("complaints", "complaint_id", dialect)
    op.create_table(
        "complaint_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "complaint_id",
            sa.Integer,
            sa.ForeignKey("complaints.complaint_id"),
            nullable=False,
        ),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("action", sa.String(20), nullable=True),
        # Supervisor-only, like the summary: what the step found or decided, in words.
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("step", STEPS), name="ck_complaint_events_step"),
        sa.CheckConstraint(
            "outcome IS NULL OR " + _one_of("outcome", OUTCOMES),
            name="ck_complaint_events_outcome",
        ),
        sa.CheckConstraint(
            "action IS NULL OR " + _one_of("action", ACTIONS), name="ck_complaint_events_action"
        ),
    )
    op.create_index("ix_complaint_events_complaint", "complaint_events", ["complaint_id"])
    _append_only("complaint_events", "event_id", dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("complaint_events", "complaints"):
        drop_append_only(table, dialect)
    op.drop_index("ix_complaint_events_complaint", "complaint_events")
    op.drop_table("complaint_events")
    op.drop_index("ix_complaints_trainee", "complaints")
    op.drop_table("complaints")
