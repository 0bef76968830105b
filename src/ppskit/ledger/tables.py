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
    UniqueConstraint,
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
    "notices",
    "notice_deliveries",
    "contacts",
    "applications",
    "application_steps",
    "supervisors",
    "supervisor_qualifications",
    "supervision_sessions",
    "accommodation_requests",
    "accommodation_decisions",
    "fee_charges",
    "fee_payments",
    "audit_draws",
    "audits",
    "audit_decisions",
    "audit_evidence",
    "exercise_answers",
    "module_time",
    "skill_checks",
    "hub_accounts",
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

# A notice written to the outbox (``ppskit notices run``); (kind, trainee, key) once.
notices = Table(
    "notices",
    metadata,
    Column("notice_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("notice_key", String(100), nullable=False),
    Column("created_on", Date, nullable=False),
    Column("subject", Text, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "trainee_id", "notice_key", name="uq_notices_occasion"),
)

# One attempt to send a notice's e-mail: sent or failed (tried again until sent).
notice_deliveries = Table(
    "notice_deliveries",
    metadata,
    Column("delivery_id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", Integer, ForeignKey("notices.notice_id"), nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("to_address", String(320), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# A trainee's e-mail address for notices; the latest row for a trainee holds.
contacts = Table(
    "contacts",
    metadata,
    Column("contact_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# An application for certification: ``initial``, ``reciprocity`` (out of state, with
# ``detail`` the state that certified the applicant) or ``transfer`` (change of county,
# ``detail`` the county moved to).
applications = Table(
    "applications",
    metadata,
    Column("application_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("submitted_on", Date, nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# One step of an application: reviewed (outcome eligible/not-eligible, ``reasons`` the
# engine's messages one per line), decided (approved/denied; ``stated_reason`` and
# ``override`` for a person's reason), appealed, appeal-decided (upheld/denied).
application_steps = Table(
    "application_steps",
    metadata,
    Column("step_id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", Integer, ForeignKey("applications.application_id"), nullable=False),
    Column("step", String(20), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("outcome", String(20), nullable=True),
    Column("reasons", Text, nullable=False, default=""),
    Column("stated_reason", Text, nullable=False, default=""),
    Column("override", Boolean, nullable=False, default=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# A supervisor the body has registered (seeds 002 and 004 say who may supervise).
supervisors = Table(
    "supervisors",
    metadata,
    Column("supervisor_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# What a supervisor holds, one kind per dated row (lived-experience, ppss-years,
# managing, licence, supervisor-course); the latest row of a kind on or before a date
# holds.
supervisor_qualifications = Table(
    "supervisor_qualifications",
    metadata,
    Column("qualification_id", Integer, primary_key=True, autoincrement=True),
    Column("supervisor_id", String(64), ForeignKey("supervisors.supervisor_id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("flag", Boolean, nullable=True),
    Column("years", Float, nullable=True),
    Column("licence_kind", String(64), nullable=True),
    Column("licence_number", String(64), nullable=True),
    Column("expires_on", Date, nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Who gave a supervision hours entry: the entry (category supervision) and its
# supervisor. Voiding the entry voids the session.
supervision_sessions = Table(
    "supervision_sessions",
    metadata,
    Column("session_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("hours_entries.entry_id"), nullable=False, unique=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("supervisor_id", String(64), ForeignKey("supervisors.supervisor_id"), nullable=False),
    Column("date", Date, nullable=False),
    Column("hours", Float, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# A request for a test accommodation (extra-time, reader, separate-room, other) for an
# exam date; ``details`` is supervisor-only (it may describe a disability).
accommodation_requests = Table(
    "accommodation_requests",
    metadata,
    Column("request_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("exam_date", Date, nullable=False),
    Column("extra_time_pct", Float, nullable=True),
    Column("details", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# The one decision on a request (approved or denied), who made it and why.
accommodation_decisions = Table(
    "accommodation_decisions",
    metadata,
    Column("decision_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "request_id",
        Integer,
        ForeignKey("accommodation_requests.request_id"),
        nullable=False,
        unique=True,
    ),
    Column("decision", String(10), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# A fee charged to a trainee: the schedule's amount in force on ``charged_on`` (in cents,
# exact on every database), or an override with its reason.
fee_charges = Table(
    "fee_charges",
    metadata,
    Column("charge_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("charged_on", Date, nullable=False),
    Column("amount_cents", Integer, nullable=False),
    Column("schedule_cents", Integer, nullable=True),
    Column("currency", String(3), nullable=False),
    Column("override_reason", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# A payment received from a trainee (in cents), how it was paid and its receipt reference.
fee_payments = Table(
    "fee_payments",
    metadata,
    Column("payment_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("amount_cents", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("method", String(40), nullable=False),
    Column("reference", Text, nullable=False, default=""),
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

# The answer a trainee gave when finishing an exercise (JSON); the latest row of an
# exercise is what the notebook restores.
exercise_answers = Table(
    "exercise_answers",
    metadata,
    Column("answer_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), nullable=False),
    Column("module_id", String(64), nullable=False),
    Column("exercise_id", String(100), nullable=False),
    Column("answer", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Active minutes measured in a module's notebook, written with its hours entry.
module_time = Table(
    "module_time",
    metadata,
    Column("time_id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", Integer, ForeignKey("hours_entries.entry_id"), nullable=False),
    Column("trainee_id", String(64), nullable=False),
    Column("module_id", String(64), nullable=False),
    Column("active_minutes", Float, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# The observed skill check a trainer scored at a facilitated session (ppskit sessions
# record): levels per rubric criterion as JSON {criterion: level}, their total, the pass
# rule's verdict, and the session's hours entry; voiding that entry voids the check.
skill_checks = Table(
    "skill_checks",
    metadata,
    Column("check_id", Integer, primary_key=True, autoincrement=True),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("guide_id", String(64), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("entry_id", Integer, ForeignKey("hours_entries.entry_id"), nullable=True),
    Column("scores", Text, nullable=False),
    Column("total", Integer, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("observer", String(100), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# A JupyterHub account linked to a trainee (``ppskit hub link``): the latest row for an
# account wins, so a correction is a new row and the old link stays on record.
hub_accounts = Table(
    "hub_accounts",
    metadata,
    Column("account_id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(100), nullable=False),
    Column("trainee_id", String(64), ForeignKey("trainees.trainee_id"), nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
