"""Recording a facilitated session on the append-only ledger.

:func:`record_session` is what a trainer does after running a session guide: in one
write transaction it appends the session's hours entry through the hours import (the
same checks as every hours row: known trainee, 24 hours a day, no duplicates) and the
observed skill check the trainer scored with the guide's rubric. Either both rows are
written or neither is.

The hours are the guide's credited hours (agenda minutes without breaks, over 60) or,
for a trainee who missed part of the session, fewer hours with the reason; never more.
The skill check's verdict comes from the guide's pass rule; nothing here restates it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, and_, insert, select

from ppskit.db import read_connection, write_transaction
from ppskit.imports import ImportRejected, RowError, append_hours
from ppskit.ledger.tables import hours_entries, hours_events, skill_checks
from ppskit.sessions import GuideError, load_guide
from ppskit.sessions.schema import LEVELS, SessionGuide

#: The ``note`` of a session's hours entry starts with this, then the guide id.
NOTE_PREFIX = "session:"
#: The columns of :func:`skill_check_rows` (what ``ppskit sessions checks`` shows).
CHECK_COLUMNS = (
    "check_id",
    "on_date",
    "guide_id",
    "hours",
    "total",
    "out_of",
    "passed",
    "observer",
    "scores",
    "note",
)

_OBSERVER_MAX = skill_checks.c.observer.type.length
#: The hours entry's category for each kind of guide.
_CATEGORY = {"core": "core", "ce": "ce"}


class SessionRefused(ImportRejected):
    """A session record breaks a rule; nothing was written."""

    def report(self) -> str:
        """The refusal as plain sentences (one record is one input, not a file of rows)."""
        return "; ".join(e.message.rstrip(".") for e in self.errors) + ". Nothing was written."


def _refuse(source: str, *messages: str) -> SessionRefused:
    return SessionRefused(source, [RowError(0, "", m) for m in messages])


@dataclass
class SessionOutcome:
    """What :func:`record_session` wrote, and the sentence to show the trainer."""

    message: str
    entry_id: int
    check_id: int | None
    passed: bool | None


@dataclass(frozen=True)
class ScoredCheck:
    """A skill check's levels judged by the guide's pass rule."""

    scores: dict[str, int]
    total: int
    out_of: int
    passed: bool
    below: tuple[str, ...]


def credited_hours(guide: SessionGuide) -> float:
    """The hours a full session credits: its agenda minutes over 60, rounded down to the
    hundredth (an hours entry holds at most two decimals; never credit more than ran)."""
    return guide.hours


def score_check(guide: SessionGuide, scores: dict[str, int], source: str) -> ScoredCheck:
    """Check that ``scores`` gives every rubric criterion of ``guide`` a level from the
    schema's levels, and judge it by the guide's pass rule."""
    check = guide.skill_check
    if check is None:
        raise _refuse(source, f"{guide.id} has no observed skill check; record it without scores")
    ids = [c.id for c in check.criteria]
    problems = []
    unknown = [k for k in scores if k not in ids]
    if unknown:
        problems.append(
            "the rubric of "
            + guide.id
            + " has no criterion "
            + ", ".join(unknown)
            + " (its criteria are "
            + ", ".join(ids)
            + ")"
        )
    missing = [k for k in ids if k not in scores]
    if missing:
        problems.append("give a level for every criterion; missing: " + ", ".join(missing))
    bad = [
        f"{k}={v!r}"
        for k, v in scores.items()
        if k in ids and (isinstance(v, bool) or not isinstance(v, int) or v not in LEVELS)
    ]
    if bad:
        problems.append(
            "a level is one of " + ", ".join(map(str, LEVELS)) + "; got " + ", ".join(bad)
        )
    if problems:
        raise _refuse(source, *problems)
    ordered = {k: scores[k] for k in ids}
    total = sum(ordered.values())
    rule = check.pass_rule
    below = tuple(k for k, v in ordered.items() if v < rule.min_each)
    return ScoredCheck(
        scores=ordered,
        total=total,
        out_of=len(ids) * max(LEVELS),
        passed=not below and total >= rule.min_total,
        below=below,
    )


def _already_recorded(conn: Connection, trainee_id: str, guide_id: str, on: date) -> int | None:
    """The live (not voided) session entry of this guide for this trainee and day."""
    voided = select(hours_events.c.entry_id).where(hours_events.c.kind == "void")
    entries = conn.execute(
        select(hours_entries.c.entry_id, hours_entries.c.note).where(
            and_(
                hours_entries.c.trainee_id == trainee_id,
                hours_entries.c.date == on,
                hours_entries.c.source == "session",
                hours_entries.c.note.like(f"{NOTE_PREFIX}{guide_id}%"),
                hours_entries.c.entry_id.not_in(voided),
            )
        )
    )
    for entry_id, note in entries:
        # The prefix match also finds a longer guide id; compare the id itself.
        if note.split(";")[0].strip() == f"{NOTE_PREFIX}{guide_id}":
            return int(entry_id)
    return None


def _insert_check(conn: Connection, values: dict) -> int:
    """Append the skill-check row inside the caller's transaction."""
    return int(conn.execute(insert(skill_checks).values(**values)).inserted_primary_key[0])


