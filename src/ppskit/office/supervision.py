"""Supervision on the append-only ledger: the supervisor registry, supervision sessions
and the flags status and the dashboard show.

* :func:`add_supervisor` and :func:`qualify_supervisor` register a supervisor and what
  they hold, one dated row per qualification (a correction or withdrawal is a new row).
* :func:`log_supervision` and :func:`import_supervision` write supervision hours through
  the hours import (same checks: 24 hours a day, no duplicates, all or nothing) and, in
  the same transaction, the session row naming the supervisor. The import reads the
  pinned hours columns plus an optional ``supervisor_id`` column.
* :func:`supervision_flags` judges every specialist (a certificate issued, or work hours
  logged) whose profile has a ``supervision:`` block, with :mod:`ppskit.rules.supervision`.

Every qualification rule and cadence comes from the trainee's profile.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, and_, exists, insert, or_, select, text

from ppskit.dates import fmt
from ppskit.db import full_scan_hint, read_connection, write_transaction
from ppskit.imports import ImportRejected, RowError, append_hours, read_csv
from ppskit.ledger.tables import (
    cert_events,
    hours_entries,
    hours_events,
    supervision_sessions,
    supervisor_qualifications,
    supervisors,
    trainees,
)
from ppskit.policies import Supervision, available_profiles, load_policy
from ppskit.records import HOURS_COLUMNS
from ppskit.rules.supervision import Credentials, Session, judge, unmet_qualifications

#: The columns of :func:`supervision_flags` (what status and the dashboard add).
FLAG_COLUMNS = ("trainee_id", "supervision", "supervision_note")
#: The columns of ``ppskit supervisors list``.
SUPERVISOR_COLUMNS = (
    "supervisor_id",
    "name",
    "lived_experience",
    "ppss_years",
    "managing",
    "licence",
    "licence_expires",
    "supervisor_course",
    "qualifies_under",
)
#: The column an hours file may add for ``ppskit supervision import``.
SUPERVISOR_COLUMN = "supervisor_id"

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_ID_MAX = supervisors.c.supervisor_id.type.length
_NAME_MAX = supervisors.c.name.type.length
_LICENCE_MAX = supervisor_qualifications.c.licence_kind.type.length


class SupervisionRefused(ImportRejected):
    """The registry or supervision step breaks a rule; nothing was written."""

    def report(self) -> str:
        """The refusal as one plain sentence (a step is one input, not a file of rows)."""
        return "; ".join(e.message.rstrip(".") for e in self.errors) + ". Nothing was written."


def _refuse(source: str, message: str) -> SupervisionRefused:
    return SupervisionRefused(source, [RowError(0, "", message)])


@dataclass
class SupervisionOutcome:
    """What an accepted step wrote, and the sentence to show."""

    message: str
    ids: tuple[int, ...] = ()


# ----------------------------------------------------------------------- registry


def _supervisor_name(conn: Connection, supervisor_id: str) -> str | None:
    return conn.execute(
        select(supervisors.c.name).where(supervisors.c.supervisor_id == supervisor_id)
    ).scalar()


def _unknown_supervisor(supervisor_id: str) -> str:
    return (
        f"there is no supervisor '{supervisor_id}'; register them first with ppskit "
        f"supervisors add {supervisor_id} --name NAME (ppskit supervisors list shows who is "
        "registered)"
    )


def add_supervisor(
    supervisor_id: str, *, name: str, by: str, db: str | None = None
) -> SupervisionOutcome:
    """Register a supervisor (their qualifications follow with :func:`qualify_supervisor`)."""
    supervisor_id, name = supervisor_id.strip(), name.strip()
    source = f"supervisor {supervisor_id}"
    if not _ID.match(supervisor_id):
        raise _refuse(
            source,
            f"'{supervisor_id}' is not a usable supervisor id; use letters, digits, '-', '_' "
            f"or '.', starting with a letter or digit, at most {_ID_MAX} characters",
        )
    if not name or len(name) > _NAME_MAX:
        raise _refuse(
            source, f"give the supervisor's name (--name, at most {_NAME_MAX} characters)"
        )
    with write_transaction(db) as conn:
        known = _supervisor_name(conn, supervisor_id)
        if known is not None:
            raise _refuse(
                source,
                f"supervisor '{supervisor_id}' is already registered ({known}); record their "
                f"qualifications with ppskit supervisors qualify {supervisor_id}",
            )
        conn.execute(
            insert(supervisors).values(
                supervisor_id=supervisor_id,
                name=name,
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        )
    return SupervisionOutcome(
        f"Supervisor {supervisor_id} ({name}) registered. Record what they hold with ppskit "
        f"supervisors qualify {supervisor_id} --on DATE ..."
    )


def qualify_supervisor(
    supervisor_id: str,
    *,
    on: date,
    lived_experience: bool | None = None,
    ppss_years: float | None = None,
    managing: bool | None = None,
    licence_kind: str | None = None,
    licence_number: str | None = None,
    licence_expires: date | None = None,
    course_done: bool = False,
    note: str = "",
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> SupervisionOutcome:
    """Record what a supervisor holds as of ``on``: one row per qualification given.

    ``ppss_years`` are the years as a Parent Peer Support Specialist on ``on`` (a later
    row records more years; they are not added up by the calendar). A licence needs its
    kind and expiry date. ``course_done``: the supervisor course was completed on ``on``.
    """
    today = today or date.today()
    source = f"supervisor {supervisor_id}"
    if on > today:
        raise _refuse(source, f"{on} is in the future; record a qualification once it is held")
    rows: list[dict] = []
    if lived_experience is not None:
        rows.append({"kind": "lived-experience", "flag": lived_experience})
    if ppss_years is not None:
        if ppss_years != ppss_years or not 0 <= ppss_years <= 80:
            raise _refuse(
                source, f"--ppss-years must be a number of years from 0 to 80 (got {ppss_years})"
            )
        rows.append({"kind": "ppss-years", "years": float(ppss_years)})
    if managing is not None:
        rows.append({"kind": "managing", "flag": managing})
    if licence_kind or licence_number or licence_expires:
        kind = (licence_kind or "").strip().lower()
        if not kind or licence_expires is None:
            raise _refuse(
                source,
                "a licence needs its kind and expiry date (--licence KIND --licence-expires DATE)",
            )
        if len(kind) > _LICENCE_MAX or len((licence_number or "").strip()) > _LICENCE_MAX:
            raise _refuse(
                source, f"the licence kind and number are at most {_LICENCE_MAX} characters"
            )
        rows.append(
            {
                "kind": "licence",
                "licence_kind": kind,
                "licence_number": (licence_number or "").strip() or None,
                "expires_on": licence_expires,
            }
        )
    if course_done:
        rows.append({"kind": "supervisor-course", "flag": True})
    if not rows:
        raise _refuse(
            source,
            "say what the supervisor holds: --lived-experience yes|no, --ppss-years N, "
            "--managing yes|no, --licence KIND --licence-expires DATE, or --course-done",
        )
    now = datetime.now(UTC)
    with write_transaction(db) as conn:
        if _supervisor_name(conn, supervisor_id) is None:
            raise _refuse(source, _unknown_supervisor(supervisor_id))
        for row in rows:
            conn.execute(
                insert(supervisor_qualifications).values(
                    supervisor_id=supervisor_id,
                    on_date=on,
                    note=note.strip(),
                    recorded_by=by,
                    recorded_at=now,
                    **row,
                )
            )
    kinds = ", ".join(r["kind"] for r in rows)
    return SupervisionOutcome(f"Recorded for supervisor {supervisor_id} as of {on}: {kinds}.")


def fold_credentials(rows: list, on: date) -> Credentials:
    """What the qualification ``rows`` of one supervisor say on ``on``: the latest row of
    each kind dated on or before it (in recording order on the same date)."""
    latest: dict[str, object] = {}
    for r in sorted(rows, key=lambda r: (r.on_date, r.qualification_id)):
        if r.on_date <= on:
            latest[r.kind] = r
    lic = latest.get("licence")
    years = latest.get("ppss-years")
    return Credentials(
        lived_experience=bool(getattr(latest.get("lived-experience"), "flag", False)),
        ppss_years=float(years.years) if years is not None else 0.0,
        managing=bool(getattr(latest.get("managing"), "flag", False)),
        licence_kind=lic.licence_kind if lic is not None else None,
        licence_expires=lic.expires_on if lic is not None else None,
        course_done=bool(getattr(latest.get("supervisor-course"), "flag", False)),
    )


def _qualification_rows(conn: Connection) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in conn.execute(select(supervisor_qualifications)):
        out.setdefault(r.supervisor_id, []).append(r)
    return out


def _profiles_with_supervision() -> dict[str, tuple[str, Supervision]]:
    """Profile id -> (name, supervision rules) for each profile that has them."""
    out = {}
    for pid in available_profiles():
        policy = load_policy(pid)
        if policy.supervision is not None:
            out[pid] = (policy.name, policy.supervision)
    return out


def list_supervisors(*, as_of: date | None = None, db: str | None = None) -> list[dict]:
    """Every registered supervisor with what they hold on ``as_of`` (default today) and
    the profiles under which they qualify on that date."""
    as_of = as_of or date.today()
    profiles = _profiles_with_supervision()
    with read_connection(db) as conn:
        people = conn.execute(select(supervisors).order_by(supervisors.c.supervisor_id)).all()
        quals = _qualification_rows(conn)
    out = []
    for p in people:
        c = fold_credentials(quals.get(p.supervisor_id, []), as_of)
        under = [
            pid for pid, (_, rules) in profiles.items() if not unmet_qualifications(rules, c, as_of)
        ]
        out.append(
            {
                "supervisor_id": p.supervisor_id,
                "name": p.name,
                "lived_experience": "yes" if c.lived_experience else "no",
                "ppss_years": f"{c.ppss_years:g}",
                "managing": "yes" if c.managing else "no",
                "licence": c.licence_kind or "",
                "licence_expires": fmt(c.licence_expires),
                "supervisor_course": "yes" if c.course_done else "no",
                "qualifies_under": " ".join(under),
            }
        )
    return out


# ----------------------------------------------------------------------- sessions


def _write_sessions(
    conn: Connection,
    rows: list[tuple[int, dict]],
    supervisor_of: list[str | None],
    *,
    by: str,
    source: str,
    today: date,
) -> tuple[int, ...]:
    """Append the hours rows through the hours import, then one session per row that
    names a supervisor; all inside the caller's transaction."""
    errors = []
    names = {}
    for (line, raw), sid in zip(rows, supervisor_of, strict=True):
        if sid is None:
            continue
        if sid not in names:
            names[sid] = _supervisor_name(conn, sid)
        if names[sid] is None:
            errors.append(RowError(line, SUPERVISOR_COLUMN, _unknown_supervisor(sid)))
        if str(raw.get("category", "")).strip().lower() != "supervision":
            errors.append(
                RowError(
                    line,
                    "category",
                    "a row that names a supervisor must be supervision hours (category "
                    "supervision); leave supervisor_id blank for other hours",
                )
            )
    if errors:
        raise ImportRejected(source, errors)
    outcome = append_hours(conn, rows, by=by, source=source, today=today)
    ids = [int(i) for i in outcome.ids]
    if not ids:
        return ()
    # The entries this call just wrote lie between its first and last id (a range, not
    # an IN list of every id, which would pass the databases' parameter limits).
    entries = {
        e.entry_id: e
        for e in conn.execute(
            select(
                hours_entries.c.entry_id,
                hours_entries.c.trainee_id,
                hours_entries.c.date,
                hours_entries.c.hours,
            ).where(hours_entries.c.entry_id.between(min(ids), max(ids)))
        )
    }
    now = datetime.now(UTC)
    sessions = [
        {
            "entry_id": entry_id,
            "trainee_id": entries[entry_id].trainee_id,
            "supervisor_id": sid,
            "date": entries[entry_id].date,
            "hours": entries[entry_id].hours,
            "recorded_by": by,
            "recorded_at": now,
        }
        for entry_id, sid in zip(ids, supervisor_of, strict=True)
        if sid is not None
    ]
    if sessions:
        conn.execute(insert(supervision_sessions), sessions)
    return tuple(ids)


