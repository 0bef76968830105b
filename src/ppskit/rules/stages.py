"""Stage selection: the first of these that is true is the trainee's stage.

1. revoked — a certificate was revoked;
2. suspended — the certificate is suspended;
3. expired — the certificate's ``expires_on`` has come (not renewed in time);
4. inactive — certified, but a requirement of active status is not met;
5. renewal-due — inside the renewal window before ``expires_on``;
6. certified;
7. ineligible — an eligibility rule is not met;
8. certifiable — exam passed, training complete (or grandfathered);
9. retake-open — failed sections may be retaken, training complete (or grandfathered);
10. grandfathered — employed on the profile's date: the special exam, no training;
11. exam-ready — training complete (a failed whole-exam sitting stays here);
12. in-training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ppskit.dates import fmt
from ppskit.policies import Policy
from ppskit.rules.certificates import CertState
from ppskit.rules.exams import SeriesState
from ppskit.rules.requirements import num


@dataclass(slots=True)
class Standing:
    """Everything stage selection reads about one trainee."""

    trainee_id: str
    policy: Policy
    as_of: date
    cert: CertState | None
    series: SeriesState
    eligible: bool
    not_eligible_because: list[str]
    trained: bool
    training_todo: list[str]
    grandfathered: bool
    active: bool = True
    active_todo: list[str] = field(default_factory=list)
    ce_hours: float = 0.0
    ce_required: float = 0.0
    ce_short: list[tuple[str, float, float]] = field(default_factory=list)
    renewal_opens: date | None = None
    transition_end: date | None = None
    unverified_core: float = 0.0

    @property
    def has_cert(self) -> bool:
        return self.cert is not None and self.cert.certified_on is not None


def select_stage(s: Standing) -> tuple[str, str]:
    """(stage, next_action) for one trainee, in the order of the module docstring."""
    c, ex = s.cert, s.series
    if c and c.revoked_on:
        return "revoked", revoked_action(s)
    if s.has_cert and c.suspended_on:
        return "suspended", suspended_action(s)
    if s.has_cert and s.as_of >= c.expires_on:
        return "expired", expired_action(s)
    if s.has_cert and not s.active:
        return "inactive", inactive_action(s)
    if s.has_cert and s.as_of >= s.renewal_opens:
        return "renewal-due", renewal_action(s)
    if s.has_cert:
        return "certified", certified_action(s)
    if not s.eligible:
        return "ineligible", "Not eligible yet: " + "; ".join(s.not_eligible_because) + "."
    ready = s.trained or s.grandfathered
    if ex.exam == "passed" and ready:
        text = (
            f"Exam passed on {fmt(ex.passed_on)}: issue the certificate "
            f"(ppskit certify {s.trainee_id} --on DATE)."
        )
        if not s.trained:
            text += (
                f" Grandfathered (employed on {fmt(s.policy.grandfathering.employed_on)}): "
                "certified on the special examination, no core-hours requirement."
            )
        return "certifiable", text
    if ex.exam == "retake-open" and ready:
        return "retake-open", ex.message
    if s.grandfathered:
        return "grandfathered", grandfathered_action(s)
    if s.trained:
        if ex.exam == "failed":
            return "exam-ready", ex.message
        return "exam-ready", "Training complete: take the full certification exam."
    return "in-training", training_action(s)


def revoked_action(s: Standing) -> str:
    c = s.cert
    return f"Certificate revoked on {fmt(c.revoked_on)}" + (
        f" ({c.revoked_reason})." if c.revoked_reason else "."
    )


def suspended_action(s: Standing) -> str:
    c = s.cert
    return (
        f"Certificate suspended on {fmt(c.suspended_on)}"
        + (f" ({c.suspended_reason})" if c.suspended_reason else "")
        + "; no peer support work until it is reinstated."
    )


def expired_action(s: Standing) -> str:
    label = s.policy.stage_label("expired")
    named = f" (status: {label})" if label != "expired" else ""
    return (
        f"Certificate expired on {fmt(s.cert.expires_on)}{named}; it can no longer be "
        "renewed. Contact the certifying body about certifying again."
    )


def inactive_action(s: Standing) -> str:
    label = s.policy.stage_label("inactive")
    return (
        f"Certificate held as {label}: " + "; ".join(s.active_todo) + " for active status. "
        f"It still expires on {fmt(s.cert.expires_on)}."
    )


def renewal_shortfall(s: Standing) -> list[str]:
    """What the current period still lacks for renewal, in the profile's words."""
    bits = []
    need = max(0.0, s.ce_required - s.ce_hours)
    if need > 0:
        bits.append(f"log {num(need)} more verified CE hours")
    for label, have, want in s.ce_short:
        bits.append(
            f"log {num(want - have)} more verified CE hours of {label} ({num(have)} of {num(want)})"
        )
    return bits


def renewal_action(s: Standing) -> str:
    bits = renewal_shortfall(s)
    head = f"Renew before {fmt(s.cert.expires_on)}: "
    if bits:
        return head + "; ".join(bits) + f", then run 'ppskit renew {s.trainee_id}'."
    return head + f"CE complete; run 'ppskit renew {s.trainee_id}'."


def certified_action(s: Standing) -> str:
    text = (
        f"Certified until {fmt(s.cert.expires_on)}; {num(s.ce_hours)} of {num(s.ce_required)} "
        f"CE hours this cycle"
    )
    for label, have, want in s.ce_short:
        text += f" ({num(have)} of {num(want)} of {label})"
    return text + f"; renewal opens {fmt(s.renewal_opens)}."


def grandfathered_action(s: Standing) -> str:
    g = s.policy.grandfathering
    by_when = f" by {fmt(s.transition_end)}" if s.transition_end else ""
    text = (
        f"Grandfathered (employed on {fmt(g.employed_on)}): pass the special exam "
        f"(form {g.exam_form}){by_when}; no core-hours requirement."
    )
    if s.series.exam == "failed":
        text += " " + s.series.message
    return text


def training_action(s: Standing) -> str:
    text = "To finish training: " + "; ".join(t for t in s.training_todo if t) + "."
    if s.series.retrain_after:
        text = s.series.message + " " + text
    if s.unverified_core > 0:
        text += f" {num(s.unverified_core)} self-reported hours await a trainer's verification."
    return text
