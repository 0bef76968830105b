"""The supervisor registry and supervision sessions.

* ``supervisors``: one row per supervisor (id and name) the body has registered.
* ``supervisor_qualifications``: dated rows of what a supervisor holds, one kind per
  row: ``lived-experience`` (of a child served by the public children's system, seed
  002; ``flag``), ``ppss-years`` (years worked as a Parent Peer Support Specialist as of
  ``on_date``; ``years``), ``managing`` (experience managing others; ``flag``),
  ``licence`` (``licence_kind``, ``licence_number``, ``expires_on``; seed 004's
  independently licensed practitioner) and ``supervisor-course`` (completed on
  ``on_date``; CalMHSA). The latest row of a kind on or before a date holds, so a
  qualification is corrected or withdrawn by a new row, never by an update.
* ``supervision_sessions``: who supervised whom: the supervision hours entry
  (``hours_entries``, category ``supervision``) and the supervisor who gave it. Voiding
  the hours entry voids the session, through the hours events.

Append-only like every ledger table: SQLite UPDATE/DELETE/REPLACE triggers, PostgreSQL
row and TRUNCATE triggers.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ppskit.ledger.ddl import append_only as _append_only
from ppskit.ledger.ddl import drop_append_only
from ppskit.ledger.ddl import one_of as _one_of

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

KINDS = ("lived-experience", "ppss-years", "managing", "licence", "supervisor-course")
TABLES = ("supervision_sessions", "supervisor_qualifications", "supervisors")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "supervisors",
        sa.Column("supervisor_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    _append_only("supervisors", "supervisor_id", dialect)
    op.create_table(
        "supervisor_qualifications",
        sa.Column("qualification_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "supervisor_id",
            sa.String(64),
            sa.ForeignKey("supervisors.supervisor_id"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("flag", sa.Boolean, nullable=True),
        sa.Column("years", sa.Float, nullable=True),
        sa.Column("licence_kind", sa.String(64), nullable=True),
        sa.Column("licence_number", sa.String(64), nullable=True),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_one_of("kind", KINDS), name="ck_supervisor_qualifications_kind"),
        sa.CheckConstraint(
            "years IS NULL OR years >= 0", name="ck_supervisor_qualifications_years"
        ),
        # A licence row without its kind and expiry could never be judged current.
        sa.CheckConstraint(
            "kind <> 'licence' OR (licence_kind IS NOT NULL AND expires_on IS NOT NULL)",
            name="ck_supervisor_qualifications_licence",
        ),
    )
    op.create_index(
        "ix_supervisor_qualifications_supervisor",
        "supervisor_qualifications",
        ["supervisor_id", "on_date"],
    )
    _append_only("supervisor_qualifications", "qualification_id", dialect)
    op.create_table(
        "supervision_sessions",
        sa.Column("session_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "entry_id",
            sa.Integer,
            sa.ForeignKey("hours_entries.entry_id"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column(
            "supervisor_id",
            sa.String(64),
            sa.ForeignKey("supervisors.supervisor_id"),
            nullable=False,
        ),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hours > 0", name="ck_supervision_sessions_hours"),
    )
    op.create_index(
        "ix_supervision_sessions_trainee", "supervision_sessions", ["trainee_id", "date"]
    )
    _append_only("supervision_sessions", "session_id", dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        drop_append_only(table, dialect)
    op.drop_index("ix_supervision_sessions_trainee", "supervision_sessions")
    op.drop_table("supervision_sessions")
    op.drop_index("ix_supervisor_qualifications_supervisor", "supervisor_qualifications")
    op.drop_table("supervisor_qualifications")
    op.drop_table("supervisors")
