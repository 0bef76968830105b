"""CE audits of renewals: draws, the renewals drawn, decisions and evidence files.

* ``audit_draws``: one row per ``ppskit audit draw`` (period ending, rate, seed, how many
  renewals were eligible, who and when): enough to draw the same sample again.
* ``audits``: one row per renewal drawn (the ``renewed`` certificate event and the
  period whose CE it counted); a renewal is drawn at most once.
* ``audit_decisions``: at most one per audit: pass or fail, the date, the reason, and
  what a fail did to the renewal (``deny`` or ``withdraw``; ``none`` for a pass).
* ``audit_evidence``: evidence files attached to CE hours entries, with the stored
  copy's path, SHA-256 and size. Attaching only appends.

Append-only like every ledger table: SQLite UPDATE/DELETE/REPLACE triggers, PostgreSQL
row and TRUNCATE triggers.

Revision ID: 0006
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only

revision = "0006"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("audit_evidence", "audit_decisions", "audits", "audit_draws")


def _who() -> list[sa.Column]:
    return [
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "audit_draws",
        sa.Column("draw_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period_ending", sa.Date, nullable=False),
        sa.Column("rate_pct", sa.Float, nullable=False),
        sa.Column("seed", sa.BigInteger, nullable=False),
        sa.Column("eligible", sa.Integer, nullable=False),
        *_who(),
        sa.CheckConstraint("rate_pct > 0 AND rate_pct <= 100", name="ck_audit_draws_rate"),
        sa.CheckConstraint("eligible >= 0", name="ck_audit_draws_eligible"),
    )
    _append_only("audit_draws", "draw_id", dialect)
    op.create_table(
        "audits",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("draw_id", sa.Integer, sa.ForeignKey("audit_draws.draw_id"), nullable=False),
        sa.Column(
            "renewal_event_id",
            sa.Integer,
            sa.ForeignKey("cert_events.event_id"),
            nullable=False,
        ),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        *_who(),
        sa.CheckConstraint("period_end >= period_start", name="ck_audits_period"),
    )
    # A renewal is audited at most once.
    op.create_index("uq_audits_renewal", "audits", ["renewal_event_id"], unique=True)
    op.create_index("ix_audits_draw", "audits", ["draw_id"])
    _append_only("audits", "audit_id", dialect)
    op.create_table(
        "audit_decisions",
        sa.Column("decision_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "audit_id",
            sa.Integer,
            sa.ForeignKey("audits.audit_id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("consequence", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        *_who(),
        sa.CheckConstraint("outcome IN ('pass', 'fail')", name="ck_audit_decisions_outcome"),
        sa.CheckConstraint(
            "consequence IN ('none', 'deny', 'withdraw')", name="ck_audit_decisions_consequence"
        ),
    )
    _append_only("audit_decisions", "decision_id", dialect)
    op.create_table(
        "audit_evidence",
        sa.Column("evidence_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("hours_entries.entry_id"), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("original_name", sa.Text, nullable=False, server_default=""),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        *_who(),
        sa.CheckConstraint("length(sha256) = 64", name="ck_audit_evidence_sha256"),
        sa.CheckConstraint("size_bytes >= 0", name="ck_audit_evidence_size"),
    )
    op.create_index("ix_audit_evidence_entry", "audit_evidence", ["entry_id"])
    _append_only("audit_evidence", "evidence_id", dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        drop_append_only(table, dialect)
    op.drop_index("ix_audit_evidence_entry", "audit_evidence")
    op.drop_index("ix_audits_draw", "audits")
    op.drop_index("uq_audits_renewal", "audits")
    for table in TABLES:
        op.drop_table(table)