def log_supervision(
    trainee_id: str,
    *,
    supervisor_id: str,
    on: date,
    hours: str | float,
    verified: bool = True,
    note: str = "",
    by: str,
    db: str | None = None,
    today: date | None = None,
) -> SupervisionOutcome:
    """Record one supervision session: a supervision hours entry and the supervisor who
    gave it. A supervisor who does not qualify under the trainee's profile is recorded
    all the same, and the message says so (the flags show it too)."""
    today = today or date.today()
    source = "supervision log"
    row = {
        "trainee_id": trainee_id,
        "date": on.isoformat(),
        "hours": str(hours),
        "category": "supervision",
        "topic": "",
        "source": "session",
        "verified": "yes" if verified else "no",
        "note": note,
    }
    with write_transaction(db) as conn:
        if _supervisor_name(conn, supervisor_id) is None:
            raise _refuse(source, _unknown_supervisor(supervisor_id))
        ids = _write_sessions(conn, [(0, row)], [supervisor_id], by=by, source=source, today=today)
        profile = conn.execute(
            select(trainees.c.profile).where(trainees.c.trainee_id == trainee_id)
        ).scalar()
        quals = _qualification_rows(conn).get(supervisor_id, [])
    msg = (
        f"Logged entry {ids[0]}: {float(hours):g} supervision hours for {trainee_id} with "
        f"{supervisor_id} on {on}."
    )
    policy = load_policy(profile or None)
    if policy.supervision is not None:
        unmet = unmet_qualifications(policy.supervision, fold_credentials(quals, on), on)
        if unmet:
            msg += (
                f" Note: {supervisor_id} does not qualify under {policy.name} on {on} (not "
                "recorded as " + "; ".join(unmet) + "), so these hours do not count as "
                "supervision until that is recorded with ppskit supervisors qualify "
                f"{supervisor_id}."
            )
    return SupervisionOutcome(msg, ids)


