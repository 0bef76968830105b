"""CE audits of renewals, on the append-only ledger.

One function per step: :func:`draw` (a reproducible random sample of a period's
renewals), :func:`attach_evidence` (a file for a CE hours entry, stored under its
SHA-256), :func:`decide` (pass or fail). A failed audit denies or withdraws the renewal
as the trainee's profile says (``certification.renewal.audit.on_fail``), through
:func:`ppskit.ledger.certificates.undo_renewal`, so ``ppskit status`` and ``verify``
show the certificate as not renewed. :func:`audit_lines` and :func:`period_report`
read it all back.

The draw, documented so anyone can repeat it:

1. The eligible renewals are the ``renewed`` certificate events whose audited period
   (the certificate period whose CE the renewal counted) ended on or before
   ``period_ending`` and after the period ending of the previous draw, if any; only
   events recorded before the draw count.
2. They are sorted by trainee id, then certificate event id.
3. ``k = ceil(rate / 100 * n)`` of the ``n`` are drawn:
   ``sorted(random.Random(seed).sample(range(n), k))`` gives their positions.

:func:`reproduce_draw` runs the same steps on the ledger as it was when a draw was made
and says whether it gives the same renewals.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, insert, select

from ppskit.dates import fmt
from ppskit.db import course_root, read_connection, write_transaction
from ppskit.imports import ImportRejected, RowError
from ppskit.ledger.tables import (
    audit_decisions,
    audit_draws,
    audit_evidence,
    audits,
    cert_events,
    hours_entries,
    hours_events,
    trainees,
)
from ppskit.policies import load_policy
from ppskit.rules.certificates import apply_event

#: Where evidence copies are kept, relative to the course folder: one file per SHA-256.
EVIDENCE_DIR = Path("gradebook") / "evidence"

OUTCOMES = ("pass", "fail")

#: The pinned columns of ``ppskit audit list``.
LIST_COLUMNS = (
    "audit_id",
    "draw_id",
    "trainee_id",
    "renewed_on",
    "period_start",
    "period_end",
    "ce_entries",
    "evidence",
    "decision",
    "consequence",
)

#: The pinned columns of ``ppskit audit report``.
REPORT_COLUMNS = (
    "draw_id",
    "period_ending",
    "rate_pct",
    "seed",
    "eligible",
    "drawn",
    "evidence_complete",
    "passed",
    "failed",
    "pending",
    "reproducible",
)


class AuditRefused(ImportRejected):
    """The step is out of order or breaks a rule; nothing was written."""

    def report(self) -> str:
        """The refusal as one plain sentence."""
        return "; ".join(e.message.rstrip(".") for e in self.errors) + ". Nothing was written."


def _refuse(source: str, message: str) -> AuditRefused:
    return AuditRefused(source, [RowError(0, "", message)])


# ------------------------------------------------------------------------ the draw


@dataclass(frozen=True)
class Renewal:
    """A recorded renewal and the certificate period whose CE it counted."""

    event_id: int
    trainee_id: str
    renewed_on: date
    period_start: date
    period_end: date  # last day of the period (the old expiry minus one day)


@dataclass(frozen=True)
class DrawPlan:
    """What a draw selects: every eligible renewal, in draw order, and the drawn ones."""

    period_ending: date
    rate_pct: float
    seed: int
    eligible: tuple[Renewal, ...]
    drawn: tuple[Renewal, ...]
    draw_id: int | None = None

    @property
    def message(self) -> str:
        """One sentence on what was (or would be) drawn."""
        who = ", ".join(r.trainee_id for r in self.drawn) or "none"
        head = f"Draw {self.draw_id}" if self.draw_id else "This draw"
        return (
            f"{head}: {len(self.drawn)} of {len(self.eligible)} renewals for periods ending "
            f"by {self.period_ending} (rate {self.rate_pct:g} %, seed {self.seed}): {who}."
        )


def sample_size(rate_pct: float, n: int) -> int:
    """How many of ``n`` eligible renewals a draw at ``rate_pct`` takes: ceil(rate × n)."""
    # round() first so 10 % of 30 is 3, not 4 from 3.0000000000000004.
    return min(n, math.ceil(round(rate_pct / 100 * n, 9)))


def sample(eligible: list[Renewal], rate_pct: float, seed: int) -> list[Renewal]:
    """The documented draw: sort by (trainee id, event id), then
    ``random.Random(seed).sample`` of ``sample_size`` positions, in sorted order."""
    ordered = sorted(eligible, key=lambda r: (r.trainee_id, r.event_id))
    picks = random.Random(seed).sample(range(len(ordered)), sample_size(rate_pct, len(ordered)))
    return [ordered[i] for i in sorted(picks)]


def _aware(ts: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; the ledger writes them in UTC.
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _renewals(conn: Connection, recorded_by_then: datetime | None = None) -> list[Renewal]:
    """Every recorded renewal with its audited period, from each trainee's certificate
    history folded up to the renewal (the same fold status uses)."""
    rows = conn.execute(
        select(
            cert_events.c.event_id,
            cert_events.c.trainee_id,
            cert_events.c.kind,
            cert_events.c.on_date,
            cert_events.c.expires_on,
            cert_events.c.reason,
            cert_events.c.recorded_at,
            trainees.c.profile,
        )
        .join(trainees, trainees.c.trainee_id == cert_events.c.trainee_id)
        .order_by(cert_events.c.trainee_id, cert_events.c.on_date, cert_events.c.event_id)
    ).all()
    if recorded_by_then is not None:
        rows = [r for r in rows if _aware(r.recorded_at) <= recorded_by_then]
    out: list[Renewal] = []
    states: dict = {}
    policies: dict[str, object] = {}
    for e in rows:
        if e.trainee_id not in policies:
            policies[e.trainee_id] = load_policy(e.profile or None)
        before = states.get(e.trainee_id)
        if e.kind == "renewed" and before is not None and before.expires_on is not None:
            out.append(
                Renewal(
                    e.event_id,
                    e.trainee_id,
                    e.on_date,
                    before.cycle_start,
                    before.expires_on - timedelta(days=1),
                )
            )
        apply_event(states, e.trainee_id, e.kind, e.on_date, e.expires_on, e.reason, policies)
    return out


def _plan(
    conn: Connection,
    period_ending: date,
    rate_pct: float,
    seed: int,
    after: date | None,
    recorded_by_then: datetime | None = None,
) -> DrawPlan:
    eligible = [
        r
        for r in _renewals(conn, recorded_by_then)
        if r.period_end <= period_ending and (after is None or r.period_end > after)
    ]
    eligible.sort(key=lambda r: (r.trainee_id, r.event_id))
    drawn = sample(eligible, rate_pct, seed)
    return DrawPlan(period_ending, rate_pct, seed, tuple(eligible), tuple(drawn))


def _profile_rate(conn: Connection, eligible: tuple[Renewal, ...], source: str) -> float:
    """The audit rate the eligible renewals' profiles agree on, or a refusal."""
    tids = {r.trainee_id for r in eligible}
    profiles = set(
        conn.execute(select(trainees.c.profile).where(trainees.c.trainee_id.in_(tids))).scalars()
    )
    rates = set()
    for pid in profiles or {None}:
        audit = load_policy(pid or None).certification.renewal.audit
        rates.add(audit.rate.at() if audit else None)
    if len(rates) != 1 or None in rates:
        raise _refuse(
            source,
            "the profiles of these renewals give no single audit rate; give one with --rate PCT",
        )
    return float(rates.pop())


