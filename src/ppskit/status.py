"""The status engine: (ledger, exam results, policy, as-of date) -> one row per trainee.

Per-trainee sums are pushed into SQL (one GROUP BY over the hours) and the rules of
each trainee's profile are applied over whole columns by :mod:`ppskit.rules`; only the
exam-series and certificate histories, which are short per trainee, are walked in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from ppskit.db import full_scan_hint, read_connection
from ppskit.policies import BUILTIN_FACTS, DEFAULT_PROFILE, FactHolds, HoursAtLeast, load_policy
from ppskit.rules.certificates import CertState, fold_certificates
from ppskit.rules.engine import (
    EXTRA_COLUMNS,
    HOUR_COLUMNS,
    HOUR_DTYPES,
    STATUS_COLUMNS,
    compute_from_inputs,
    event_adjustments,
    lookback_windows,
)
from ppskit.rules.exams import SeriesState, effective_exam_results, evaluate_series

__all__ = [
    "EXTRA_COLUMNS",
    "STAGES",
    "STATUS_COLUMNS",
    "CertState",
    "SeriesState",
    "compute_from_inputs",
    "compute_status",
    "effective_exam_results",
    "evaluate_series",
    "exam_series",
    "fold_certificates",
    "load_inputs",
]

# The 11 pinned stages plus inactive (certified, a requirement of active status unmet).
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
    "inactive",
]

# --------------------------------------------------------------------------- loading


def _frame(
    conn: Connection, sql: str, columns: list[str], dtypes: dict | None = None, **params
) -> pd.DataFrame:
    """The query's rows as a frame; ``dtypes`` fixes column types (no inference)."""
    result = conn.execute(text(sql), params)
    # The driver's plain tuples: wrapping a million rows in SQLAlchemy Row objects costs
    # about a second, and raw SQL has no type processing to apply anyway.
    cursor = result.cursor
    rows = cursor.fetchall() if cursor is not None else result.all()
    result.close()
    # Column by column: a comprehension per column is ~5x faster than zip(*rows) on a
    # million rows, and typed arrays skip pandas' inference.
    data = {}
    for k, c in enumerate(columns):
        values = [r[k] for r in rows]
        data[c] = np.array(values, dtype=dtypes[c]) if dtypes and c in dtypes else values
    return pd.DataFrame(data, columns=columns)


def _iso_dates(df: pd.DataFrame, *cols: str) -> None:
    # Raw SQL skips SQLAlchemy's type processing: SQLite hands back ISO strings,
    # PostgreSQL date objects. A column holds few distinct days: parse each once.
    for c in cols:
        if not df.empty:
            days = {v: date.fromisoformat(v) if isinstance(v, str) else v for v in set(df[c])}
            df[c] = np.array([days[v] for v in df[c]], dtype=object)


def _full_scan(conn: Connection, trainee: str | None) -> str:
    """Table hint for a pass over every trainee's hours (none for one trainee, whom
    the index finds)."""
    return full_scan_hint(conn) if trainee is None else ""


def _of_profiles(pids: set[str], policies: dict, p: dict, key: str) -> str:
    """SQL condition: ``e``'s trainee follows one of ``pids`` (always true when every
    loaded profile is among them). Adds its parameters to ``p`` under ``key``."""
    if pids == set(policies):
        return ""
    p["default_profile"] = DEFAULT_PROFILE
    p.update({f"{key}p{j}": pid for j, pid in enumerate(sorted(pids))})
    names = ", ".join(f":{key}p{j}" for j in range(len(pids)))
    return (
        " AND e.trainee_id IN (SELECT trainee_id FROM trainees"
        f" WHERE COALESCE(profile, :default_profile) IN ({names}))"
    )


def _rules(policies: dict) -> Iterator[tuple[str, object]]:
    """(profile id, rule) for every requirement of every loaded profile."""
    for pid, pol in policies.items():
        r = pol.requirements
        for rule in [*r.eligible, *r.training, *r.active]:
            yield pid, rule


def _hour_rows_read(policies: dict, p: dict) -> str:
    """SQL condition on ``e`` for the hour rows some rule reads: core rows of everyone
    (the ``core_hours`` column and the reports read them); each other category only of
    the trainees whose profile has a rule on it, and only verified rows when every such
    rule counts verified hours only. Adds its parameters to ``p``."""
    readers: dict[str, set[str]] = {}
    unverified: set[str] = set()
    for pid, rule in _rules(policies):
        if isinstance(rule, HoursAtLeast) and rule.category != "core":
            readers.setdefault(rule.category, set()).add(pid)
            if not rule.verified_only:
                unverified.add(rule.category)
    # Supervision (status's last column) reads every live work row of the trainees whose
    # profile sets supervision rules: who works as a specialist, and how many hours.
    for pid, pol in policies.items():
        if pol.supervision is not None:
            readers.setdefault("work", set()).add(pid)
            unverified.add("work")
    terms = ["e.category = 'core'"]
    for k, (cat, pids) in enumerate(sorted(readers.items())):
        p[f"hc{k}"] = cat
        # Unverified rows of such a category are never counted (a later verification
        # arrives as an event row with the entry's hours).
        verified = " AND e.verified" if cat not in unverified else ""
        terms.append(f"(e.category = :hc{k}{verified}{_of_profiles(pids, policies, p, f'hc{k}')})")
    return "(" + " OR ".join(terms) + ")"