def import_supervision(
    file: Path | str, *, by: str, db: str | None = None, today: date | None = None
) -> SupervisionOutcome:
    """``ppskit supervision import FILE``: an hours file (the pinned hours columns) with an
    optional ``supervisor_id`` column; rows that name a supervisor are supervision
    sessions, the others plain hours. All rows or none."""
    today = today or date.today()
    source = str(file)
    read = read_csv(file, HOURS_COLUMNS, optional=[SUPERVISOR_COLUMN])
    rows, supervisor_of = [], []
    for line, raw in read:
        sid = (raw.pop(SUPERVISOR_COLUMN, "") or "").strip()
        rows.append((line, raw))
        supervisor_of.append(sid or None)
    with write_transaction(db) as conn:
        ids = _write_sessions(conn, rows, supervisor_of, by=by, source=source, today=today)
    sessions = sum(1 for s in supervisor_of if s)
    return SupervisionOutcome(
        f"{file}: {len(ids)} hour entries written, {sessions} of them supervision sessions "
        "with their supervisor.",
        ids,
    )


# -------------------------------------------------------------------------- flags


def _worked_hours(conn: Connection, as_of: date) -> dict[str, float]:
    """Live (not voided) work hours up to ``as_of`` per trainee who logged any: one pass
    over the hours table (the voided entries are few, read once)."""
    rows = conn.execute(
        text(
            "SELECT trainee_id, SUM(hours) FROM hours_entries"
            f"{full_scan_hint(conn)} WHERE category = 'work' AND date <= :as_of"
            " AND entry_id NOT IN (SELECT entry_id FROM hours_events WHERE kind = 'void')"
            " GROUP BY trainee_id"
        ),
        {"as_of": as_of},
    )
    return {t: float(h) for t, h in rows}