def draw(
    period_ending: date,
    *,
    rate_pct: float | None,
    seed: int,
    by: str,
    dry_run: bool = False,
    db: str | None = None,
    today: date | None = None,
) -> DrawPlan:
    """Draw a reproducible random sample of the renewals whose period ended by
    ``period_ending`` (see the module docstring for the algorithm) and record it.

    ``rate_pct`` None takes the rate of the renewals' profiles. Draws go forward: each
    covers the periods ending after the previous draw's. ``dry_run`` writes nothing.
    """
    today = today or date.today()
    source = f"audit draw for periods ending by {period_ending}"
    if period_ending >= today:
        raise _refuse(
            source,
            f"renewals for periods ending by {period_ending} can still be recorded until "
            f"that day ends; draw on {period_ending + timedelta(days=1)} or later",
        )
    if rate_pct is not None and not 0 < rate_pct <= 100:
        raise _refuse(source, f"--rate must be more than 0 and at most 100 (not {rate_pct:g})")
    with read_connection(db) if dry_run else write_transaction(db) as conn:
        last = conn.execute(
            select(audit_draws.c.draw_id, audit_draws.c.period_ending)
            .order_by(audit_draws.c.draw_id.desc())
            .limit(1)
        ).first()
        if last is not None and period_ending <= last.period_ending:
            raise _refuse(
                source,
                f"draw {last.draw_id} already covers periods ending by {last.period_ending}; "
                "a new draw needs a later --period-ending (see ppskit audit report)",
            )
        after = last.period_ending if last else None
        plan = _plan(conn, period_ending, rate_pct or 100.0, seed, after)
        if rate_pct is None:
            rate_pct = _profile_rate(conn, plan.eligible, source)
            plan = _plan(conn, period_ending, rate_pct, seed, after)
        if dry_run:
            return plan
        now = datetime.now(UTC)
        draw_id = conn.execute(
            insert(audit_draws).values(
                period_ending=period_ending,
                rate_pct=rate_pct,
                seed=seed,
                eligible=len(plan.eligible),
                recorded_by=by,
                recorded_at=now,
            )
        ).inserted_primary_key[0]
        if plan.drawn:
            conn.execute(
                insert(audits),
                [
                    {
                        "draw_id": draw_id,
                        "renewal_event_id": r.event_id,
                        "trainee_id": r.trainee_id,
                        "period_start": r.period_start,
                        "period_end": r.period_end,
                        "recorded_by": by,
                        "recorded_at": now,
                    }
                    for r in plan.drawn
                ],
            )
    return DrawPlan(period_ending, rate_pct, seed, plan.eligible, plan.drawn, draw_id)


