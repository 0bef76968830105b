"""The engine over whole columns: loaded inputs + as-of date -> one row per trainee.

Per profile, every requirement kind runs once over all that profile's trainees
(:mod:`.requirements`); only the stage choice (:mod:`.stages`), which reads a handful of
values, walks the trainees one by one.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from ppskit.dates import fmt
from ppskit.framework import load_framework
from ppskit.policies import DEFAULT_PROFILE, HoursAtLeast, Policy, load_policy
from ppskit.rules.certificates import (
    ce_in_current_period,
    ce_topic_shortfalls,
    fold_certificates,
    renewal_opens,
)
from ppskit.rules.exams import SeriesState, effective_exam_results, evaluate_series
from ppskit.rules.requirements import Group, all_of, num, nums
from ppskit.rules.stages import Standing, select_stage

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

EXTRA_COLUMNS = [
    "name",
    "profile",
    "unverified_core_hours",
    "grandfathered",
    "period_start",
    "retake_by",
    "failed_sections",
    "stage_label",
    "renewal_ready",
]

HOUR_DTYPES = {
    "trainee_id": object,
    "category": object,
    "topic": object,
    "verified": bool,
    "lb": "int64",
    "hours": float,
}
HOUR_COLUMNS = list(HOUR_DTYPES)


def lookback_windows(policies: dict[str, Policy], as_of: date) -> list[int]:
    """Every look-back length (days) the profiles' hour rules use on ``as_of``."""
    days = set()
    for p in policies.values():
        for rule in [*p.requirements.eligible, *p.requirements.training, *p.requirements.active]:
            if isinstance(rule, HoursAtLeast) and rule.lookback_days is not None:
                days.add(int(rule.lookback_days.at(as_of)))
    return sorted(days)


def window_index(dates: pd.Series, windows: list[int], as_of: date) -> np.ndarray:
    """For each date, the index of the shortest window holding it (as-of minus the
    date at most that many days), ``len(windows)`` when none does."""
    out = np.full(len(dates), len(windows), dtype="int64")
    for k in reversed(range(len(windows))):
        out[(dates >= as_of - timedelta(days=windows[k])).to_numpy(dtype=bool)] = k
    return out


def event_adjustments(events: pd.DataFrame) -> pd.DataFrame:
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


def adjusted_hours(inputs: dict, windows: list[int], as_of: date) -> pd.DataFrame:
    """Hours per (trainee, category, topic, verified, look-back bucket) after events.

    The adjustments are extra signed rows, not merged into the sums: every reader adds
    up the rows it selects, and regrouping millions of rows for a few events is slow.
    """
    hours = inputs["hours"][HOUR_COLUMNS]
    adj = event_adjustments(inputs["events"])
    if adj.empty:
        return hours
    adj = adj.assign(lb=window_index(adj["date"], windows, as_of))[HOUR_COLUMNS]
    out = pd.concat([hours, adj], ignore_index=True)
    out["verified"] = out["verified"].astype(bool)
    return out


def adjusted_ce(inputs: dict) -> pd.DataFrame:
    """Verified CE hours per (trainee, date, topic) after events."""
    cols = ["trainee_id", "date", "topic", "hours"]
    ce = inputs["ce"]
    adj = event_adjustments(inputs["events"])
    keep = (adj["category"] == "ce") & adj["verified"].astype(bool)
    base = ce.loc[ce["verified"].astype(bool), cols] if not ce.empty else ce.reindex(columns=cols)
    return pd.concat([base, adj.loc[keep, cols]], ignore_index=True)


def retrained_hours(
    inputs: dict, after: dict[str, date], windows: list[int], as_of: date
) -> pd.DataFrame:
    """Hours of trainees who must take the training again, counting only rows dated
    after their exhausted series' last sitting."""
    dated = inputs.get("dated")
    if dated is None or dated.empty or not after:
        return pd.DataFrame(columns=HOUR_COLUMNS)
    adj = event_adjustments(inputs["events"])
    rows = pd.concat([dated, adj[dated.columns]], ignore_index=True)
    rows = rows[rows["trainee_id"].isin(after)]
    rows = rows[rows["date"] > rows["trainee_id"].map(after)]
    rows = rows.assign(
        lb=window_index(rows["date"], windows, as_of), verified=rows["verified"].astype(bool)
    )
    return rows.groupby(HOUR_COLUMNS[:-1], as_index=False)["hours"].sum()


