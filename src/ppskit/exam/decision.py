"""Decision accuracy of one sitting, computed from the blueprint and the scoring rule.

The question a certifying body asks of an exam: does one sitting separate a competent
candidate from one who is not? Model (the usual binomial, or "domain score", model): a
candidate whose true proportion-correct is ``p`` answers each of a section's ``n``
autograded items right with probability ``p``, independently, so the section score is
Binomial(n, p). A section passes at ``ceil(cut * n)`` right. The exam is passed when
every section passes (conjunctive), or — with a compensatory rule — when the total
reaches the cut and every section reaches its floor. Both are computed exactly (products
of binomial tails; a convolution for the total), with no simulation.

Reliability is projected with Spearman-Brown from a reference exam (a stated KR-20 at a
stated length), since a new form has no candidates yet; ``ppskit exam analyze`` measures
the real KR-20 once it has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The issue's targets for one sitting: pass at p = 0.85 at least this often ...
TARGET_PASS_COMPETENT = 0.90
#: ... and at p = 0.55 at most this often.
TARGET_PASS_NOT_COMPETENT = 0.02
#: Reference for the reliability projection: a 60-item exam with KR-20 0.81 (the
#: anchors' exam-practice example; CLEAR). Replace with the bank's own analysis.
REFERENCE_ITEMS = 60
REFERENCE_KR20 = 0.81


@dataclass(frozen=True)
class SectionPlan:
    """One scored section: its autograded items and the share needed to pass it."""

    name: str
    items: int
    cut: float  # proportion, e.g. 0.70
    floor: float | None = None  # compensatory rule: the least a section may score


def _pmf(n: int, p: float) -> list[float]:
    return [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]


def _needed(n: int, share: float) -> int:
    # Right answers needed for a share of n items (70 % of 10 is 7, of 30 is 21).
    return math.ceil(share * n - 1e-9)


def section_pass_probability(plan: SectionPlan, p: float) -> float:
    """P(a candidate of true proportion-correct ``p`` passes this section)."""
    return sum(_pmf(plan.items, p)[_needed(plan.items, plan.cut) :])


def pass_probability(
    sections: list[SectionPlan], p: float, *, total_cut: float | None = None
) -> float:
    """P(passing the whole exam at one sitting) at true proportion-correct ``p``.

    Without ``total_cut`` every section must reach its own cut (conjunctive). With it,
    the total must reach ``total_cut`` of all items and each section its ``floor``.
    """
    if total_cut is None:
        return math.prod(section_pass_probability(s, p) for s in sections)
    # Distribution of the total over sections, each truncated at its floor.
    dist = [1.0]
    for s in sections:
        pmf = _pmf(s.items, p)
        low = _needed(s.items, s.floor or 0.0)
        pmf = [v if k >= low else 0.0 for k, v in enumerate(pmf)]
        out = [0.0] * (len(dist) + s.items)
        for i, a in enumerate(dist):
            if a:
                for k, b in enumerate(pmf):
                    out[i + k] += a * b
        dist = out
    need = _needed(sum(s.items for s in sections), total_cut)
    return sum(dist[need:])


def projected_kr20(items: int, *, reference_items: int = REFERENCE_ITEMS) -> float:
    """KR-20 a section of ``items`` items can expect, by Spearman-Brown from the
    reference exam's KR-20 at its length."""
    per_item = REFERENCE_KR20 / (reference_items - (reference_items - 1) * REFERENCE_KR20)
    return items * per_item / (1 + (items - 1) * per_item)


def sem_near_cut(plan: SectionPlan) -> float:
    """Binomial standard error of a section's percentage score at the cut, in points of
    percentage: ``100 * sqrt(cut * (1 - cut) / n)``."""
    return 100 * math.sqrt(plan.cut * (1 - plan.cut) / plan.items)


@dataclass
class DecisionReport:
    """What ``ppskit exam blueprint --check`` prints."""

    sections: list[SectionPlan]
    total_cut: float | None
    competent: float
    not_competent: float

    @property
    def meets_targets(self) -> bool:
        """True when one sitting separates p = 0.85 from p = 0.55 as the targets ask."""
        return (
            self.competent >= TARGET_PASS_COMPETENT
            and self.not_competent <= TARGET_PASS_NOT_COMPETENT
        )

    def text(self) -> str:
        """Plain lines: the rule, each section, the two probabilities, the verdict."""
        rule = (
            f"total at least {self.total_cut:.0%} and every section at least its floor"
            if self.total_cut is not None
            else "every section at or above its cut"
        )
        lines = [f"Scoring rule: {rule}.", "section                     points  cut   KR-20  SEM"]
        for s in self.sections:
            cut = s.floor if self.total_cut is not None else s.cut
            lines.append(
                f"{s.name:<28} {s.items:>5}  {cut:>4.0%}  {projected_kr20(s.items):5.2f}  "
                f"{sem_near_cut(s):4.1f}"
            )
        total = sum(s.items for s in self.sections)
        lines += [
            f"Whole exam: {total} score points (a scenario's points count as items), "
            "projected KR-20 "
            f"{projected_kr20(total):.2f} (Spearman-Brown from a {REFERENCE_ITEMS}-item exam "
            f"with KR-20 {REFERENCE_KR20}).",
            f"P(pass one sitting | true p = 0.85) = {self.competent:.3f} "
            f"(target at least {TARGET_PASS_COMPETENT:.2f})",
            f"P(pass one sitting | true p = 0.55) = {self.not_competent:.4f} "
            f"(target at most {TARGET_PASS_NOT_COMPETENT:.2f})",
            "Meets both targets." if self.meets_targets else "Does NOT meet the targets.",
        ]
        return "\n".join(lines)


def decision_report(sections: list[SectionPlan], total_cut: float | None = None) -> DecisionReport:
    """Both probabilities for a blueprint's sections under its scoring rule."""
    return DecisionReport(
        sections,
        total_cut,
        pass_probability(sections, 0.85, total_cut=total_cut),
        pass_probability(sections, 0.55, total_cut=total_cut),
    )


def plans_for(blueprint, policy) -> list[SectionPlan]:  # noqa: ANN001
    """The scored sections a profile makes of a blueprint, in the profile's order: one
    per section, worth the summed points of its domains (one per framework domain, a
    group of domains, or one ``total``). A scenario's points count as that many binomial
    items (its rubric lines are scored like items)."""
    cut = float(policy.exam.section_pass_pct) / 100
    points = {
        s: plan.mc * blueprint.mc_points + plan.scenario * blueprint.scenario_points
        for s, plan in blueprint.sections.items()
    }
    return [
        SectionPlan(section, sum(points.get(d, 0) for d in domains), cut)
        for section, domains in policy.section_domains.items()
    ]