def reproduce_draw(draw_id: int, *, db: str | None = None) -> bool:
    """True when the documented algorithm, run on the ledger as it was when draw
    ``draw_id`` was made, selects exactly the renewals that draw recorded."""
    with read_connection(db) as conn:
        d = conn.execute(select(audit_draws).where(audit_draws.c.draw_id == draw_id)).first()
        if d is None:
            raise _refuse(f"draw {draw_id}", f"there is no draw {draw_id}")
        prev = conn.execute(
            select(audit_draws.c.period_ending)
            .where(audit_draws.c.draw_id < draw_id)
            .order_by(audit_draws.c.draw_id.desc())
            .limit(1)
        ).scalar()
        plan = _plan(conn, d.period_ending, d.rate_pct, d.seed, prev, _aware(d.recorded_at))
        stored = conn.execute(
            select(audits.c.renewal_event_id)
            .where(audits.c.draw_id == draw_id)
            .order_by(audits.c.audit_id)
        ).scalars()
        return [r.event_id for r in plan.drawn] == list(stored) and len(plan.eligible) == d.eligible


# ------------------------------------------------------------------------ evidence


def _sha256(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _store(file: Path, digest: str, root: Path) -> Path:
    """Copy ``file`` to the content-addressed store (``<sha[:2]>/<sha><suffix>``),
    read-only; an intact copy already there is kept. Returns the path under ``root``."""
    rel = EVIDENCE_DIR / digest[:2] / (digest + file.suffix.lower())
    target = root / rel
    if target.is_file() and _sha256(target)[0] == digest:
        return rel
    target.parent.mkdir(parents=True, exist_ok=True)
    # Copy then rename, so a half-written file never sits under a hash it does not have.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    shutil.copyfile(file, tmp)
    os.chmod(tmp, 0o444)
    os.replace(tmp, target)
    return rel


@dataclass(frozen=True)
class Attached:
    """What :func:`attach_evidence` wrote."""

    evidence_id: int
    entry_id: int
    path: str
    sha256: str
    size_bytes: int
    message: str


def attach_evidence(
    entry_id: int,
    file: Path | str,
    *,
    by: str,
    db: str | None = None,
    root: Path | None = None,
) -> Attached:
    """Attach an evidence file (a certificate of attendance, ...) to a CE hours entry.

    The file is copied into the course's ``gradebook/evidence/`` under its SHA-256, and
    the ledger keeps the path, hash and size; attaching only ever adds a row."""
    file = Path(file)
    source = f"evidence for CE entry {entry_id}"
    if not file.is_file():
        raise _refuse(source, f"there is no file {file}; check the path")
    root = root or course_root()
    digest, size = _sha256(file)
    with write_transaction(db) as conn:
        entry = conn.execute(
            select(hours_entries.c.category).where(hours_entries.c.entry_id == entry_id)
        ).first()
        if entry is None or entry.category != "ce":
            raise _refuse(
                source,
                f"hours entry {entry_id} is not a continuing-education entry"
                if entry
                else f"there is no hours entry {entry_id}; see a drawn renewal's CE entries "
                "with ppskit audit show AUDIT_ID",
            )
        rel = _store(file, digest, root)
        evidence_id = conn.execute(
            insert(audit_evidence).values(
                entry_id=entry_id,
                path=rel.as_posix(),
                original_name=file.name,
                sha256=digest,
                size_bytes=size,
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        ).inserted_primary_key[0]
    return Attached(
        evidence_id,
        entry_id,
        rel.as_posix(),
        digest,
        size,
        f"Evidence {evidence_id} ({file.name}, {size} bytes, SHA-256 {digest[:12]}…) "
        f"attached to CE entry {entry_id}.",
    )


def evidence_state(path: str, sha256: str, root: Path | None = None) -> str:
    """``ok`` when the stored copy still has its recorded hash, ``changed`` when it
    does not, ``missing`` when it is gone."""
    target = (root or course_root()) / path
    if not target.is_file():
        return "missing"
    return "ok" if _sha256(target)[0] == sha256 else "changed"


@dataclass(frozen=True)
class EntryEvidence:
    """One counted CE entry of an audited period and the state of its evidence."""

    entry_id: int
    date: date
    hours: float
    topic: str
    files: tuple[tuple[int, str, str], ...]  # (evidence_id, original name, state)

    @property
    def state(self) -> str:
        """``ok`` with an intact file; else ``changed``/``missing`` of a file, or ``none``."""
        states = [s for _i, _n, s in self.files]
        if "ok" in states:
            return "ok"
        return states[-1] if states else "none"


def period_evidence(
    conn: Connection, trainee_id: str, start: date, end: date, root: Path | None = None
) -> list[EntryEvidence]:
    """The verified, not voided CE entries dated in [start, end] and their evidence."""
    e, ev = hours_entries, hours_events
    rows = conn.execute(
        select(e.c.entry_id, e.c.date, e.c.hours, e.c.topic, e.c.verified)
        .where(
            e.c.trainee_id == trainee_id,
            e.c.category == "ce",
            e.c.date >= start,
            e.c.date <= end,
        )
        .order_by(e.c.date, e.c.entry_id)
    ).all()
    ids = [r.entry_id for r in rows]
    events = conn.execute(select(ev.c.entry_id, ev.c.kind).where(ev.c.entry_id.in_(ids))).all()
    voided = {i for i, k in events if k == "void"}
    verified_later = {i for i, k in events if k == "verify"}
    files: dict[int, list] = {}
    for f in conn.execute(
        select(audit_evidence)
        .where(audit_evidence.c.entry_id.in_(ids))
        .order_by(audit_evidence.c.evidence_id)
    ).all():
        state = evidence_state(f.path, f.sha256, root)
        files.setdefault(f.entry_id, []).append((f.evidence_id, f.original_name, state))
    return [
        EntryEvidence(r.entry_id, r.date, float(r.hours), r.topic, tuple(files.get(r.entry_id, ())))
        for r in rows
        if r.entry_id not in voided and (r.verified or r.entry_id in verified_later)
    ]


def evidence_summary(entries: list[EntryEvidence]) -> str:
    """``complete`` (every entry has an intact file), ``changed`` (a file no longer
    matches its hash or is gone) or ``incomplete`` (an entry has no file, or the period
    has no counted CE entry left to show evidence for)."""
    states = {x.state for x in entries}
    if not entries:
        return "incomplete"
    if states & {"changed", "missing"}:
        return "changed"
    return "incomplete" if "none" in states else "complete"


# ------------------------------------------------------------------------ decisions


@dataclass(frozen=True)
class Decided:
    """What :func:`decide` wrote."""

    audit_id: int
    outcome: str
    consequence: str
    message: str


def _audit_row(conn: Connection, audit_id: int) -> dict:
    row = conn.execute(
        select(audits, trainees.c.profile, cert_events.c.on_date.label("renewed_on"))
        .join(trainees, trainees.c.trainee_id == audits.c.trainee_id)
        .join(cert_events, cert_events.c.event_id == audits.c.renewal_event_id)
        .where(audits.c.audit_id == audit_id)
    ).first()
    if row is None:
        raise _refuse(
            f"audit {audit_id}",
            f"there is no audit {audit_id}: only renewals drawn with ppskit audit draw are "
            "decided; see their numbers with ppskit audit list",
        )
    return row._asdict()


def decide(
    audit_id: int,
    outcome: str,
    *,
    reason: str = "",
    on: date | None = None,
    by: str,
    db: str | None = None,
    today: date | None = None,
    root: Path | None = None,
) -> Decided:
    """Record the decision on a drawn renewal's audit.

    A pass needs intact evidence for every counted CE entry of the period. A fail needs
    a reason, and denies or withdraws the renewal as the trainee's profile says
    (``certification.renewal.audit.on_fail``), in the same transaction."""
    from ppskit.ledger.certificates import CertificateRefused, undo_renewal

    today = today or date.today()
    on = on or today
    source = f"audit {audit_id}"
    if outcome not in OUTCOMES:
        raise _refuse(source, f"the decision must be pass or fail (not '{outcome}')")
    if outcome == "fail" and not reason.strip():
        raise _refuse(source, "say why the audit failed (--reason TEXT)")
    if on > today:
        raise _refuse(source, f"{on} is in the future; record a decision once it is made")
    with write_transaction(db) as conn:
        a = _audit_row(conn, audit_id)
        done = conn.execute(
            select(audit_decisions).where(audit_decisions.c.audit_id == audit_id)
        ).first()
        if done is not None:
            raise _refuse(
                source, f"audit {audit_id} was already decided ({done.outcome} on {done.on_date})"
            )
        if on < a["renewed_on"]:
            raise _refuse(source, f"{on} is before the audited renewal ({a['renewed_on']})")
        consequence, extra = "none", ""
        if outcome == "pass":
            entries = period_evidence(
                conn, a["trainee_id"], a["period_start"], a["period_end"], root
            )
            short = [x for x in entries if x.state != "ok"]
            if not entries:
                raise _refuse(
                    source,
                    f"audit {audit_id} cannot pass: the period {a['period_start']} to "
                    f"{a['period_end']} has no verified CE entry left (voided since the "
                    "renewal?); decide fail with a --reason",
                )
            if short:
                listed = ", ".join(f"entry {x.entry_id} ({x.state})" for x in short)
                raise _refuse(
                    source,
                    f"audit {audit_id} cannot pass: CE entries without intact evidence: "
                    f"{listed}; attach files with ppskit audit attach ENTRY FILE, or decide "
                    "fail with a --reason",
                )
        else:
            rules = load_policy(a["profile"] or None).certification.renewal.audit
            if rules is None:
                raise _refuse(
                    source,
                    f"the profile '{a['profile']}' says nothing about failed CE audits (no "
                    "certification.renewal.audit), so the renewal's fate is not set; add "
                    "on_fail to the profile",
                )
            consequence = rules.on_fail.at(on)
            kind = "renewal-denied" if consequence == "deny" else "renewal-withdrawn"
            try:
                out = undo_renewal(
                    a["trainee_id"],
                    a["renewal_event_id"],
                    kind,
                    on=on,
                    reason=f"failed CE audit {audit_id}",
                    by=by,
                    db=db,
                    today=today,
                    conn=conn,
                )
            except CertificateRefused as exc:
                why = "; ".join(x.message for x in exc.errors)
                raise _refuse(source, f"the renewal cannot be {consequence}ed: {why}") from None
            extra = " " + out.message
        conn.execute(
            insert(audit_decisions).values(
                audit_id=audit_id,
                outcome=outcome,
                on_date=on,
                consequence=consequence,
                reason=reason.strip(),
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        )
    head = f"Audit {audit_id} of {a['trainee_id']}'s renewal on {a['renewed_on']}: {outcome}."
    return Decided(audit_id, outcome, consequence, head + extra)


# ------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class AuditLine:
    """One drawn renewal in ``ppskit audit list``."""

    audit_id: int
    draw_id: int
    trainee_id: str
    renewed_on: date
    period_start: date
    period_end: date
    ce_entries: int
    evidence: str
    decision: str
    consequence: str

    def row(self) -> dict[str, object]:
        """The pinned columns as written to CSV and JSON (dates ISO)."""
        return {
            "audit_id": self.audit_id,
            "draw_id": self.draw_id,
            "trainee_id": self.trainee_id,
            "renewed_on": fmt(self.renewed_on),
            "period_start": fmt(self.period_start),
            "period_end": fmt(self.period_end),
            "ce_entries": self.ce_entries,
            "evidence": self.evidence,
            "decision": self.decision,
            "consequence": self.consequence,
        }


def audit_lines(
    *,
    draw_id: int | None = None,
    trainee: str | None = None,
    audit_id: int | None = None,
    db: str | None = None,
    root: Path | None = None,
) -> list[AuditLine]:
    """Every drawn renewal with its evidence state and decision (``pending`` if none)."""
    q = (
        select(
            audits,
            cert_events.c.on_date.label("renewed_on"),
            audit_decisions.c.outcome,
            audit_decisions.c.consequence,
        )
        .join(cert_events, cert_events.c.event_id == audits.c.renewal_event_id)
        .outerjoin(audit_decisions, audit_decisions.c.audit_id == audits.c.audit_id)
        .order_by(audits.c.audit_id)
    )
    if draw_id is not None:
        q = q.where(audits.c.draw_id == draw_id)
    if trainee is not None:
        q = q.where(audits.c.trainee_id == trainee)
    if audit_id is not None:
        q = q.where(audits.c.audit_id == audit_id)
    out = []
    with read_connection(db) as conn:
        for r in conn.execute(q).all():
            entries = period_evidence(conn, r.trainee_id, r.period_start, r.period_end, root)
            out.append(
                AuditLine(
                    r.audit_id,
                    r.draw_id,
                    r.trainee_id,
                    r.renewed_on,
                    r.period_start,
                    r.period_end,
                    len(entries),
                    evidence_summary(entries),
                    r.outcome or "pending",
                    r.consequence or "",
                )
            )
    return out


def audit_detail(audit_id: int, *, db: str | None = None, root: Path | None = None) -> dict:
    """One audit for the office: its list line and every counted CE entry of the
    period with its evidence files and their state."""
    found = audit_lines(audit_id=audit_id, db=db, root=root)
    if not found:
        with read_connection(db) as conn:
            _audit_row(conn, audit_id)  # the refusal for an audit that does not exist
    line = found[0]
    with read_connection(db) as conn:
        entries = period_evidence(conn, line.trainee_id, line.period_start, line.period_end, root)
        decision = conn.execute(
            select(audit_decisions).where(audit_decisions.c.audit_id == audit_id)
        ).first()
    return {
        **line.row(),
        "reason": decision.reason if decision else "",
        "decided_on": fmt(decision.on_date) if decision else "",
        "decided_by": decision.recorded_by if decision else "",
        "entries": [
            {
                "entry_id": x.entry_id,
                "date": fmt(x.date),
                "hours": x.hours,
                "topic": x.topic,
                "state": x.state,
                "files": [{"evidence_id": i, "name": n, "state": s} for i, n, s in x.files],
            }
            for x in entries
        ],
    }


def period_report(
    *, period_ending: date | None = None, db: str | None = None, root: Path | None = None
) -> list[dict[str, object]]:
    """One row per draw (or only the draw for ``period_ending``): drawn, evidence
    complete, passed, failed, pending, and whether the draw reproduces."""
    q = select(audit_draws).order_by(audit_draws.c.draw_id)
    if period_ending is not None:
        q = q.where(audit_draws.c.period_ending == period_ending)
    with read_connection(db) as conn:
        draws = conn.execute(q).all()
    rows = []
    for d in draws:
        lines = audit_lines(draw_id=d.draw_id, db=db, root=root)
        rows.append(
            {
                "draw_id": d.draw_id,
                "period_ending": fmt(d.period_ending),
                "rate_pct": f"{d.rate_pct:g}",
                "seed": d.seed,
                "eligible": d.eligible,
                "drawn": len(lines),
                "evidence_complete": sum(x.evidence == "complete" for x in lines),
                "passed": sum(x.decision == "pass" for x in lines),
                "failed": sum(x.decision == "fail" for x in lines),
                "pending": sum(x.decision == "pending" for x in lines),
                "reproducible": "yes" if reproduce_draw(d.draw_id, db=db) else "no",
            }
        )
    return rows
