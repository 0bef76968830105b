"""Certificate periods, expiry, the renewal window and the CE that counts.

A period runs from its start (the issue date, or for a renewal the previous
``expires_on``) up to, not including, ``expires_on``; a CE hour counts only in the
period that holds its date; renewal is accepted only inside
[expires_on - window_days, expires_on).

A renewal that fails its CE audit is undone by a later event: ``renewal-denied`` (the
renewal never took effect: the period and expiry before it come back) or
``renewal-withdrawn`` (it held until the withdrawal: the old period comes back, ending
on the withdrawal date when that is after the old expiry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from ppskit.dates import add_years
from ppskit.policies import Policy


@dataclass
class CertState:
    """A trainee's certificate history folded up to the as-of date."""

    certified_on: date | None = None
    expires_on: date | None = None
    # Start of the current certificate period [cycle_start, expires_on).
    cycle_start: date | None = None
    code: str | None = None
    suspended_on: date | None = None
    suspended_reason: str = ""
    revoked_on: date | None = None
    revoked_reason: str = ""
    # (cycle_start, expires_on) before the latest renewal, so a failed CE audit can undo it.
    before_renewal: tuple[date | None, date | None] | None = None
    # Why the latest renewal was undone ("renewal-denied"/"renewal-withdrawn" reason).
    renewal_undone: str = ""


#: Certificate events that undo the latest renewal after a failed CE audit.
RENEWAL_UNDONE = ("renewal-denied", "renewal-withdrawn")


def expiry_of_new_certificate(policy: Policy, issued_on: date) -> date:
    """When a certificate issued on ``issued_on`` expires.

    ``years``: that many years after issue. ``state-cycle``: the day after the first
    period end on or after the issue date (ends fall every ``years`` from ``first_end``).
    """
    period = policy.certification.period
    years = int(period.years.at(issued_on))
    if period.kind == "years":
        return add_years(issued_on, years)
    end = period.first_end
    while end < issued_on:
        end = add_years(end, years)
    return end + timedelta(days=1)


def expiry_after_renewal(policy: Policy, expires_on: date) -> date:
    """The new expiry when a certificate expiring on ``expires_on`` is renewed: one more
    period (the next state period for a ``state-cycle``)."""
    return add_years(expires_on, int(policy.certification.period.years.at(expires_on)))


def renewal_opens(policy: Policy, expires_on: date) -> date:
    """First day a renewal is accepted: ``window_days`` before expiry."""
    return expires_on - timedelta(days=int(policy.certification.renewal.window_days.at(expires_on)))


def fold_certificates(certs: pd.DataFrame, policy_for: dict[str, Policy]) -> dict[str, CertState]:
    """Walk certificate events in date order for every trainee."""
    out: dict[str, CertState] = {}
    # Python lists: iterating pandas columns element by element is several times slower.
    for tid, kind, on, expires, reason in zip(
        *(certs[c].tolist() for c in ["trainee_id", "kind", "on_date", "expires_on", "reason"]),
        strict=True,
    ):
        apply_event(out, tid, kind, on, expires, reason, policy_for)
    return out


def apply_event(
    out: dict[str, CertState],
    tid: str,
    kind: str,
    on: date,
    expires: date | None,
    reason: str,
    policy_for: dict[str, Policy],
) -> None:
    """Fold one certificate event into ``out[tid]`` (events come in date order)."""
    st = out.setdefault(tid, CertState())
    if kind == "issued":
        out[tid] = CertState(
            certified_on=on,
            expires_on=expires or expiry_of_new_certificate(policy_for[tid], on),
            cycle_start=on,
        )
    elif kind == "renewed" and st.expires_on:
        st.before_renewal = (st.cycle_start, st.expires_on)
        st.cycle_start = st.expires_on
        st.expires_on = expires or expiry_after_renewal(policy_for[tid], st.expires_on)
    elif kind in RENEWAL_UNDONE and st.before_renewal:
        undo_renewal(st, kind, on, reason)
    elif kind == "suspended":
        st.suspended_on, st.suspended_reason = on, reason
    elif kind == "reinstated":
        st.suspended_on, st.suspended_reason = None, ""
    elif kind == "revoked":
        st.revoked_on, st.revoked_reason = on, reason


def undo_renewal(st: CertState, kind: str, on: date, reason: str) -> None:
    """Fold a failed CE audit's consequence into ``st``: the period before the latest
    renewal comes back; a withdrawal after the old expiry ends the certificate on the
    withdrawal date (it was in force until then), a denial at the old expiry."""
    start, old_expiry = st.before_renewal
    st.cycle_start = start
    st.expires_on = max(old_expiry, on) if kind == "renewal-withdrawn" else old_expiry
    st.before_renewal, st.renewal_undone = None, reason


def ce_in_current_period(
    ce: pd.DataFrame, certs: dict[str, CertState], idx: pd.Index
) -> pd.DataFrame:
    """Verified CE hours per (trainee, topic) dated in each holder's current period.

    Hours of an earlier period (or from before the first certificate) were used up or
    never counted. ``ce`` has trainee_id, date, topic, hours.
    """
    cols = ["trainee_id", "topic", "hours"]
    start = {t: c.cycle_start for t, c in certs.items() if c.cycle_start}
    if ce.empty or not start:
        return pd.DataFrame(columns=cols)
    ce = ce[ce["trainee_id"].isin(start)]
    stop = {t: certs[t].expires_on for t in start}
    starts = ce["trainee_id"].map(start)
    stops = ce["trainee_id"].map(stop)
    inside = ce[(ce["date"] >= starts) & (ce["date"] < stops)]
    return inside.groupby(["trainee_id", "topic"], as_index=False)["hours"].sum()


def ce_topic_shortfalls(
    policy: Policy, expires_on: date, by_topic: dict[str, float]
) -> list[tuple[str, float, float]]:
    """(label, have, need) for each CE topic minimum the period does not meet yet."""
    out = []
    for rule in policy.certification.renewal.ce_topics:
        need = float(rule.minimum.at(expires_on))
        have = by_topic.get(rule.topic, 0.0)
        if have < need - 1e-9:
            out.append((rule.label, have, need))
    return out