def _facts_read(policies: dict, p: dict) -> str:
    """SQL condition on ``e`` for the fact rows some rule reads: each fact only of the
    trainees whose profile has a rule on it. Adds its parameters to ``p``."""
    readers: dict[str, set[str]] = {}
    for pid, rule in _rules(policies):
        if isinstance(rule, FactHolds) and rule.fact not in BUILTIN_FACTS:
            readers.setdefault(rule.fact, set()).add(pid)
    terms = []
    for k, (fact, pids) in enumerate(sorted(readers.items())):
        p[f"fa{k}"] = fact
        terms.append(f"(e.fact = :fa{k}{_of_profiles(pids, policies, p, f'fa{k}')})")
    return "(" + " OR ".join(terms) + ")" if terms else "1 = 0"


def _retraining(exams: pd.DataFrame, trainees: pd.DataFrame, policies: dict, as_of: date) -> dict:
    """Trainees whose exam series used every sitting under a profile that then asks for
    the training again: trainee_id -> the day after which training counts again."""
    out: dict = {}
    for pid, pol in policies.items():
        if pol.exam_rules.retake.after_limit != "retrain" or exams.empty:
            continue
        ids = trainees.loc[trainees["profile"].fillna(DEFAULT_PROFILE) == pid, "trainee_id"]
        sub = effective_exam_results(exams[exams["trainee_id"].isin(set(ids))])
        for tid, st in evaluate_series(sub, pol.sections, pol, as_of).items():
            if st.retrain_after:
                out[tid] = st.retrain_after
    return out


class Inputs(dict):
    """What :func:`load_inputs` read. ``sums`` — core hours per (trainee_id, category,
    topic, verified) without the look-back key, which the reports read — is added up
    from ``hours`` when first asked for (status never reads it)."""

    def __missing__(self, key: str) -> pd.DataFrame:
        if key != "sums":
            raise KeyError(key)
        hours = self["hours"]
        core = hours[hours["category"] == "core"]
        sums = core.groupby(["trainee_id", "category", "topic", "verified"], as_index=False)[
            "hours"
        ].sum()
        for c in ("trainee_id", "category", "topic"):
            sums[c] = sums[c].astype("str")  # the text type reports compare against
        self["sums"] = sums
        return sums


