"""The status engine: (ledger, exam results, policy, as-of date) -> one row per trainee.

Per-trainee sums are pushed into SQL (one GROUP BY over the hours) and the rules are
applied with pandas/numpy over whole columns, so a statewide registry stays fast. Only
the exam-series and certificate histories, which are short per trainee, are walked in
order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from ppskit.dates import add_years, fmt
from ppskit.db import read_connection
from ppskit.framework import load_framework
from ppskit.policies import Policy, load_policy

STATUS_COLUMNS = [
    "trainee_id",
    "stage",
    "core_hours",
    "missing_domains",
    "exam",
    "certified_on",
    "expires_on",
    "ce_hours",
    "ce_required",
    "next_action",
]

STAGES = [
    "ineligible",
    "in-training",
    "exam-ready",
    "retake-open",
    "grandfathered",
    "certifiable",
    "certified",
    "renewal-due",
    "expired",
    "suspended",
    "revoked",
]

# --------------------------------------------------------------------------- exam series


@dataclass
class SeriesState:
    """Where a trainee stands in their current exam series."""

    exam: str = "none"
    passed_sections: list[str] = field(default_factory=list)
    failed_sections: list[str] = field(default_factory=list)
    retake_by: date | None = None
    sittings: int = 0
    max_sittings: int = 0
    forms_seen: list[str] = field(default_factory=list)
    void: bool = False
    passed_on: date | None = None
    last_sitting: date | None = None
    message: str = ""


def evaluate_series(
    results: pd.DataFrame, sections: list[str], policy: Policy, as_of: date
) -> dict[str, SeriesState]:
    """Apply the partial re-examination rules to every trainee's sittings.

    ``results`` has columns trainee_id, date, form, section, score_pct (effective rows,
    dated on or before ``as_of``). A sitting is one (date, form). The first sitting of a
    series is the full exam; after it, only failed sections are retaken, each retake
    dated on or before the previous sitting + window; a section once passed stays
    passed; after the last allowed sitting or a lapsed window the series is void.
    """
    window = timedelta(days=policy.retake.window_days)
    max_sit = policy.retake.max_sittings_per_series
    pass_pct = policy.exam.section_pass_pct
    out: dict[str, SeriesState] = {}
    if results.empty:
        return out
    bit = {s: 1 << i for i, s in enumerate(sections)}
    full = (1 << len(sections)) - 1
    df = results[results["section"].isin(bit)]
    df = df.assign(
        bit=df["section"].map(bit).astype("int64"),
        ok=(df["score_pct"] >= pass_pct - 1e-9),
    )
    df = df.assign(passbit=np.where(df["ok"], df["bit"], 0))
    sit = (
        df.groupby(["trainee_id", "date", "form"], sort=True)["passbit"]
        .sum()
        .reset_index()
        .sort_values(["trainee_id", "date", "form"], kind="stable")
    )
    tids = sit["trainee_id"].to_numpy()
    days = sit["date"].to_numpy()
    forms = sit["form"].to_numpy()
    masks = sit["passbit"].to_numpy()

    def names(mask: int) -> list[str]:
        return [s for s in sections if mask & bit[s]]

    def close(tid: str, st: dict) -> None:
        state = SeriesState(max_sittings=max_sit, forms_seen=sorted(st["forms"]))
        state.sittings = st["n"]
        state.last_sitting = st["last"]
        state.passed_sections = names(st["mask"])
        state.failed_sections = [s for s in sections if not st["mask"] & bit[s]]
        if st["passed_on"]:
            state.exam, state.passed_on = "passed", st["passed_on"]
            state.failed_sections = []
            state.message = f"Exam passed on {fmt(st['passed_on'])}."
        elif st["n"] < max_sit and as_of <= st["last"] + window:
            state.exam = "retake-open"
            state.retake_by = st["last"] + window
            state.message = (
                f"Retake sections {', '.join(state.failed_sections)} by {fmt(state.retake_by)}"
                f" (sitting {st['n'] + 1} of {max_sit})."
            )
        else:
            state.exam, state.void = "failed", True
            why = (
                f"all {max_sit} sittings were used"
                if st["n"] >= max_sit
                else f"the retake window closed on {fmt(st['last'] + window)}"
            )
            state.message = (
                f"The exam series that began on {fmt(st['start'])} ended without every section "
                f"passed ({why}); the next sitting is the full exam."
            )
        out[tid] = state

    cur: str | None = None
    st: dict = {}
    for tid, day, form, mask in zip(tids, days, forms, masks, strict=True):
        if tid != cur:
            if cur is not None:
                close(cur, st)
            cur, st = tid, {}
        if st.get("passed_on"):
            continue  # later sittings don't change a passed exam
        in_series = bool(st) and st["n"] < max_sit and day <= st["last"] + window
        if in_series:
            st["mask"] |= int(mask)
            st["n"] += 1
            st["last"] = day
            st["forms"].add(form)
        else:
            st = {
                "mask": int(mask),
                "n": 1,
                "last": day,
                "start": day,
                "forms": {form},
                "passed_on": None,
            }
        if st["mask"] == full:
            st["passed_on"] = day
    if cur is not None:
        close(cur, st)
    return out


# --------------------------------------------------------------------------- loading


def _frame(conn: Connection, sql: str, columns: list[str], **params) -> pd.DataFrame:
    rows = conn.execute(text(sql), params).all()
    # Column-wise construction: much faster than building from Row objects.
    arrays = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame({c: list(a) for c, a in zip(columns, arrays, strict=True)}, columns=columns)


def _iso_dates(df: pd.DataFrame, *cols: str) -> None:
    # Raw SQL skips SQLAlchemy's type processing: SQLite hands back ISO strings,
    # PostgreSQL date objects.
    for c in cols:
        if not df.empty:
            df[c] = df[c].map(lambda v: date.fromisoformat(v) if isinstance(v, str) else v)


def load_inputs(conn: Connection, as_of: date, trainee: str | None = None) -> dict:
    """Everything the engine needs, aggregated in SQL where it can be."""
    where_t = " AND e.trainee_id = :tid" if trainee else ""
    where_t0 = " WHERE trainee_id = :tid" if trainee else ""
    p = {"as_of": as_of, "tid": trainee} if trainee else {"as_of": as_of}
    trainees = _frame(
        conn,
        "SELECT trainee_id, name, birth_date, lived_experience, education, id_verified,"
        " employed_2022_01_01, profile, enrolled_on FROM trainees"
        + where_t0
        + " ORDER BY trainee_id",
        [
            "trainee_id",
            "name",
            "birth_date",
            "lived_experience",
            "education",
            "id_verified",
            "employed_2022_01_01",
            "profile",
            "enrolled_on",
        ],
        **p,
    )
    # One pass over the hours: core sums per domain; CE sums per day only for certificate
    # holders (cycles start on different days, and only holders need CE).
    both = _frame(
        conn,
        "SELECT e.trainee_id, e.category, e.topic, e.verified,"
        " CASE WHEN e.category = 'ce' AND e.trainee_id IN (SELECT c.trainee_id FROM"
        " cert_events c WHERE c.kind = 'issued') THEN e.date END AS ce_date, SUM(e.hours)"
        " FROM hours_entries e WHERE e.date <= :as_of AND e.category IN ('core', 'ce')"
        + where_t
        + " GROUP BY e.trainee_id, e.category, e.topic, e.verified, ce_date",
        ["trainee_id", "category", "topic", "verified", "date", "hours"],
        **p,
    )
    is_core = both["category"] == "core"
    sums = both.loc[is_core, ["trainee_id", "category", "topic", "verified", "hours"]]
    ce = (
        both.loc[~is_core, ["trainee_id", "date", "verified", "hours"]]
        .groupby(["trainee_id", "date", "verified"], as_index=False)["hours"]
        .sum()
    )
    # Verification and voiding are rare rows that adjust the sums above.
    events = _frame(
        conn,
        "SELECT ev.kind, e.entry_id, e.trainee_id, e.date, e.hours, e.category, e.topic,"
        " e.verified FROM hours_events ev JOIN hours_entries e ON e.entry_id = ev.entry_id"
        " WHERE e.date <= :as_of" + where_t,
        ["kind", "entry_id", "trainee_id", "date", "hours", "category", "topic", "verified"],
        **p,
    )
    exams = _frame(
        conn,
        "SELECT e.result_id, e.trainee_id, e.date, e.form, e.section, e.score_pct"
        " FROM exam_results e WHERE e.date <= :as_of" + where_t,
        ["result_id", "trainee_id", "date", "form", "section", "score_pct"],
        **p,
    )
    certs = _frame(
        conn,
        "SELECT e.event_id, e.trainee_id, e.kind, e.on_date, e.expires_on, e.reason"
        " FROM cert_events e WHERE e.on_date <= :as_of"
        + where_t
        + " ORDER BY e.trainee_id, e.on_date, e.event_id",
        ["event_id", "trainee_id", "kind", "on_date", "expires_on", "reason"],
        **p,
    )
    _iso_dates(trainees, "birth_date", "enrolled_on")
    _iso_dates(ce, "date")
    _iso_dates(events, "date")
    _iso_dates(exams, "date")
    _iso_dates(certs, "on_date", "expires_on")
    for df, cols in (
        (trainees, ["lived_experience", "id_verified"]),
        (sums, ["verified"]),
        (ce, ["verified"]),
        (events, ["verified"]),
    ):
        for c in cols:
            if not df.empty:
                df[c] = df[c].astype(bool)
    return {
        "trainees": trainees,
        "sums": sums,
        "ce": ce,
        "events": events,
        "exams": exams,
        "certs": certs,
    }


def effective_exam_results(exams: pd.DataFrame) -> pd.DataFrame:
    """The latest recorded score for each (trainee, date, form, section)."""
    if exams.empty:
        return exams
    return exams.sort_values("result_id").drop_duplicates(
        ["trainee_id", "date", "form", "section"], keep="last"
    )


def _event_adjustments(events: pd.DataFrame) -> pd.DataFrame:
    """Signed hour changes that verification and voiding make to the SQL sums.

    A voided entry leaves the (verified or not) group it was summed in; an entry verified
    by a later event moves from the unverified group to the verified one.
    """
    cols = ["trainee_id", "category", "topic", "date", "verified", "hours"]
    if events.empty:
        return pd.DataFrame(columns=cols)
    entries = events.drop_duplicates("entry_id").set_index("entry_id")
    voided = entries.index.isin(events.loc[events["kind"] == "void", "entry_id"])
    verified_later = (
        entries.index.isin(events.loc[events["kind"] == "verify", "entry_id"])
        & ~entries["verified"].to_numpy(dtype=bool)
        & ~voided
    )
    gone, moved = entries[voided], entries[verified_later]
    return pd.concat(
        [
            gone.assign(hours=-gone["hours"]),
            moved.assign(hours=-moved["hours"]),
            moved.assign(verified=True),
        ],
        ignore_index=True,
    )[cols]


def _adjusted_core(sums: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Core hours per (trainee, topic, verified) after verification and voiding events."""
    cols = ["trainee_id", "topic", "verified", "hours"]
    adj = _event_adjustments(events)
    out = pd.concat([sums[cols], adj.loc[adj["category"] == "core", cols]], ignore_index=True)
    return out.groupby(["trainee_id", "topic", "verified"], as_index=False)["hours"].sum()


