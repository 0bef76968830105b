"""What the review of an application checks, with the rules engine's own functions.

:func:`engine_check` runs a list of profile rules (``requirements.eligible``, plus
``reciprocity.requirements`` for an out-of-state applicant) for one applicant through
:func:`ppskit.rules.requirements.all_of`, so every reason is the engine's message;
:func:`transfer_check` reads the engine's stage for a county transfer.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, select

from ppskit.ledger.tables import facts, hours_entries
from ppskit.policies import HoursAtLeast, Policy, load_policy

# The stages the certificate code accepts for a transfer (ledger/certificates.py); the
# transfer event itself is still written (and checked again) by that code.
_TRANSFERABLE = ("certified", "renewal-due", "inactive")


def _one_trainee_hours(conn: Connection, trainee_id: str, as_of: date) -> pd.DataFrame:
    """Every hour row of one applicant, all categories: reciprocity reads peer work and
    CE hours, which the status query loads only for profiles whose own rules read them."""
    rows = conn.execute(
        select(
            hours_entries.c.trainee_id,
            hours_entries.c.category,
            hours_entries.c.topic,
            hours_entries.c.verified,
            hours_entries.c.date,
            hours_entries.c.hours,
        ).where(hours_entries.c.trainee_id == trainee_id, hours_entries.c.date <= as_of)
    ).all()
    cols = ["trainee_id", "category", "topic", "verified", "date", "hours"]
    return pd.DataFrame([tuple(r) for r in rows], columns=cols)


def engine_check(
    conn: Connection, trainee_id: str, as_of: date, rules: list
) -> tuple[bool, list[str]]:
    """Run ``rules`` for one applicant as of ``as_of`` with the engine's requirement
    functions (:func:`ppskit.rules.requirements.all_of`): (all met, the engine's own
    messages for those not met, in rule order)."""
    from ppskit.framework import load_framework
    from ppskit.rules.engine import HOUR_COLUMNS, event_adjustments, latest_facts, window_index
    from ppskit.rules.requirements import Group, all_of
    from ppskit.status import load_inputs

    inputs = load_inputs(conn, as_of, trainee_id)
    tr = inputs["trainees"].reset_index(drop=True)
    policy = load_policy(tr["profile"].iloc[0] or None)
    windows = sorted(
        {
            int(r.lookback_days.at(as_of))
            for r in rules
            if isinstance(r, HoursAtLeast) and r.lookback_days is not None
        }
    )
    raw = _one_trainee_hours(conn, trainee_id, as_of)
    # Verification and voiding events adjust the rows, as in the status engine.
    adj = event_adjustments(inputs["events"])
    both = pd.concat([raw, adj[raw.columns]] if not adj.empty else [raw], ignore_index=True)
    hours = both.assign(
        lb=window_index(both["date"], windows, as_of) if len(both) else [],
        verified=both["verified"].astype(bool),
        hours=both["hours"].astype(float),
        row=0,
    )[[*HOUR_COLUMNS, "row"]]
    fact_rows = conn.execute(
        select(
            facts.c.fact_id, facts.c.trainee_id, facts.c.date, facts.c.fact, facts.c.value
        ).where(facts.c.trainee_id == trainee_id, facts.c.date <= as_of)
    ).all()
    f = pd.DataFrame(
        [tuple(r) for r in fact_rows], columns=["fact_id", "trainee_id", "date", "fact", "value"]
    )
    latest = latest_facts(f).assign(row=0)
    latest["value"] = latest["value"].astype(bool)
    group = Group(
        policy=policy,
        as_of=as_of,
        trainees=tr,
        hours=hours,
        facts=latest,
        windows=windows,
        domains=list(load_framework().domain_ids),
    )
    met, todo, _checks = all_of(group, rules)
    return bool(met[0]), [t for t in todo[0] if t]


def transfer_check(conn: Connection, trainee_id: str, as_of: date) -> tuple[bool, list[str]]:
    """A county transfer needs a current certificate: the engine's stage and, when it is
    not current, the engine's own next action as the reason."""
    from ppskit.status import compute_from_inputs, load_inputs

    row = compute_from_inputs(load_inputs(conn, as_of, trainee_id), as_of).iloc[0]
    if row["stage"] in _TRANSFERABLE:
        return True, []
    return False, [
        f"no current certificate to transfer (stage '{row['stage']}'): "
        f"{row['next_action'].rstrip('.')}"
    ]


def review_rules(policy: Policy, kind: str) -> list:
    """The rules a review of ``kind`` runs (transfers read the certificate instead)."""
    rules = list(policy.requirements.eligible)
    if kind == "reciprocity" and policy.reciprocity is not None:
        rules += policy.reciprocity.requirements
    return rules
