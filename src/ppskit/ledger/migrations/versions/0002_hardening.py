"""Close the append-only loopholes; unique verification codes and trainee ids; corrections.

* SQLite: ``INSERT OR REPLACE`` / ``REPLACE INTO`` delete the conflicting row without
  firing DELETE triggers (unless ``recursive_triggers`` is on, which a sqlite3 shell
  never sets), so a BEFORE INSERT trigger refuses any insert that collides with an
  existing key. A plain insert with such a key would fail anyway; only REPLACE changes.
* PostgreSQL: TRUNCATE skips row triggers, so a statement trigger refuses it too. The
  owner can still disable triggers: the app connects as a role with SELECT/INSERT only
  (``ppskit.ledger.roles.grant_app_role``).
* ``cert_events.code`` is unique; trainee ids are unique ignoring case.
* ``exam_results.correction_reason``: a score for a sitting already recorded is only
  accepted as a correction, with its reason kept.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# For each ledger table, the condition under which a new row would collide with an
# existing one on some unique key (and REPLACE would silently delete that row).
COLLIDES = {
    "trainees": "trainee_id = NEW.trainee_id OR lower(trainee_id) = lower(NEW.trainee_id)",
    "hours_entries": "entry_id = NEW.entry_id",
    "hours_events": "event_id = NEW.event_id",
    "exam_results": "result_id = NEW.result_id",
    "cert_events": "event_id = NEW.event_id OR (NEW.code IS NOT NULL AND code = NEW.code)",
    "exercise_progress": (
        "progress_id = NEW.progress_id OR (trainee_id = NEW.trainee_id"
        " AND module_id = NEW.module_id AND exercise_id = NEW.exercise_id)"
    ),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_index(
        "uq_trainees_id_nocase", "trainees", [sa.text("lower(trainee_id)")], unique=True
    )
    op.create_index("uq_cert_events_code", "cert_events", ["code"], unique=True)
    op.add_column(
        "exam_results",
        sa.Column("correction_reason", sa.Text, nullable=False, server_default=""),
    )
    if dialect == "sqlite":
        for table, collides in COLLIDES.items():
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {collides}) "
                "BEGIN SELECT RAISE(ABORT, 'the ppskit ledger is append-only: "
                "a row with this key is already recorded'); END"
            )
    elif dialect == "postgresql":
        for table in COLLIDES:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ppskit_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in COLLIDES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.drop_column("exam_results", "correction_reason")
    op.drop_index("uq_cert_events_code", "cert_events")
    op.drop_index("uq_trainees_id_nocase", "trainees")