def load_inputs(conn: Connection, as_of: date, trainee: str | None = None) -> dict:
    """Everything the engine needs, aggregated in SQL where it can be."""
    from ppskit.office.applications import approved_reciprocity_ids

    where_t = " AND e.trainee_id = :tid" if trainee else ""
    where_t0 = " WHERE trainee_id = :tid" if trainee else ""
    p: dict = {"as_of": as_of, "tid": trainee} if trainee else {"as_of": as_of}
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
    profiles = set(trainees["profile"].fillna(DEFAULT_PROFILE)) if not trainees.empty else set()
    policies = {pid: load_policy(pid) for pid in profiles}
    # Look-back rules: each row falls in the shortest window that holds its date, so the
    # GROUP BY keeps one extra small key instead of every date.
    windows = lookback_windows(policies, as_of)
    if windows:
        cases = " ".join(f"WHEN e.date >= :lb{k} THEN {k}" for k in range(len(windows)))
        bucket = f"CASE {cases} ELSE {len(windows)} END"
        p.update({f"lb{k}": as_of - timedelta(days=w) for k, w in enumerate(windows)})
    else:
        bucket = "0"
    # One pass over the hours of the categories the profiles read: sums per (category,
    # topic, verified, window).
    hours = _frame(
        conn,
        f"SELECT e.trainee_id, e.category, e.topic, e.verified, {bucket} AS lb, SUM(e.hours)"
        f" FROM hours_entries e{_full_scan(conn, trainee)} WHERE e.date <= :as_of"
        f" AND {_hour_rows_read(policies, p)}"
        + where_t
        + " GROUP BY e.trainee_id, e.category, e.topic, e.verified, lb",
        HOUR_COLUMNS,
        # A million rows or more: typed arrays (the engine reads them, nobody prints them).
        HOUR_DTYPES,
        **p,
    )
    # CE per day, only for certificate holders and from their first certificate on
    # (periods start on different days; earlier CE never counts): few rows, by index.
    ce = _frame(
        conn,
        "SELECT e.trainee_id, e.date, e.topic, e.verified, SUM(e.hours) FROM hours_entries e"
        " JOIN (SELECT trainee_id, MIN(on_date) AS first FROM cert_events"
        " WHERE kind = 'issued' AND on_date <= :as_of GROUP BY trainee_id) c"
        " ON c.trainee_id = e.trainee_id AND e.date >= c.first"
        " WHERE e.category = 'ce' AND e.date <= :as_of"
        + where_t
        + " GROUP BY e.trainee_id, e.date, e.topic, e.verified",
        ["trainee_id", "date", "topic", "verified", "hours"],
        **p,
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
        "SELECT e.result_id, e.trainee_id, e.date, e.form, e.section, e.score_pct,"
        " e.cut_pct FROM exam_results e WHERE e.date <= :as_of" + where_t,
        ["result_id", "trainee_id", "date", "form", "section", "score_pct", "cut_pct"],
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
    facts = _frame(
        conn,
        "SELECT e.fact_id, e.trainee_id, e.date, e.fact, e.value FROM facts e"
        f" WHERE e.date <= :as_of AND {_facts_read(policies, p)}" + where_t,
        ["fact_id", "trainee_id", "date", "fact", "value"],
        **p,
    )
    _iso_dates(trainees, "birth_date", "enrolled_on")
    _iso_dates(ce, "date")
    _iso_dates(events, "date")
    _iso_dates(exams, "date")
    _iso_dates(certs, "on_date", "expires_on")
    _iso_dates(facts, "date")
    # Trainees sent back to training after the last allowed sitting need their training
    # hours by date (few trainees: only theirs are read).
    after = _retraining(exams, trainees, policies, as_of)
    dated_cols = ["trainee_id", "category", "topic", "verified", "date", "hours"]
    parts = []
    ids = sorted(after)
    for k in range(0, len(ids), 500):
        chunk = ids[k : k + 500]
        parts.append(
            _frame(
                conn,
                "SELECT e.trainee_id, e.category, e.topic, e.verified, e.date, SUM(e.hours)"
                " FROM hours_entries e WHERE e.date <= :as_of AND e.trainee_id IN ("
                + ", ".join(f":rt{j}" for j in range(len(chunk)))
                + ") GROUP BY e.trainee_id, e.category, e.topic, e.verified, e.date",
                dated_cols,
                as_of=as_of,
                **{f"rt{j}": tid for j, tid in enumerate(chunk)},
            )
        )
    dated = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=dated_cols)
    _iso_dates(dated, "date")
    for df, cols in (
        (trainees, ["lived_experience", "id_verified"]),
        (hours, ["verified"]),
        (ce, ["verified"]),
        (events, ["verified"]),
        (facts, ["value"]),
        (dated, ["verified"]),
    ):
        for c in cols:
            if not df.empty:
                df[c] = df[c].astype(bool)
    return Inputs(
        trainees=trainees,
        hours=hours,
        ce=ce,
        events=events,
        exams=exams,
        certs=certs,
        facts=facts,
        dated=dated,
        windows=windows,
        reciprocity=approved_reciprocity_ids(conn, as_of, trainee),
    )


def _adjusted_core(sums: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Core hours per (trainee, topic, verified) after verification and voiding events."""
    cols = ["trainee_id", "topic", "verified", "hours"]
    adj = event_adjustments(events)
    out = pd.concat([sums[cols], adj.loc[adj["category"] == "core", cols]], ignore_index=True)
    return out.groupby(["trainee_id", "topic", "verified"], as_index=False)["hours"].sum()


def _today() -> date:
    return date.today()


def worked_hours(inputs: dict) -> dict[str, float]:
    """Live work hours per trainee (verified or not, voided entries taken out) of the
    trainees whose profile sets supervision rules, from :func:`load_inputs`."""
    h = inputs["hours"]
    work = h.loc[h["category"] == "work", ["trainee_id", "hours"]]
    adj = event_adjustments(inputs["events"])
    work = pd.concat([work, adj.loc[adj["category"] == "work", ["trainee_id", "hours"]]])
    total = work.groupby("trainee_id")["hours"].sum()
    return {str(t): float(v) for t, v in total.items() if v > 1e-9}


def status_inputs(
    *, as_of: date | None = None, trainee: str | None = None, db: str | None = None
) -> tuple[date, Inputs]:
    """The as-of date (default today) and what :func:`load_inputs` reads for it."""
    as_of = as_of or _today()
    with read_connection(db) as conn:
        return as_of, load_inputs(conn, as_of, trainee)


def compute_status(
    *, as_of: date | None = None, trainee: str | None = None, db: str | None = None
) -> pd.DataFrame:
    """One row per trainee: the pinned columns (``STATUS_COLUMNS``) then a few extras
    (``EXTRA_COLUMNS``: name, profile, unverified_core_hours, grandfathered, period_start,
    retake_by, failed_sections, stage_label, renewal_ready)."""
    as_of, inputs = status_inputs(as_of=as_of, trainee=trainee, db=db)
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
    states = evaluate_series(exams, policy.sections, policy, as_of)
    return states.get(
        trainee_id,
        SeriesState(
            max_sittings=policy.retake.max_sittings_per_series,
            failed_sections=list(policy.sections),
            message="No exam sitting recorded yet; the first sitting is the full exam.",
        ),
    )