def record_session(
    trainee_id: str,
    guide_id: str,
    *,
    on: date,
    facilitator: str,
    scores: dict[str, int] | None,
    hours: float | None = None,
    reason: str = "",
    observer: str | None = None,
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> SessionOutcome:
    """Record one trainee's attendance at a facilitated session and, when scored, the
    observed skill check: the ``session`` hours entry and the skill-check row, in one
    transaction. Refuses (:class:`SessionRefused`) an unknown guide, hours above the
    guide's, fewer hours without a reason, scores that do not fit the rubric, and a
    second live record of the same guide for the same trainee and day (after the first
    one's hours entry is voided, the session can be recorded again).

    ``observer`` is who scored the skill check when it was not the facilitator (a second
    observer running a second station); the hours entry's note names the facilitator."""
    today = today or date.today()
    source = "sessions record"
    try:
        guide = load_guide(guide_id)
    except GuideError as exc:
        raise _refuse(source, str(exc)) from None
    facilitator = (facilitator or "").strip()
    if not facilitator or len(facilitator) > _OBSERVER_MAX:
        raise _refuse(
            source,
            f"name the facilitator who ran the session and observed the skill check "
            f"(at most {_OBSERVER_MAX} characters)",
        )
    observer = (observer or "").strip() or facilitator
    if len(observer) > _OBSERVER_MAX:
        raise _refuse(source, f"the observer's name is longer than {_OBSERVER_MAX} characters")
    full = credited_hours(guide)
    credited = full if hours is None else float(hours)
    reason = (reason or "").strip()
    if credited > full:
        raise _refuse(
            source,
            f"{guide.id} credits {full:g} hours ({guide.minutes} agenda minutes without "
            f"breaks); {credited:g} is more than the session gives",
        )
    if credited < full and not reason:
        raise _refuse(
            source,
            f"{credited:g} hours is less than the {full:g} of {guide.id}; give the reason "
            "(for example, the part of the session the trainee missed)",
        )
    scored = score_check(guide, scores, source) if scores is not None else None
    # The guide id comes first (the duplicate check reads it); who ran the session next,
    # so the hours entry alone says who can confirm it.
    note = f"{NOTE_PREFIX}{guide.id}; facilitator: {facilitator}"
    if reason:
        note += f"; {reason}"
    row = {
        "trainee_id": trainee_id,
        "date": on.isoformat(),
        "hours": f"{credited:g}",
        "category": _CATEGORY[guide.kind],
        "topic": guide.topic,
        "source": "session",
        "verified": "yes",
        "note": note,
    }
    with write_transaction(db) as conn:
        earlier = _already_recorded(conn, trainee_id, guide.id, on)
        if earlier is not None:
            raise _refuse(
                source,
                f"{guide.id} is already recorded for {trainee_id} on {on.isoformat()} "
                f"(entry {earlier}); to correct it, void that entry with ppskit hours void "
                f"{earlier} --reason ... and record the session again",
            )
        outcome = append_hours(conn, [(0, row)], by=by, source=source, today=today)
        entry_id = int(outcome.ids[0])
        check_id = None
        if scored is not None:
            check_id = _insert_check(
                conn,
                {
                    "trainee_id": trainee_id,
                    "guide_id": guide.id,
                    "on_date": on,
                    "entry_id": entry_id,
                    "scores": json.dumps(scored.scores),
                    "total": scored.total,
                    "passed": scored.passed,
                    "observer": observer,
                    "note": reason,
                    "recorded_by": by,
                    "recorded_at": datetime.now(UTC),
                },
            )
    msg = (
        f"Recorded entry {entry_id}: {credited:g} {guide.kind} hours in {guide.topic} for "
        f"{trainee_id} on {on.isoformat()} ({guide.title}, facilitated by {facilitator})."
    )
    if scored is not None:
        verdict = "passed" if scored.passed else "not passed yet"
        msg += f" Skill check {check_id}: {scored.total} of {scored.out_of}, {verdict}"
        if scored.below:
            msg += (
                f" (below level {guide.skill_check.pass_rule.min_each}: "
                + ", ".join(scored.below)
                + ")"
            )
        elif not scored.passed:
            msg += f" (the total needs {guide.skill_check.pass_rule.min_total})"
        msg += "."
    elif guide.skill_check is not None:
        msg += " No skill check was scored; record it when the trainee has done it."
    return SessionOutcome(msg, entry_id, check_id, None if scored is None else scored.passed)


def skill_check_rows(trainee_id: str, *, db: str | None = None) -> list[dict]:
    """The skill checks recorded for one trainee, oldest first, with the session hours
    they came with (``None`` when that entry was voided, which voids the check)."""
    voided = select(hours_events.c.entry_id).where(hours_events.c.kind == "void")
    with read_connection(db) as conn:
        live = {
            int(e)
            for (e,) in conn.execute(
                select(hours_entries.c.entry_id).where(
                    and_(
                        hours_entries.c.trainee_id == trainee_id,
                        hours_entries.c.source == "session",
                        hours_entries.c.entry_id.not_in(voided),
                    )
                )
            )
        }
        hours_of = dict(
            conn.execute(
                select(hours_entries.c.entry_id, hours_entries.c.hours).where(
                    hours_entries.c.trainee_id == trainee_id
                )
            ).all()
        )
        rows = conn.execute(
            select(skill_checks)
            .where(skill_checks.c.trainee_id == trainee_id)
            .order_by(skill_checks.c.on_date, skill_checks.c.check_id)
        ).all()
    out = []
    for r in rows:
        scores = json.loads(r.scores)
        out.append(
            {
                "check_id": r.check_id,
                "on_date": r.on_date,
                "guide_id": r.guide_id,
                "hours": hours_of.get(r.entry_id) if r.entry_id in live else None,
                "total": r.total,
                "out_of": len(scores) * max(LEVELS),
                "passed": bool(r.passed),
                "observer": r.observer,
                "scores": scores,
                "note": r.note,
            }
        )
    return out
