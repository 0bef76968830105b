"""Table definitions (SQLAlchemy Core). The Alembic migrations create the same schema."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

LEDGER_TABLES = (
    "trainees",
    "hours_entries",
    "hours_events",
    "exam_results",
    "cert_events",
    "exercise_progress",
    "facts",
    "sitting_events",
    "accommodations",
    "complaints",
    "complaint_events",
    "audit_draws",
    "audits",
    "audit_decisions",
    "audit_evidence",
)

trainees = Table(
    "trainees",
    metadata,
    Column("trainee_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("lived_experience", Boolean, nullable=False),
    Column("education", String(40), nullable=False),
    Column("id_verified", Boolean, nullable=False),
    Column("employed_2022_01_01", Boolean, nullable=True),
    Column("profile", String(64), nullable=False),
    Column("enrolled_on", Date, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

hours_entries = Table(
    "hours_entries",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("hours", Float, nullable=False),
    Column("category", String(20), nullable=False),
    Column("topic", String(64), nullable=False),
    Column("source", String(20), nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

hours_events = Table(
    "hours_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("hours_entries.entry_id"), nullable=False),
    Column("kind", String(10), nullable=False),  # verify | void
    Column("reason", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

exam_results = Table(
    "exam_results",
    metadata,
    Column("result_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("form", String(20), nullable=False),
    Column("section", String(64), nullable=False),
    Column("score_pct", Float, nullable=False),
    Column("source", String(20), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # Set when this row corrects a score already recorded for the sitting (why, kept).
    Column("correction_reason", Text, nullable=False, server_default=""),
    # The pass mark this section score is judged against when its form has its own
    # standard-setting cut (null: the profile's pass mark).
    Column("cut_pct", Float, nullable=True),
)

cert_events = Table(
    "cert_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("expires_on", Date, nullable=True),
    Column("code", String(40), nullable=True, unique=True),
    Column("reason", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

exercise_progress = Table(
    "exercise_progress",
    metadata,
    Column("progress_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), nullable=False),
    Column("module_id", String(64), nullable=False),
    Column("exercise_id", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

facts = Table(
    "facts",
    metadata,
    Column("fact_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("fact", String(64), nullable=False),
    Column("value", Boolean, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# What happened to a handed-in sitting before (or instead of) its scores reached
# exam_results: held-pending, held-flagged, accepted, rejected, recorded, refused.
sitting_events = Table(
    "sitting_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("assignment", String(100), nullable=False),
    Column("form", String(20), nullable=False),
    Column("handed_in_at", DateTime(timezone=True), nullable=False),
    Column("event", String(20), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Extra exam time granted to a trainee (percent of the standard time); the latest row
# on or before a date holds.
accommodations = Table(
    "accommodations",
    metadata,
    Column("accommodation_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("extra_time_pct", Float, nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# A complaint received about a trainee (seed 002). ``summary`` and ``complainant`` are
# read only by supervisor output: never by status, verify or trainee-facing pages.
complaints = Table(
    "complaints",
    metadata,
    Column("complaint_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("event_date", Date, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("summary", Text, nullable=False),
    Column("complainant", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# One step in handling a complaint: investigating, findings (outcome, action),
# responded, appealed, appeal-decided (outcome), closed. The stage is computed from them.
complaint_events = Table(
    "complaint_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("complaint_id", Integer, ForeignKey("complaints.complaint_id"), nullable=False),
    Column("step", String(20), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("outcome", String(20), nullable=True),
    Column("action", String(20), nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# A random CE audit draw of renewals (``ppskit audit draw``): the period it covers, the
# rate and seed that make it reproducible, and how many renewals were eligible.
audit_draws = Table(
    "audit_draws",
    metadata,
    Column("draw_id", Integer, primary_key=True, autoincrement=True),
    Column("period_ending", Date, nullable=False),
    Column("rate_pct", Float, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("eligible", Integer, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# One renewal drawn for audit: the ``renewed`` certificate event and the certificate
# period whose CE it counted, [period_start, period_end] (both days included).
audits = Table(
    "audits",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("draw_id", Integer, ForeignKey("audit_draws.draw_id"), nullable=False),
    Column("renewal_event_id", Integer, ForeignKey("cert_events.event_id"), nullable=False),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# The decision on one audit (at most one): pass or fail, and for a fail what it did to
# the renewal (deny or withdraw, from the trainee's profile).
audit_decisions = Table(
    "audit_decisions",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column("audit_id", Integer, ForeignKey("audits.audit_id"), nullable=False, unique=True),
    Column("outcome", String(10), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("consequence", String(20), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# An evidence file attached to a CE hours entry: where the copy is stored (relative to
# the course folder), its SHA-256 and size when attached. A file whose hash no longer
# matches is reported as changed.
audit_evidence = Table(
    "audit_evidence",
    metadata,
    Column("evidence_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("hours_entries.entry_id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("original_name", Text, nullable=False, default=""),
    Column("sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
