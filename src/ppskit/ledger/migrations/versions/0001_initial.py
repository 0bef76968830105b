"""Initial ledger schema with append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = (
    "trainees",
    "hours_entries",
    "hours_events",
    "exam_results",
    "cert_events",
    "exercise_progress",
)


def _stamp_columns():
    return [
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "trainees",
        sa.Column("trainee_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("lived_experience", sa.Boolean, nullable=False),
        sa.Column("education", sa.String(40), nullable=False),
        sa.Column("id_verified", sa.Boolean, nullable=False),
        sa.Column("employed_2022_01_01", sa.Boolean, nullable=True),
        sa.Column("profile", sa.String(64), nullable=False),
        sa.Column("enrolled_on", sa.Date, nullable=False),
        *_stamp_columns(),
    )
    op.create_table(
        "hours_entries",
        sa.Column("entry_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        *_stamp_columns(),
        sa.CheckConstraint("hours > 0 AND hours <= 24", name="hours_in_range"),
    )
    op.create_index("ix_hours_trainee_date", "hours_entries", ["trainee_id", "date"])
    op.create_table(
        "hours_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("hours_entries.entry_id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        *_stamp_columns(),
    )
    op.create_index("ix_hours_events_entry", "hours_events", ["entry_id"])
    op.create_table(
        "exam_results",
        sa.Column("result_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("form", sa.String(20), nullable=False),
        sa.Column("section", sa.String(64), nullable=False),
        sa.Column("score_pct", sa.Float, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        *_stamp_columns(),
        sa.CheckConstraint("score_pct >= 0 AND score_pct <= 100", name="score_in_range"),
    )
    op.create_index("ix_exam_trainee", "exam_results", ["trainee_id", "date"])
    op.create_table(
        "cert_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "trainee_id", sa.String(64), sa.ForeignKey("trainees.trainee_id"), nullable=False
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Column("code", sa.String(40), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        *_stamp_columns(),
    )
    op.create_index("ix_cert_trainee", "cert_events", ["trainee_id"])
    op.create_table(
        "exercise_progress",
        sa.Column("progress_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("trainee_id", sa.String(64), nullable=False),
        sa.Column("module_id", sa.String(64), nullable=False),
        sa.Column("exercise_id", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("trainee_id", "module_id", "exercise_id", name="uq_progress"),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the ppskit ledger is append-only'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                "CREATE OR REPLACE FUNCTION ppskit_append_only() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'the ppskit ledger is append-only'; END $$ "
                "LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION ppskit_append_only()"
            )


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        op.drop_table(table)
