"""Supervision: who qualifies to supervise under a profile, and whether a specialist's
supervision is ``ok``, ``missing``, ``lapsed`` or ``unqualified`` on a date.

Pure functions of the registry's dated credentials, the supervision sessions and the
profile's ``supervision:`` block (seed 002: a parent with lived experience of the public
children's system, 5+ years as a PPSS, experience managing others; seed 004: an
independently licensed practitioner). One small formula per rule, OpenFisca style, so
each can be tested on its own; every number and label comes from the profile.

A period is counted like the complaint clocks: a session on day D keeps a
``per-period`` cadence of N days met up to and including D + N; the day after, it has
lapsed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from ppskit.dates import fmt
from ppskit.policies import (
    CourseQualifies,
    LicenceQualifies,
    LivedExperienceQualifies,
    ManagingQualifies,
    PpssYearsQualifies,
    Supervision,
)

#: The pinned values of the ``supervision`` column.
STATES = ("ok", "missing", "lapsed", "unqualified")

_EPS = 1e-9


@dataclass(frozen=True)
class Credentials:
    """What the registry holds for one supervisor on one date (the latest row of each
    kind on or before it)."""

    lived_experience: bool = False
    ppss_years: float = 0.0
    managing: bool = False
    licence_kind: str | None = None
    licence_expires: date | None = None
    course_done: bool = False


@dataclass(frozen=True)
class Session:
    """One live, verified supervision session, judged on its own date: ``unmet`` holds
    the labels of the profile's rules the supervisor did not meet that day."""

    on: date
    hours: float
    supervisor_id: str
    supervisor_name: str
    unmet: tuple[str, ...] = ()

    @property
    def qualified(self) -> bool:
        return not self.unmet


@dataclass(frozen=True)
class Judgement:
    """A specialist's supervision on a date: one of :data:`STATES` and a plain note."""

    state: str
    note: str


# ------------------------------------------------------------------ qualifications


def lived_experience_held(c: Credentials) -> bool:
    """Seed 002: a parent with a child served by the public children's system."""
    return c.lived_experience


def ppss_years_held(c: Credentials, minimum: float) -> bool:
    """Seed 002: at least ``minimum`` years as a Parent Peer Support Specialist."""
    return c.ppss_years >= minimum - _EPS


def managing_held(c: Credentials) -> bool:
    """Seed 002: experience in managing others."""
    return c.managing


def licence_held(c: Credentials, accepted: list[str], on: date) -> bool:
    """Seed 004: a licence of an accepted kind that has not expired on ``on`` (a licence
    is good through its expiry date)."""
    kinds = {k.strip().lower() for k in accepted}
    return (
        c.licence_kind is not None
        and c.licence_kind.strip().lower() in kinds
        and c.licence_expires is not None
        and on <= c.licence_expires
    )


def course_held(c: Credentials) -> bool:
    """CalMHSA: the supervisor course completed."""
    return c.course_done


def unmet_qualifications(rules: Supervision, c: Credentials, on: date) -> tuple[str, ...]:
    """The labels of the profile's ``qualifies`` rules that ``c`` does not meet on ``on``
    (empty: the supervisor qualifies)."""
    unmet = []
    for rule in rules.qualifies:
        if isinstance(rule, LivedExperienceQualifies):
            held = lived_experience_held(c)
        elif isinstance(rule, PpssYearsQualifies):
            held = ppss_years_held(c, float(rule.minimum.at(on)))
        elif isinstance(rule, ManagingQualifies):
            held = managing_held(c)
        elif isinstance(rule, LicenceQualifies):
            held = licence_held(c, list(rule.accepted.at(on)), on)
        elif isinstance(rule, CourseQualifies):
            held = course_held(c)
        else:  # pragma: no cover - the schema admits only the kinds above
            raise TypeError(f"unknown qualification kind {rule!r}")
        if not held:
            unmet.append(rule.label)
    return tuple(unmet)


# -------------------------------------------------------------------------- cadence


def period_start(as_of: date, period_days: int) -> date:
    """First day whose sessions still count on ``as_of`` under a per-period cadence."""
    return as_of - timedelta(days=period_days)