def latest_facts(facts: pd.DataFrame | None) -> pd.DataFrame:
    """The fact that holds per (trainee, fact): the latest dated one (then the latest
    recorded)."""
    cols = ["trainee_id", "fact", "value"]
    if facts is None or facts.empty:
        return pd.DataFrame(columns=cols)
    f = facts.sort_values(["trainee_id", "fact", "date", "fact_id"], kind="stable")
    return f.drop_duplicates(["trainee_id", "fact"], keep="last")[cols]


def _grandfathered(tr: pd.DataFrame, policy: Policy, as_of: date) -> tuple[np.ndarray, list]:
    """Employed on the profile's grandfathering date and inside the transition period."""
    g = policy.grandfathering
    if g is None:
        return np.zeros(len(tr), dtype=bool), [None] * len(tr)
    employed = (
        tr["employed_2022_01_01"]
        .map(lambda v: bool(v) if v is not None and v == v else False)
        .to_numpy(dtype=bool)
    )
    ends = [
        e + timedelta(days=g.transition_days) if g.transition_days is not None else None
        for e in tr["enrolled_on"]
    ]
    return employed & np.array([t is None or as_of <= t for t in ends], dtype=bool), ends


def by_profile(df: pd.DataFrame, place: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``df``'s rows split by their trainee's profile, each with ``row``: the trainee's
    position among that profile's trainees. ``place`` is indexed by trainee_id with
    columns profile and row."""
    if df.empty:
        return {}
    at = place.index.get_indexer(df["trainee_id"])
    known = at >= 0
    df = df[known].assign(row=place["row"].to_numpy()[at[known]])
    pid = place["profile"].to_numpy()[at[known]]
    return {p: part for p, part in df.groupby(pid, sort=False)}


def evaluate_profile(
    policy: Policy,
    tr: pd.DataFrame,
    inputs: dict,
    shared: dict,
    as_of: date,
) -> list[tuple]:
    """Status rows for the trainees ``tr`` who all follow ``policy``; ``shared`` holds
    this profile's exams, hours and facts (from :func:`by_profile`) and everyone's
    certificates and CE."""
    sections = policy.sections
    series = evaluate_series(shared["exams"], sections, policy, as_of)
    hours = shared["hours"]
    after = {t: s.retrain_after for t, s in series.items() if s.retrain_after}
    if after:
        row_of = pd.Series(np.arange(len(tr)), index=tr["trainee_id"])
        again = retrained_hours(inputs, after, shared["windows"], as_of)
        again = again.assign(row=row_of.reindex(again["trainee_id"]).to_numpy(dtype="int64"))
        keep = ~hours["row"].isin(row_of[list(after)].to_numpy())
        hours = pd.concat([hours[keep], again], ignore_index=True)
    g = Group(
        policy=policy,
        as_of=as_of,
        trainees=tr,
        hours=hours,
        facts=shared["facts"],
        windows=shared["windows"],
        domains=shared["domains"],
    )
    eligible, why_not, _ = all_of(g, policy.requirements.eligible)
    trained, training_todo, checks = all_of(g, policy.requirements.training)
    # An approved reciprocity application (ppskit applications) stands in for the
    # training: the office checked the profile's reciprocity rules; the exam remains.
    recip = tr["trainee_id"].isin(inputs.get("reciprocity", ())).to_numpy(dtype=bool)
    if recip.any():
        trained = np.asarray(trained, dtype=bool) | recip
    active, active_todo, _ = all_of(g, policy.requirements.active)
    core_rule = policy.core_rule
    core_check = next(
        (c for r, c in zip(policy.requirements.training, checks, strict=True) if r is core_rule),
        None,
    )
    core = hours[(hours["category"] == "core") & hours["topic"].isin(g.domains)]
    verified = core["verified"].to_numpy(dtype=bool)
    core_hours = core_check.counted if core_check is not None else g.per_trainee(core[verified])
    missing = core_check.missing_domains if core_check and core_check.missing_domains else None
    unverified = g.per_trainee(core[~verified])
    grand, transition_end = _grandfathered(tr, policy, as_of)

    certs, ce_by = shared["certs"], shared["ce_by"]
    # No exam yet: one shared (read-only) state instead of one per trainee.
    no_exam = SeriesState(max_sittings=int(policy.exam_rules.retake.max_sittings.at(as_of)))
    names = tr["name"].to_numpy()
    # Plain Python values for the loop: indexing numpy arrays one element at a time is slow.
    eligible, trained, active = eligible.tolist(), trained.tolist(), active.tolist()
    grand, unverified_h = grand.tolist(), unverified.tolist()
    core_txt, unverified_txt = nums(core_hours), nums(unverified)
    rows = []
    for i, tid in enumerate(tr["trainee_id"].tolist()):
        c = certs.get(tid)
        s = series.get(tid) or no_exam
        has_cert = c is not None and c.certified_on is not None
        st = Standing(
            trainee_id=tid,
            policy=policy,
            as_of=as_of,
            cert=c,
            series=s,
            eligible=eligible[i],
            not_eligible_because=why_not[i],
            trained=trained[i],
            training_todo=training_todo[i],
            grandfathered=grand[i],
            active=active[i],
            active_todo=active_todo[i],
            transition_end=transition_end[i],
            unverified_core=unverified_h[i],
        )
        ce_req = 0.0
        if has_cert:
            by_topic = ce_by.get(tid, {})
            ce_req = float(policy.certification.renewal.ce_hours.at(c.expires_on))
            st.ce_hours = float(sum(by_topic.values()))
            st.ce_required = ce_req
            st.ce_short = ce_topic_shortfalls(policy, c.expires_on, by_topic)
            st.renewal_opens = renewal_opens(policy, c.expires_on)
        stage, action = select_stage(st)
        ready = has_cert and st.ce_hours >= ce_req - 1e-9 and not st.ce_short
        rows.append(
            (
                tid,
                stage,
                core_txt[i],
                missing[i] if missing else "",
                s.exam,
                fmt(c.certified_on) if has_cert else "",
                fmt(c.expires_on) if has_cert else "",
                num(st.ce_hours) if has_cert else "0",
                num(ce_req) if has_cert else "0",
                action,
                names[i],
                policy.id,
                unverified_txt[i],
                # Certifiable or in transition through grandfathering, not training hours.
                grand[i] and not trained[i],
                fmt(c.cycle_start) if c else "",
                fmt(s.retake_by),
                ";".join(s.failed_sections) if s.exam != "passed" else "",
                policy.stage_label(stage),
                bool(ready),
            )
        )
    return rows


def compute_from_inputs(inputs: dict, as_of: date) -> pd.DataFrame:
    """The pure part of the engine: loaded inputs + as-of date -> status frame."""
    tr = inputs["trainees"].copy()
    if tr.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS + EXTRA_COLUMNS)
    tr["profile"] = tr["profile"].fillna(DEFAULT_PROFILE)
    policies = {p: load_policy(p) for p in tr["profile"].unique()}
    policy_for = dict(
        zip(tr["trainee_id"].tolist(), tr["profile"].map(policies).tolist(), strict=True)
    )
    windows = inputs.get("windows") or lookback_windows(policies, as_of)
    certs = fold_certificates(inputs["certs"], policy_for)
    ce = ce_in_current_period(adjusted_ce(inputs), certs, pd.Index(tr["trainee_id"]))
    ce_by: dict[str, dict[str, float]] = {}
    cols = [ce[c].tolist() for c in ["trainee_id", "topic", "hours"]]
    for tid, topic, h in zip(*cols, strict=True):
        ce_by.setdefault(tid, {})[topic] = float(h)
    # Each trainee's profile and position among that profile's trainees: the inputs are
    # split once by profile instead of being searched by trainee id for each profile.
    place = pd.DataFrame(
        {"profile": tr["profile"].to_numpy(), "row": tr.groupby("profile").cumcount().to_numpy()},
        index=pd.Index(tr["trainee_id"]),
    )
    exams = by_profile(effective_exam_results(inputs["exams"]), place)
    hours = by_profile(adjusted_hours(inputs, windows, as_of), place)
    facts = by_profile(latest_facts(inputs.get("facts")), place)
    empty_hours = pd.DataFrame(
        {c: pd.Series(dtype=t) for c, t in [*HOUR_DTYPES.items(), ("row", "int64")]}
    )
    empty_facts = pd.DataFrame(
        {"trainee_id": [], "fact": [], "value": pd.Series(dtype=bool), "row": []}
    )
    empty_exams = inputs["exams"].iloc[:0]
    rows = []
    start = {}  # where each profile's rows begin in ``rows``
    for pid, policy in policies.items():
        start[pid] = len(rows)
        part = tr[tr["profile"] == pid].reset_index(drop=True)
        shared = {
            "exams": exams.get(pid, empty_exams),
            "hours": hours.get(pid, empty_hours),
            "facts": facts.get(pid, empty_facts),
            "windows": windows,
            "domains": list(load_framework().domain_ids),
            "certs": certs,
            "ce_by": ce_by,
        }
        rows += evaluate_profile(policy, part, inputs, shared, as_of)
    out = pd.DataFrame(rows, columns=STATUS_COLUMNS + EXTRA_COLUMNS)
    if len(policies) > 1:  # back to the trainees' order
        at = place["profile"].map(start).to_numpy() + place["row"].to_numpy()
        out = out.iloc[at].reset_index(drop=True)
    return out
