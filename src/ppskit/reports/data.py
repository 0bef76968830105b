"""The data behind every report: one snapshot of the ledger as of a date, and the tables
a transcript, a cohort overview and the renewals list show.

The snapshot is read once, with the status engine's own loader (sums pushed into SQL),
so the status column and the charts always agree and a statewide registry stays fast.
Only read functions are used here (``read_connection``, ``load_inputs``, the
``*_frame`` readers, SELECT statements), so a report can never change the ledger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select

from ppskit.db import read_connection
from ppskit.framework import load_framework
from ppskit.ledger.api import certificate_events_frame
from ppskit.ledger.sittings import open_holds
from ppskit.ledger.tables import hours_entries, hours_events
from ppskit.policies import DEFAULT_PROFILE, Policy, load_policy
from ppskit.rules.exams import passed_sections
from ppskit.status import (
    STAGES,
    SeriesState,
    _adjusted_core,
    compute_from_inputs,
    effective_exam_results,
    evaluate_series,
    fold_certificates,
    load_inputs,
)

_COHORT = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

#: Stages in which someone has to do something soon: the trainee (take or retake the
#: exam, renew), a trainer (verify hours) or the certifying body (issue a certificate).
#: "certified", "revoked" and "ineligible" rows only appear when hours await verification.
ACTION_STAGES = (
    "exam-ready",
    "retake-open",
    "grandfathered",
    "certifiable",
    "renewal-due",
    "expired",
    "suspended",
)

STATUS_NUMBERS = ("core_hours", "ce_hours", "ce_required", "unverified_core_hours")


@dataclass
class Snapshot:
    """The ledger as of one date, for one cohort (or everyone)."""

    as_of: date
    cohort: str | None
    trainees: pd.DataFrame
    status: pd.DataFrame
    core: pd.DataFrame  # trainee_id, topic, verified, hours (after verify/void events)
    exams: pd.DataFrame  # trainee_id, date, form, section, score_pct (effective rows)
    certs: pd.DataFrame  # certificate events with their verification codes
    db: str | None = None
    # Exam sittings held out of the tracker (ppskit.ledger.sittings.open_holds): awaiting
    # manual grading, or flagged and awaiting review.
    holds: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HOLD_COLUMNS))

    @property
    def trainee_ids(self) -> list[str]:
        """Trainee ids in the snapshot, sorted."""
        return list(self.status["trainee_id"])


def check_cohort(cohort: str | None) -> str | None:
    """Validate a cohort name (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` of enrolment)."""
    if cohort is None or cohort == "":
        return None
    cohort = cohort.strip()
    if not _COHORT.match(cohort):
        raise ValueError(
            f"'{cohort}' is not a cohort. A cohort is the year, month or day trainees enrolled: "
            "write it as 2026, 2026-11 or 2026-11-23."
        )
    return cohort


def _numeric_status(status: pd.DataFrame) -> pd.DataFrame:
    # The status engine pins its numbers as text (for CSV/JSON); reports need numbers.
    out = status.copy()
    for col in STATUS_NUMBERS:
        if col in out:
            out[col] = pd.to_numeric(out[col], errors="coerce").fillna(0.0)
    return out


_STATUS_EXTRAS = ["name", "profile", "unverified_core_hours", "retake_by", "failed_sections"]


def load_snapshot(
    *, as_of: date | None = None, cohort: str | None = None, db: str | None = None
) -> Snapshot:
    """Read the ledger once as of ``as_of`` (default today): status rows, core hours per
    domain, exam results and certificate events, limited to ``cohort`` when given."""
    as_of = as_of or date.today()
    cohort = check_cohort(cohort)
    with read_connection(db) as conn:
        inputs = load_inputs(conn, as_of)
        holds = open_holds(as_of=as_of, conn=conn)
    status = compute_from_inputs(inputs, as_of)
    for col in _STATUS_EXTRAS:
        if col not in status:
            status[col] = pd.Series(dtype=object)
    status = _numeric_status(status)
    core = _adjusted_core(inputs["sums"], inputs["events"])
    exams = effective_exam_results(inputs["exams"])
    exams = exams[EXAM_RULE_COLUMNS].reset_index(drop=True)
    certs = certificate_events_frame(db=db)
    if not certs.empty:
        certs = certs[certs["on_date"] <= as_of]
    snap = Snapshot(as_of, None, inputs["trainees"], status, core, exams, certs, db, holds)
    return select_cohort(snap, cohort)


def cohorts(snapshot: Snapshot) -> list[str]:
    """Enrolment months present in the snapshot, newest first (``YYYY-MM``)."""
    if snapshot.trainees.empty:
        return []
    months = {d.isoformat()[:7] for d in snapshot.trainees["enrolled_on"]}
    return sorted(months, reverse=True)


def select_cohort(snapshot: Snapshot, cohort: str | None) -> Snapshot:
    """The same snapshot limited to trainees who enrolled in ``cohort``."""
    cohort = check_cohort(cohort)
    if cohort is None:
        return replace(snapshot, cohort=None)
    tr = snapshot.trainees
    keep = tr[tr["enrolled_on"].map(lambda d: d.isoformat().startswith(cohort))]
    return _restrict(replace(snapshot, cohort=cohort), set(keep["trainee_id"]))


def select_stage(snapshot: Snapshot, stage: str | None) -> Snapshot:
    """The same snapshot limited to trainees at ``stage`` (one of ``STAGES``)."""
    if not stage:
        return snapshot
    if stage not in STAGES:
        raise ValueError(f"'{stage}' is not a stage; stages are: {', '.join(STAGES)}.")
    ids = set(snapshot.status.loc[snapshot.status["stage"] == stage, "trainee_id"])
    return _restrict(snapshot, ids)


def _restrict(snapshot: Snapshot, ids: set[str]) -> Snapshot:
    def keep(df: pd.DataFrame) -> pd.DataFrame:
        return df[df["trainee_id"].isin(ids)] if not df.empty else df

    return replace(
        snapshot,
        trainees=keep(snapshot.trainees),
        status=keep(snapshot.status).reset_index(drop=True),
        core=keep(snapshot.core),
        exams=keep(snapshot.exams),
        certs=keep(snapshot.certs),
        holds=keep(snapshot.holds),
    )


HOLD_COLUMNS = ["trainee_id", "assignment", "form", "handed_in_at", "state", "what"]


def exam_holds(snapshot: Snapshot) -> pd.DataFrame:
    """The snapshot's held exam sittings, one row each (``trainee_id``, ``name``,
    ``assignment``, ``form``, ``handed_in`` day, ``state``, ``what`` in plain words):
    flagged ones first, then those awaiting manual grading, oldest hand-in first."""
    cols = ["trainee_id", "name", "assignment", "form", "handed_in", "state", "what"]
    h = snapshot.holds
    if h.empty:
        return pd.DataFrame(columns=cols)
    names = snapshot.status.set_index("trainee_id")["name"] if not snapshot.status.empty else {}
    out = h.assign(
        name=h["trainee_id"].map(names).fillna(""),
        handed_in=h["handed_in_at"].map(lambda t: t.date().isoformat()),
        _flagged=h["state"] != "held-flagged",
    )
    out = out.sort_values(["_flagged", "handed_in_at", "trainee_id"], kind="stable")
    return out[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- cohort


@dataclass
class CohortReport:
    """Everything the cohort overview shows."""

    as_of: date
    cohort: str | None
    status: pd.DataFrame
    stage_counts: pd.Series
    domain_hours: pd.DataFrame
    sections: pd.DataFrame
    needing_action: pd.DataFrame
    summary: dict = field(default_factory=dict)


def verified_core_hours(snapshot: Snapshot) -> pd.DataFrame:
    """Verified core hours per trainee (rows, every trainee) and domain (columns, ids)."""
    domains = load_framework().domain_ids
    ids = pd.Index(snapshot.trainee_ids, name="trainee_id")
    c = snapshot.core
    if c.empty:
        return pd.DataFrame(0.0, index=ids, columns=domains)
    core = c[c["verified"] & c["topic"].isin(domains)]
    table = core.pivot_table(
        index="trainee_id", columns="topic", values="hours", aggfunc="sum", fill_value=0.0
    )
    return table.reindex(index=ids, columns=domains, fill_value=0.0).fillna(0.0)


def _policy_column(snapshot: Snapshot, ids: pd.Series) -> pd.Series:
    profiles = snapshot.status.set_index("trainee_id")["profile"]
    return ids.map(profiles).fillna("ca-ppss")


def _report_sections(snapshot: Snapshot) -> list[tuple[str, str]]:
    """(section id, label) rows for the pass-rate table: the default profile's sections,
    then those of other profiles the cohort's trainees have; a single ``total`` score is
    not a section pass rate and is left out."""
    pids = [DEFAULT_PROFILE]
    if not snapshot.status.empty:
        pids += sorted({p for p in snapshot.status["profile"].fillna("") if p} - {DEFAULT_PROFILE})
    rows: dict[str, str] = {}
    for pid in pids:
        policy = load_policy(pid)
        for sid in policy.sections:
            if sid != "total" and sid not in rows:
                rows[sid] = policy.section_label(sid)
    return list(rows.items())


# What the exam rules read of a sitting's rows (cut_pct when the form has a cut).
EXAM_RULE_COLUMNS = ["trainee_id", "date", "form", "section", "score_pct", "cut_pct"]


def section_pass_rates(snapshot: Snapshot) -> pd.DataFrame:
    """Per exam section (the profiles' own sections): trainees who sat it, how many
    passed at the first attempt and at all, and the mean of every score (pass marks come
    from each trainee's profile)."""
    cols = ["section", "name", "sat", "passed_first", "passed", "first_pct", "pass_pct", "mean"]
    sections = _report_sections(snapshot)
    ex = snapshot.exams
    if ex.empty:
        rows = [(sid, name, 0, 0, 0, np.nan, np.nan, np.nan) for sid, name in sections]
        return pd.DataFrame(rows, columns=cols)
    ids = [sid for sid, _ in sections]
    ex = ex[ex["section"].isin(ids)].sort_values(["trainee_id", "section", "date"])
    # Each row against its own mark: the form's cut recorded with it, else the pass mark
    # of the trainee's profile on the sitting date (the rule the status applies).
    profiles = _policy_column(snapshot, ex["trainee_id"])
    ok = np.zeros(len(ex), dtype=bool)
    for profile in profiles.unique():
        rows = (profiles == profile).to_numpy()
        ok[rows] = passed_sections(ex[rows], load_policy(profile))
    ex = ex.assign(ok=ok)
    per = ex.groupby(["section", "trainee_id"], sort=False).agg(
        first=("ok", "first"), any=("ok", "any")
    )
    agg = per.groupby("section").agg(
        sat=("first", "size"), passed_first=("first", "sum"), passed=("any", "sum")
    )
    means = ex.groupby("section")["score_pct"].mean()
    out = []
    for sid, name in sections:
        sat = int(agg["sat"].get(sid, 0))
        first = int(agg["passed_first"].get(sid, 0))
        passed = int(agg["passed"].get(sid, 0))
        out.append(
            (
                sid,
                name,
                sat,
                first,
                passed,
                100.0 * first / sat if sat else np.nan,
                100.0 * passed / sat if sat else np.nan,
                float(means.get(sid, np.nan)),
            )
        )
    return pd.DataFrame(out, columns=cols)


def needing_action(status: pd.DataFrame) -> pd.DataFrame:
    """Trainees someone must act on, most urgent first (a date to meet, then the rest)."""
    if status.empty:
        return status.assign(due="")
    mask = status["stage"].isin(ACTION_STAGES) | (status["unverified_core_hours"] > 0)
    rows = status[mask].copy()
    # The date that makes it urgent: retake deadline, or certificate expiry.
    due = rows["retake_by"].where(rows["retake_by"] != "", "")
    expiring = rows["stage"].isin(["renewal-due", "certified"])
    due = due.where(~expiring, rows["expires_on"])
    rows["due"] = due.fillna("")
    rows["_sort"] = rows["due"].replace("", "9999-99-99")
    rows["_stage"] = rows["stage"].map({s: i for i, s in enumerate(STAGES)})
    rows = rows.sort_values(["_sort", "_stage", "trainee_id"], kind="stable")
    return rows.drop(columns=["_sort", "_stage"]).reset_index(drop=True)


def cohort_report(snapshot: Snapshot) -> CohortReport:
    """Stage counts, verified hours by domain, section pass rates and the action list."""
    st = snapshot.status
    counts = st["stage"].value_counts().reindex(STAGES, fill_value=0).astype(int)
    hours = verified_core_hours(snapshot)
    n = len(st)
    current = int(counts.get("certified", 0) + counts.get("renewal-due", 0))
    summary = {
        "trainees": n,
        "current_certificates": current,
        "in_training": int(counts.get("in-training", 0)),
        "renewal_due": int(counts.get("renewal-due", 0)),
        "mean_core_hours": float(hours.sum(axis=1).mean()) if n else 0.0,
    }
    return CohortReport(
        as_of=snapshot.as_of,
        cohort=snapshot.cohort,
        status=st,
        stage_counts=counts,
        domain_hours=hours,
        sections=section_pass_rates(snapshot),
        needing_action=needing_action(st),
        summary=summary,
    )


# --------------------------------------------------------------------------- trainee


@dataclass
class TraineeReport:
    """Everything a transcript shows for one trainee."""

    as_of: date
    trainee: dict
    status: dict
    policy: Policy
    hours: pd.DataFrame  # domain, name, planned, verified, self_reported
    sittings: pd.DataFrame  # date, form, section, name, score_pct, passed
    series: SeriesState
    certificates: pd.DataFrame  # kind, on_date, expires_on, code, reason
    ce_entries: pd.DataFrame  # date, hours, topic, verified, note (current cycle)
    cycle_start: date | None
    # Complaints not closed (number, received, stage, next deadline; never the summary
    # or the complainant, which only `ppskit complaints show` gives).
    complaints: list = field(default_factory=list)

    @property
    def verified_total(self) -> float:
        """Verified core hours in every domain together."""
        return float(self.hours["verified"].sum())

    @property
    def self_reported_total(self) -> float:
        """Core hours still waiting for a trainer's verification."""
        return float(self.hours["self_reported"].sum())


def trainee_report(snapshot: Snapshot, trainee_id: str) -> TraineeReport:
    """The transcript data of one trainee; ``KeyError`` with a plain message if unknown."""
    st = snapshot.status
    match = st[st["trainee_id"] == trainee_id]
    if match.empty:
        raise KeyError(f"unknown trainee '{trainee_id}'")
    status = match.iloc[0].to_dict()
    trainee = snapshot.trainees[snapshot.trainees["trainee_id"] == trainee_id].iloc[0].to_dict()
    policy = load_policy(status.get("profile") or None)
    fw = load_framework()

    c = snapshot.core
    core = c[c["trainee_id"] == trainee_id] if not c.empty else c
    rows = []
    for d in fw.domains:
        sel = core[core["topic"] == d.id] if not core.empty else core
        verified = float(sel.loc[sel["verified"], "hours"].sum()) if not sel.empty else 0.0
        pending = float(sel.loc[~sel["verified"], "hours"].sum()) if not sel.empty else 0.0
        rows.append((d.id, d.name, d.planned_hours, verified, pending))
    hours = pd.DataFrame(rows, columns=["domain", "name", "planned", "verified", "self_reported"])

    ex = snapshot.exams
    ex = ex[ex["trainee_id"] == trainee_id] if not ex.empty else ex
    names = {sid: policy.section_label(sid) for sid in policy.sections}
    if ex.empty:
        sittings = pd.DataFrame(columns=["date", "form", "section", "name", "score_pct", "passed"])
    else:
        sittings = ex.sort_values(["date", "form"], kind="stable").assign(
            name=lambda df: df["section"].map(names).fillna(df["section"]),
            passed=lambda df: passed_sections(df, policy),
        )[["date", "form", "section", "name", "score_pct", "passed"]]
    states = evaluate_series(
        ex[[c for c in EXAM_RULE_COLUMNS if c in ex.columns]] if not ex.empty else ex,
        policy.sections,
        policy,
        snapshot.as_of,
    )
    series = states.get(
        trainee_id,
        SeriesState(
            max_sittings=policy.retake.max_sittings_per_series,
            message="No exam sitting recorded yet; the first sitting is the full exam.",
        ),
    )

    certs = snapshot.certs
    certs = certs[certs["trainee_id"] == trainee_id] if not certs.empty else certs
    cycle_start = None
    if not certs.empty:
        folded = fold_certificates(
            certs.sort_values("on_date", kind="stable"), {trainee_id: policy}
        ).get(trainee_id)
        cycle_start = folded.cycle_start if folded else None
        certs = certs[["kind", "on_date", "expires_on", "code", "reason"]].reset_index(drop=True)
    else:
        certs = pd.DataFrame(columns=["kind", "on_date", "expires_on", "code", "reason"])

    ce = (
        ce_entries(trainee_id, since=cycle_start, as_of=snapshot.as_of, db=snapshot.db)
        if cycle_start is not None
        else pd.DataFrame(columns=CE_COLUMNS)
    )

    return TraineeReport(
        as_of=snapshot.as_of,
        trainee=trainee,
        status=status,
        policy=policy,
        hours=hours,
        sittings=sittings.reset_index(drop=True),
        series=series,
        certificates=certs,
        ce_entries=ce,
        cycle_start=cycle_start,
        complaints=_open_complaints(trainee_id, snapshot),
    )


def _open_complaints(trainee_id: str, snapshot: Snapshot) -> list:
    from ppskit.office.complaints import open_complaints

    return open_complaints(trainee_id, as_of=snapshot.as_of, db=snapshot.db)


CE_COLUMNS = ["date", "hours", "topic", "verified", "note"]


def ce_entries(trainee_id: str, *, since: date, as_of: date, db: str | None) -> pd.DataFrame:
    """One trainee's continuing-education entries dated from ``since`` to ``as_of``, with
    verification and voiding events applied (voided entries are left out)."""
    e, ev = hours_entries, hours_events
    with read_connection(db) as conn:
        rows = conn.execute(
            select(e.c.entry_id, e.c.date, e.c.hours, e.c.topic, e.c.verified, e.c.note)
            .where(
                e.c.trainee_id == trainee_id,
                e.c.category == "ce",
                e.c.date >= since,
                e.c.date <= as_of,
            )
            .order_by(e.c.date, e.c.entry_id)
        ).all()
        events = conn.execute(
            select(ev.c.entry_id, ev.c.kind)
            .join(e, e.c.entry_id == ev.c.entry_id)
            .where(e.c.trainee_id == trainee_id, e.c.category == "ce")
        ).all()
    voided = {i for i, kind in events if kind == "void"}
    verified_later = {i for i, kind in events if kind == "verify"}
    out = [
        (
            d if isinstance(d, date) else date.fromisoformat(d),
            float(h),
            topic,
            bool(v) or i in verified_later,
            note or "",
        )
        for i, d, h, topic, v, note in rows
        if i not in voided
    ]
    return pd.DataFrame(out, columns=CE_COLUMNS)


# --------------------------------------------------------------------------- renewals


RENEWAL_COLUMNS = [
    "trainee_id",
    "name",
    "stage",
    "expires_on",
    "days_left",
    "ce_hours",
    "ce_required",
    "ce_shortfall",
    "next_action",
]


#: Longest look-ahead of the renewals list: a century is longer than any certificate
#: period a profile sets, and keeps the as-of date plus the window far below
#: ``date.max`` (year 9999), where adding days would overflow.
MAX_WITHIN_DAYS = 36_500


def check_within(within_days: int) -> int:
    """Validate the renewals look-ahead; ``ValueError`` with a plain message if outside
    0 to ``MAX_WITHIN_DAYS`` days."""
    if not 0 <= within_days <= MAX_WITHIN_DAYS:
        raise ValueError(
            f"--within must be between 0 and {MAX_WITHIN_DAYS} days (you gave {within_days})."
        )
    return within_days


def renewals(snapshot: Snapshot, within_days: int) -> pd.DataFrame:
    """Current certificates expiring within ``within_days`` of the as-of date, soonest
    first, with each holder's verified CE hours this cycle and the shortfall."""
    check_within(within_days)
    st = snapshot.status
    current = st[st["stage"].isin(["certified", "renewal-due"]) & (st["expires_on"] != "")]
    if current.empty:
        return pd.DataFrame(columns=RENEWAL_COLUMNS)
    expires = current["expires_on"].map(date.fromisoformat)
    try:
        limit = snapshot.as_of + timedelta(days=within_days)
    except OverflowError:  # an as-of date near the year 9999
        limit = date.max
    rows = current[expires <= limit].copy()
    rows["days_left"] = [(date.fromisoformat(e) - snapshot.as_of).days for e in rows["expires_on"]]
    rows["ce_shortfall"] = (rows["ce_required"] - rows["ce_hours"]).clip(lower=0.0)
    rows = rows.sort_values(["expires_on", "trainee_id"], kind="stable")
    return rows[RENEWAL_COLUMNS].reset_index(drop=True)
