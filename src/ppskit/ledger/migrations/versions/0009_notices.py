"""Notices to trainees (renewal due, complaint deadlines, exam results, audit selection),
their delivery attempts, and the e-mail addresses they are sent to.

* ``notices``: one row per notice written to the outbox (``ppskit notices run``):
  ``kind`` (renewal-due, complaint-deadline, exam-results, audit-selection), the trainee,
  a ``notice_key`` that says which occasion it is for (e.g. the expiry date and the
  days before it), the date it was due (``created_on``) and its subject; its outbox
  files are named after its number. ``(kind, trainee_id, notice_key)`` is unique: a
  notice is written once.
* ``notice_deliveries``: one row per attempt to send a notice's e-mail
  (``ppskit notices send``): ``sent`` or ``failed`` with the address and the server's
  answer. A notice with no ``sent`` row is unsent and is tried again next time.
* ``contacts``: a trainee's e-mail address (the trainees table holds none); the latest
  row for a trainee holds, so a change of address is a new row.

Append-only like every ledger table: SQLite UPDATE/DELETE/REPLACE triggers, PostgreSQL
row and TRUNCATE triggers.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only
from ppskit.ledger.ddl import one_of as _one_of

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None

KINDS = ("renewal-due", "complaint-deadline", "exam-results", "audit-selection")
OUTCOMES = ("sent", "failed")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "notices",
        sa.Column("notice_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("notice_key", sa.String(100), nullable=False),
        sa.Column("created_on", sa.Date, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("kind", KINDS), name="ck_notices_kind"),
        # Idempotence is the database's promise, not only the code's.
        sa.UniqueConstraint("kind", "trainee_id", "notice_key", name="uq_notices_occasion"),
    )
    _append_only("notices", "notice_id", dialect)
    op.create_table(
        "notice_deliveries",
        sa.Column("delivery_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("notice_id", sa.Integer, sa.ForeignKey("notices.notice_id"), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("outcome", OUTCOMES), name="ck_notice_deliveries_outcome"),
    )
    op.create_index("ix_notice_deliveries_notice", "notice_deliveries", ["notice_id"])
    _append_only("notice_deliveries", "delivery_id", dialect)
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_contacts_trainee", "contacts", ["trainee_id"])
    _append_only("contacts", "contact_id", dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("contacts", "notice_deliveries", "notices"):
        drop_append_only(table, dialect)
    op.drop_index("ix_contacts_trainee", "contacts")
    op.drop_table("contacts")
    op.drop_index("ix_notice_deliveries_notice", "notice_deliveries")
    op.drop_table("notice_deliveries")
    op.drop_table("notices")