def _specialists(conn: Connection, as_of: date, worked: dict[str, float]) -> set[str]:
    """Trainees working as specialists on ``as_of``: a certificate issued and not
    revoked, or live work hours logged."""
    kinds = {"issued": set(), "revoked": set()}
    for tid, kind in conn.execute(
        select(cert_events.c.trainee_id, cert_events.c.kind).where(
            cert_events.c.kind.in_(tuple(kinds)), cert_events.c.on_date <= as_of
        )
    ):
        kinds[kind].add(tid)
    return (kinds["issued"] - kinds["revoked"]) | set(worked)


def _sessions(conn: Connection, as_of: date) -> tuple[list, dict[str, float]]:
    """Live sessions up to ``as_of`` with their supervisor's name and whether their
    hours entry is verified (its own flag or a verify event)."""
    e, s = hours_entries, supervision_sessions
    voided = exists().where(hours_events.c.entry_id == e.c.entry_id, hours_events.c.kind == "void")
    verify = exists().where(
        hours_events.c.entry_id == e.c.entry_id, hours_events.c.kind == "verify"
    )
    q = (
        select(
            s.c.trainee_id,
            s.c.supervisor_id,
            supervisors.c.name,
            s.c.date,
            s.c.hours,
            or_(e.c.verified, verify).label("ok"),
        )
        .join(e, e.c.entry_id == s.c.entry_id)
        .join(supervisors, supervisors.c.supervisor_id == s.c.supervisor_id)
        .where(and_(s.c.date <= as_of, ~voided))
        .order_by(s.c.session_id)
    )
    rows, waiting = [], {}
    for r in conn.execute(q):
        if r.ok:
            rows.append(r)
        else:
            waiting[r.trainee_id] = waiting.get(r.trainee_id, 0.0) + r.hours
    return rows, waiting


