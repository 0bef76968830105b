"""Accommodation requests and their decisions, and the fee ledger.

* ``accommodation_requests``: one row per request for a test accommodation
  (``extra-time``, ``reader``, ``separate-room``, ``other``) for an exam date, with the
  date it was received and, for extra time, the percent asked. ``details`` is read only
  by supervisor output (it may describe a disability).
* ``accommodation_decisions``: the one decision on a request (``approved`` or
  ``denied``), dated, with the reason and who decided; a unique index keeps it to one.
  An approved extra-time request also writes an ``accommodations`` row (0004), which is
  what delivery reads.
* ``fee_charges``: a fee charged to a trainee, in cents: the profile's schedule amount
  in force on the day (``schedule_cents``) or an override with its reason.
* ``fee_payments``: a payment received, in cents, with its method and receipt reference.
  A balance is charges minus payments; nothing is updated.

Append-only like every ledger table: SQLite UPDATE/DELETE/REPLACE triggers, PostgreSQL
row and TRUNCATE triggers.

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only
from ppskit.ledger.ddl import one_of as _one_of

revision = "0008"
down_revision = "0010"
branch_labels = None
depends_on = None

KINDS = ("extra-time", "reader", "separate-room", "other")
DECISIONS = ("approved", "denied")
TABLES = ("accommodation_requests", "accommodation_decisions", "fee_charges", "fee_payments")


def _trainee() -> sa.Column:
    return sa.Column(
        "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
    )


def _stamp() -> list[sa.Column]:
    return [
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "accommodation_requests",
        sa.Column("request_id", sa.Integer, primary_key=True, autoincrement=True),
        _trainee(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("exam_date", sa.Date, nullable=False),
        sa.Column("extra_time_pct", sa.Float, nullable=True),
        sa.Column("details", sa.Text, nullable=False, server_default=""),
        *_stamp(),
        sa.CheckConstraint(_one_of("kind", KINDS), name="ck_accommodation_requests_kind"),
        sa.CheckConstraint("exam_date >= received_on", name="ck_accommodation_requests_dates"),
        # The bounds of the accommodations table (0004): an approved request must fit it.
        sa.CheckConstraint(
            "(kind = 'extra-time' AND extra_time_pct > 0 AND extra_time_pct <= 300)"
            " OR (kind <> 'extra-time' AND extra_time_pct IS NULL)",
            name="ck_accommodation_requests_extra",
        ),
    )
    op.create_index("ix_accommodation_requests_trainee", "accommodation_requests", ["trainee_id"])
    _append_only("accommodation_requests", "request_id", dialect)
    op.create_table(
        "accommodation_decisions",
        sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "request_id",
            sa.Integer,
            sa.ForeignKey("accommodation_requests.request_id"),
            nullable=False,
        ),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        *_stamp(),
        sa.CheckConstraint(_one_of("decision", DECISIONS), name="ck_accommodation_decisions"),
    )
    # One decision per request, also when two offices decide at the same moment.
    op.create_index(
        "uq_accommodation_decisions_request",
        "accommodation_decisions",
        ["request_id"],
        unique=True,
    )
    _append_only("accommodation_decisions", "decision_id", dialect)
    op.create_table(
        "fee_charges",
        sa.Column("charge_id", sa.Integer, primary_key=True, autoincrement=True),
        _trainee(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("charged_on", sa.Date, nullable=False),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("schedule_cents", sa.Integer, nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("override_reason", sa.Text, nullable=False, server_default=""),
        *_stamp(),
        sa.CheckConstraint("amount_cents >= 0", name="ck_fee_charges_amount"),
        # An amount that is not the schedule's carries the reason it was overridden.
        sa.CheckConstraint(
            "schedule_cents IS NOT NULL AND amount_cents = schedule_cents OR override_reason <> ''",
            name="ck_fee_charges_override",
        ),
    )
    op.create_index("ix_fee_charges_trainee", "fee_charges", ["trainee_id", "charged_on"])
    _append_only("fee_charges", "charge_id", dialect)
    op.create_table(
        "fee_payments",
        sa.Column("payment_id", sa.Integer, primary_key=True, autoincrement=True),
        _trainee(),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount_cents", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("reference", sa.Text, nullable=False, server_default=""),
        *_stamp(),
        sa.CheckConstraint("amount_cents > 0", name="ck_fee_payments_amount"),
    )
    op.create_index("ix_fee_payments_trainee", "fee_payments", ["trainee_id", "paid_on"])
    _append_only("fee_payments", "payment_id", dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in reversed(TABLES):
        drop_append_only(table, dialect)
    op.drop_index("ix_fee_payments_trainee", "fee_payments")
    op.drop_table("fee_payments")
    op.drop_index("ix_fee_charges_trainee", "fee_charges")
    op.drop_table("fee_charges")
    op.drop_index("uq_accommodation_decisions_request", "accommodation_decisions")
    op.drop_table("accommodation_decisions")
    op.drop_index("ix_accommodation_requests_trainee", "accommodation_requests")
    op.drop_table("accommodation_requests")