def _adjusted_ce(ce: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Verified CE hours per (trainee, date) after verification and voiding events."""
    cols = ["trainee_id", "date", "hours"]
    adj = _event_adjustments(events)
    keep = (adj["category"] == "ce") & adj["verified"].astype(bool)
    base = ce.loc[ce["verified"].astype(bool), cols] if not ce.empty else ce.reindex(columns=cols)
    return pd.concat([base, adj.loc[keep, cols]], ignore_index=True)


# --------------------------------------------------------------------------- certificates


@dataclass
class CertState:
    """A trainee's certificate history folded up to the as-of date."""

    certified_on: date | None = None
    expires_on: date | None = None
    # Start of the current certificate period [cycle_start, expires_on): the issue date,
    # or for a renewal the previous expires_on. A CE hour counts only in its own period.
    cycle_start: date | None = None
    code: str | None = None
    suspended_on: date | None = None
    suspended_reason: str = ""
    revoked_on: date | None = None
    revoked_reason: str = ""


def fold_certificates(certs: pd.DataFrame, policy_for: dict[str, Policy]) -> dict[str, CertState]:
    """Walk certificate events in date order for every trainee."""
    out: dict[str, CertState] = {}
    for tid, kind, on, expires, reason in zip(
        certs["trainee_id"],
        certs["kind"],
        certs["on_date"],
        certs["expires_on"],
        certs["reason"],
        strict=True,
    ):
        st = out.setdefault(tid, CertState())
        if kind == "issued":
            policy = policy_for[tid]
            out[tid] = CertState(
                certified_on=on,
                expires_on=expires or add_years(on, policy.certificate.valid_years),
                cycle_start=on,
            )
        elif kind == "renewed" and st.expires_on:
            policy = policy_for[tid]
            st.cycle_start = st.expires_on
            st.expires_on = expires or add_years(st.expires_on, policy.renewal.extends_years)
        elif kind == "suspended":
            st.suspended_on, st.suspended_reason = on, reason
        elif kind == "reinstated":
            st.suspended_on, st.suspended_reason = None, ""
        elif kind == "revoked":
            st.revoked_on, st.revoked_reason = on, reason
    return out


# --------------------------------------------------------------------------- engine


def _num(x: float) -> str:
    return f"{round(float(x), 2):g}"


def compute_from_inputs(inputs: dict, as_of: date) -> pd.DataFrame:
    """The pure part of the engine: loaded inputs + as-of date -> status frame."""
    fw = load_framework()
    sections = fw.domain_ids
    tr = inputs["trainees"].copy()
    if tr.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    tr["profile"] = tr["profile"].fillna("ca-ppss")
    policies = {p: load_policy(p) for p in tr["profile"].unique()}
    policy_for = dict(zip(tr["trainee_id"], tr["profile"].map(policies), strict=True))
    pol = tr["profile"].map(policies)

    def setting(fn) -> np.ndarray:  # noqa: ANN001
        return pol.map(fn).to_numpy()

    idx = pd.Index(tr["trainee_id"])
    n = len(tr)

    # Eligibility.
    birth = tr["birth_date"]
    by = birth.map(lambda d: d.year).to_numpy()
    bmd = birth.map(lambda d: d.month * 100 + d.day).to_numpy()
    age = as_of.year - by - ((as_of.month * 100 + as_of.day) < bmd)
    accepted = tr["education"].combine(pol, lambda e, p: e in p.eligibility.accepted_education)
    reasons = []
    old_enough = age >= setting(lambda p: p.eligibility.minimum_age)
    lived = tr["lived_experience"].to_numpy() | ~setting(
        lambda p: p.eligibility.lived_experience_required
    ).astype(bool)
    idok = tr["id_verified"].to_numpy() | ~setting(lambda p: p.eligibility.id_required).astype(bool)
    edu = accepted.to_numpy(dtype=bool)
    eligible = old_enough & lived & idok & edu
    for i in range(n):
        r = []
        if not old_enough[i]:
            r.append(f"must be {pol.iloc[i].eligibility.minimum_age} or older")
        if not lived[i]:
            r.append("lived experience as a parent or caregiver is required")
        if not edu[i]:
            r.append("a high-school diploma or GED is required")
        if not idok[i]:
            r.append("a valid ID must be verified")
        reasons.append(r)

    # Core hours (verified, dated on or before as-of) per domain.
    core = _adjusted_core(inputs["sums"], inputs["events"])
    core = core[core["topic"].isin(sections)]
    vcore = core[core["verified"].astype(bool)]
    ver = (
        vcore.groupby(["trainee_id", "topic"])["hours"].sum().unstack("topic")
        if not vcore.empty
        else pd.DataFrame()
    )
    ver = ver.reindex(index=idx, columns=sections).fillna(0.0).astype(float)
    ucore = core[~core["verified"].astype(bool)]
    unver = ucore.groupby("trainee_id")["hours"].sum().reindex(idx).fillna(0.0)
    core_hours = ver.sum(axis=1).round(2).to_numpy()
    has_hours = ver.to_numpy() > 1e-9
    min_hours = setting(lambda p: p.training.minimum_core_hours)
    every = setting(lambda p: p.training.every_domain_required).astype(bool)
    training_done = (core_hours >= min_hours - 1e-9) & (has_hours.all(axis=1) | ~every)
    missing = [
        ";".join(s for s, ok in zip(sections, row, strict=True) if not ok) for row in has_hours
    ]

    # Exam series (per profile, since pass marks and windows are settings).
    exams = effective_exam_results(inputs["exams"])
    series: dict[str, SeriesState] = {}
    for pid, policy in policies.items():
        ids = set(tr.loc[tr["profile"] == pid, "trainee_id"])
        sub = exams[exams["trainee_id"].isin(ids)] if not exams.empty else exams
        series.update(evaluate_series(sub, sections, policy, as_of))
    exam = np.array([series[t].exam if t in series else "none" for t in tr["trainee_id"]])

    # Grandfathering: employed on the profile's date, inside the transition period.
    employed = (
        tr["employed_2022_01_01"]
        .map(lambda v: bool(v) if v is not None and v == v else False)
        .to_numpy(dtype=bool)
    )
    transition_end = [
        e + timedelta(days=p.grandfathering.transition_days)
        if p.grandfathering.transition_days is not None
        else None
        for e, p in zip(tr["enrolled_on"], pol, strict=True)
    ]
    grandfathered = employed & np.array([t is None or as_of <= t for t in transition_end])

    # Certificates.
    certs = fold_certificates(inputs["certs"], policy_for)
    ce_adj = _adjusted_ce(inputs["ce"], inputs["events"])
    cycle = pd.Series({t: c.cycle_start for t, c in certs.items() if c.cycle_start}, dtype=object)
    ends = pd.Series({t: c.expires_on for t, c in certs.items() if c.cycle_start}, dtype=object)
    if not ce_adj.empty and not cycle.empty:
        ce_adj = ce_adj[ce_adj["trainee_id"].isin(cycle.index)]
        starts = ce_adj["trainee_id"].map(cycle)
        stops = ce_adj["trainee_id"].map(ends)
        # The current period only: [start, expires_on). Hours of an earlier period (or from
        # before the first certificate) were used up or never counted.
        in_cycle = ce_adj[(ce_adj["date"] >= starts) & (ce_adj["date"] < stops)]
        ce_hours = in_cycle.groupby("trainee_id")["hours"].sum().reindex(idx, fill_value=0.0)
    else:
        ce_hours = pd.Series(0.0, index=idx)

    rows = []
    for i, tid in enumerate(tr["trainee_id"]):
        p = pol.iloc[i]
        c = certs.get(tid)
        s = series.get(tid, SeriesState(max_sittings=p.retake.max_sittings_per_series))
        ce_req = p.renewal.ce_hours_required
        has_cert = c is not None and c.certified_on is not None
        ce = float(ce_hours.iloc[i]) if has_cert else 0.0
        renewal_opens = (
            c.expires_on - timedelta(days=p.renewal.due_window_days) if has_cert else None
        )
        if c and c.revoked_on:
            stage = "revoked"
            action = f"Certificate revoked on {fmt(c.revoked_on)}" + (
                f" ({c.revoked_reason})." if c.revoked_reason else "."
            )
        elif has_cert and c.suspended_on:
            stage = "suspended"
            action = (
                f"Certificate suspended on {fmt(c.suspended_on)}"
                + (f" ({c.suspended_reason})" if c.suspended_reason else "")
                + "; no peer support work until it is reinstated."
            )
        elif has_cert and as_of >= c.expires_on:
            stage = "expired"
            action = (
                f"Certificate expired on {fmt(c.expires_on)}; it can no longer be renewed. "
                "Contact the certifying body about certifying again."
            )
        elif has_cert and as_of >= renewal_opens:
            stage = "renewal-due"
            need = max(0.0, ce_req - ce)
            action = f"Renew before {fmt(c.expires_on)}: " + (
                f"log {_num(need)} more verified CE hours, then run 'ppskit renew {tid}'."
                if need > 0
                else f"CE complete; run 'ppskit renew {tid}'."
            )
        elif has_cert:
            stage = "certified"
            action = (
                f"Certified until {fmt(c.expires_on)}; {_num(ce)} of {_num(ce_req)} CE "
                f"hours this cycle; renewal opens {fmt(renewal_opens)}."
            )
        elif not eligible[i]:
            stage = "ineligible"
            action = "Not eligible yet: " + "; ".join(reasons[i]) + "."
        elif exam[i] == "passed" and (training_done[i] or grandfathered[i]):
            stage = "certifiable"
            action = (
                f"Exam passed on {fmt(s.passed_on)}: issue the certificate "
                f"(ppskit certify {tid} --on DATE)."
            )
            if not training_done[i]:
                action += (
                    f" Grandfathered (employed on {fmt(p.grandfathering.employed_on)}): "
                    "certified on the special examination, no core-hours requirement."
                )
        elif exam[i] == "retake-open" and (training_done[i] or grandfathered[i]):
            stage = "retake-open"
            action = (
                f"Retake sections {', '.join(s.failed_sections)} by {fmt(s.retake_by)}"
                f" (sitting {s.sittings + 1} of {s.max_sittings})."
            )
        elif grandfathered[i]:
            stage = "grandfathered"
            by_when = f" by {fmt(transition_end[i])}" if transition_end[i] else ""
            action = (
                f"Grandfathered (employed on {fmt(p.grandfathering.employed_on)}): pass the "
                f"special exam (form {p.grandfathering.exam_form}){by_when}; no core-hours "
                "requirement."
            )
            if exam[i] == "failed":
                action += " " + s.message
        elif training_done[i]:
            stage = "exam-ready"
            action = "Training complete: take the full certification exam."
            if exam[i] == "failed":
                action = s.message
        else:
            stage = "in-training"
            need = max(0.0, p.training.minimum_core_hours - core_hours[i])
            bits = []
            if need > 0:
                bits.append(f"complete {_num(need)} more verified core hours")
            if missing[i]:
                bits.append("get verified hours in " + missing[i].replace(";", ", "))
            action = "To finish training: " + "; ".join(bits) + "."
            if unver.iloc[i] > 0:
                action += (
                    f" {_num(unver.iloc[i])} self-reported hours await a trainer's verification."
                )
        rows.append(
            (
                tid,
                stage,
                _num(core_hours[i]),
                missing[i],
                exam[i],
                fmt(c.certified_on) if has_cert else "",
                fmt(c.expires_on) if has_cert else "",
                _num(ce),
                _num(ce_req) if has_cert else "0",
                action,
            )
        )
    out = pd.DataFrame(rows, columns=STATUS_COLUMNS)
    out["name"] = tr["name"].to_numpy()
    out["profile"] = tr["profile"].to_numpy()
    out["unverified_core_hours"] = [_num(x) for x in unver.to_numpy()]
    # Certifiable or in transition through grandfathering rather than training hours.
    out["grandfathered"] = grandfathered & ~training_done
    out["period_start"] = [
        fmt(certs[t].cycle_start) if t in certs else "" for t in tr["trainee_id"]
    ]
    out["retake_by"] = [fmt(series[t].retake_by) if t in series else "" for t in tr["trainee_id"]]
    out["failed_sections"] = [
        ";".join(series[t].failed_sections) if t in series and series[t].exam != "passed" else ""
        for t in tr["trainee_id"]
    ]
    return out


def _today() -> date:
    return date.today()


def compute_status(
    *, as_of: date | None = None, trainee: str | None = None, db: str | None = None
) -> pd.DataFrame:
    """One row per trainee: the pinned columns (``STATUS_COLUMNS``) then a few extras
    (name, profile, unverified_core_hours, grandfathered, period_start, retake_by,
    failed_sections)."""
    as_of = as_of or _today()
    with read_connection(db) as conn:
        inputs = load_inputs(conn, as_of, trainee)
    return compute_from_inputs(inputs, as_of)


def exam_series(
    trainee_id: str, *, as_of: date | None = None, db: str | None = None
) -> SeriesState:
    """The trainee's current exam series (for retakes)."""
    as_of = as_of or _today()
    with read_connection(db) as conn:
        inputs = load_inputs(conn, as_of, trainee_id)
    tr = inputs["trainees"]
    if tr.empty:
        raise KeyError(f"unknown trainee '{trainee_id}'")
    policy = load_policy(tr["profile"].iloc[0] or None)
    exams = effective_exam_results(inputs["exams"])
    states = evaluate_series(exams, load_framework().domain_ids, policy, as_of)
    return states.get(
        trainee_id,
        SeriesState(
            max_sittings=policy.retake.max_sittings_per_series,
            failed_sections=list(load_framework().domain_ids),
            message="No exam sitting recorded yet; the first sitting is the full exam.",
        ),
    )
