"""Exam sittings held for review, extra-time accommodations, and the cut each section
score was judged against.

* ``sitting_events``: what happened to one handed-in sitting before (or instead of) its
  scores reaching ``exam_results``: ``held-pending`` (items wait for a trainer's manual
  grade), ``held-flagged`` (the notebook was changed outside its answer boxes),
  ``accepted`` / ``rejected`` (``ppskit exam review``: who, when, why), ``recorded``
  (its scores were recorded), ``refused`` (a second hand-in of a sitting already
  recorded). A sitting is ``(trainee_id, assignment, handed_in_at)``; its latest event
  is its state.
* ``accommodations``: extra time granted to a trainee for exams, in percent of the
  standard time, with the reason and who granted it; the latest row on or before a
  date holds (0 withdraws it).
* ``exam_results.cut_pct``: the pass mark the section score is compared with when a
  form has its own standard-setting cut (null: the profile's pass mark).

Append-only like every ledger table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

EVENTS = ("held-pending", "held-flagged", "accepted", "rejected", "recorded", "refused")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "sitting_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("assignment", sa.String(100), nullable=False),
        sa.Column("form", sa.String(20), nullable=False),
        sa.Column("handed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "event IN (" + ", ".join(f"'{e}'" for e in EVENTS) + ")",
            name="ck_sitting_events_event",
        ),
    )
    op.create_index(
        "ix_sitting_events_sitting", "sitting_events", ["trainee_id", "assignment", "handed_in_at"]
    )
    _append_only("sitting_events", "event_id", dialect)
    op.create_table(
        "accommodations",
        sa.Column("accommodation_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("granted_on", sa.Date, nullable=False),
        sa.Column("extra_time_pct", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "extra_time_pct >= 0 AND extra_time_pct <= 300", name="ck_accommodations_extra"
        ),
    )
    op.create_index("ix_accommodations_trainee", "accommodations", ["trainee_id", "granted_on"])
    _append_only("accommodations", "accommodation_id", dialect)
    # A nullable column added to an append-only table: existing rows keep null (the
    # profile's pass mark), and the table's triggers stay as they are.
    with op.batch_alter_table("exam_results", recreate="never") as batch:
        batch.add_column(sa.Column("cut_pct", sa.Float, nullable=True))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("exam_results", recreate="never") as batch:
        batch.drop_column("cut_pct")
    for table in ("accommodations", "sitting_events"):
        drop_append_only(table, dialect)
    op.drop_index("ix_accommodations_trainee", "accommodations")
    op.drop_table("accommodations")
    op.drop_index("ix_sitting_events_sitting", "sitting_events")
    op.drop_table("sitting_events")