def hours_needed_per_period(hours: float) -> float:
    """Supervision hours a per-period cadence asks in each period (the profile's)."""
    return hours


def hours_needed_for_work(worked: float, hours: float, per_worked: float) -> float:
    """Supervision hours a per-hours-worked cadence asks for ``worked`` hours of work:
    ``hours`` for every full ``per_worked`` hours."""
    return math.floor(worked / per_worked + _EPS) * hours


def next_due(sessions: list[Session], need: float, period_days: int) -> date | None:
    """Last day the qualified ``sessions`` keep a per-period cadence met: counting back
    from the latest, the session that brings the total to ``need`` falls out of the
    period ``period_days`` days after its date."""
    total = 0.0
    for s in sorted(sessions, key=lambda s: s.on, reverse=True):
        total += s.hours
        if total >= need - _EPS:
            return s.on + timedelta(days=period_days)
    return None


# ----------------------------------------------------------------------- judgement


def _hours(sessions: list[Session]) -> float:
    return sum(s.hours for s in sessions)


def _n(hours: float) -> str:
    return f"{hours:g} hour" + ("" if abs(hours - 1) < _EPS else "s")


def _unqualified_note(s: Session, profile_name: str) -> str:
    return (
        f"supervision on {fmt(s.on)} was by {s.supervisor_name} ({s.supervisor_id}), who "
        f"did not qualify under {profile_name} that day: not recorded as "
        + "; ".join(s.unmet)
        + f". Record what they hold with ppskit supervisors qualify {s.supervisor_id}, or "
        "log supervision by a qualified supervisor with ppskit supervision log"
    )


def judge(
    sessions: list[Session],
    rules: Supervision,
    as_of: date,
    *,
    worked_hours: float = 0.0,
    profile_name: str = "the profile",
) -> Judgement:
    """A specialist's supervision on ``as_of`` from their sessions up to that date.

    ``missing``: no supervision recorded. ``unqualified``: none of it by a qualified
    supervisor, or only the unqualified sessions make up the cadence. ``lapsed``: too
    little qualified supervision for the cadence. ``ok`` otherwise."""
    sessions = sorted((s for s in sessions if s.on <= as_of), key=lambda s: s.on)
    if not sessions:
        return Judgement(
            "missing",
            "No supervision is recorded; log it with ppskit supervision log TRAINEE "
            "--supervisor ID --date DATE --hours N.",
        )
    qualified = [s for s in sessions if s.qualified]
    if not qualified:
        return Judgement(
            "unqualified", "All " + _unqualified_note(sessions[-1], profile_name) + "."
        )
    cadence = rules.cadence
    hours = float(cadence.hours.at(as_of))
    if cadence.kind == "per-period":
        days = int(cadence.period_days.at(as_of))
        start = period_start(as_of, days)
        need = hours_needed_per_period(hours)
        have = _hours([s for s in qualified if s.on >= start])
        every = _hours([s for s in sessions if s.on >= start])
        span = f"in the {days} days to {fmt(as_of)}"
    else:
        per = float(cadence.worked_hours.at(as_of))
        need = hours_needed_for_work(worked_hours, hours, per)
        have, every = _hours(qualified), _hours(sessions)
        span = f"for {worked_hours:g} hours worked ({hours:g} per {per:g})"
    if have >= need - _EPS:
        note = f"{_n(have)} of qualified supervision {span} (needed {need:g})."
        if cadence.kind == "per-period":
            due = next_due([s for s in qualified if s.on >= start], need, days)
            note += f" Next supervision due by {fmt(due)}."
        return Judgement("ok", note)
    if every >= need - _EPS:
        bad = next(s for s in reversed(sessions) if not s.qualified)
        return Judgement(
            "unqualified",
            f"Only {have:g} of {_n(need)} {span} are by a qualified supervisor: "
            + _unqualified_note(bad, profile_name)
            + ".",
        )
    last = qualified[-1]
    return Judgement(
        "lapsed",
        f"{have:g} of {_n(need)} of qualified supervision {span}; the last was on "
        f"{fmt(last.on)} with {last.supervisor_name}. Log the missing supervision with "
        "ppskit supervision log.",
    )