def supervision_flags(
    as_of: date | None = None, db: str | None = None, *, worked: dict[str, float] | None = None
) -> pd.DataFrame:
    """One row per specialist whose profile sets supervision rules: ``trainee_id``,
    ``supervision`` (ok | missing | lapsed | unqualified) and ``supervision_note`` (plain
    words with the next step). Trainees not working as specialists yet (no certificate,
    no work hours) and profiles without a ``supervision:`` block get no row. ``worked``:
    live work hours per trainee when the caller has them (status does), else read here."""
    as_of = as_of or date.today()
    profiles = _profiles_with_supervision()
    with read_connection(db) as conn:
        people = conn.execute(
            select(trainees.c.trainee_id, trainees.c.profile).order_by(trainees.c.trainee_id)
        ).all()
        people = [p for p in people if p.profile in profiles]
        if not people:
            return pd.DataFrame(columns=list(FLAG_COLUMNS))
        if worked is None:
            worked = _worked_hours(conn, as_of)
        working = _specialists(conn, as_of, worked)
        session_rows, waiting = _sessions(conn, as_of)
        quals = _qualification_rows(conn)
    by_trainee: dict[str, list] = {}
    for r in session_rows:
        by_trainee.setdefault(r.trainee_id, []).append(r)
    out = []
    for p in people:
        if p.trainee_id not in working:
            continue
        name, rules = profiles[p.profile]
        sessions = [
            Session(
                r.date,
                float(r.hours),
                r.supervisor_id,
                r.name,
                unmet_qualifications(
                    rules, fold_credentials(quals.get(r.supervisor_id, []), r.date), r.date
                ),
            )
            for r in by_trainee.get(p.trainee_id, [])
        ]
        j = judge(
            sessions, rules, as_of, worked_hours=worked.get(p.trainee_id, 0.0), profile_name=name
        )
        note = j.note
        if p.trainee_id in waiting:
            note += (
                f" {waiting[p.trainee_id]:g} more supervision hours wait for verification "
                "(ppskit hours verify ENTRY)."
            )
        out.append((p.trainee_id, j.state, note))
    return pd.DataFrame(out, columns=list(FLAG_COLUMNS))


# ------------------------------------------------------------------------- output


def format_rows(
    rows: list[dict] | pd.DataFrame, columns: tuple[str, ...], fmt_: str = "table"
) -> str:
    """Rows as ``table``, ``csv`` (formula-safe, pinned header) or ``json``."""
    from ppskit.office.listing import format_rows as listing

    df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows, columns=list(columns))
    records = df[list(columns)].to_dict(orient="records")
    notes = {c: 80 for c in columns if "note" in c}
    return listing(records, columns, fmt_, "Nothing to show.", max_widths=notes)
