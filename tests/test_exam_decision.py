"""Decision accuracy of one sitting: exact binomial probabilities from the blueprint."""

from __future__ import annotations

import math

import pytest

from ppskit.exam.decision import (
    SectionPlan,
    decision_report,
    pass_probability,
    projected_kr20,
    section_pass_probability,
)


def test_one_section_is_a_binomial_tail():
    plan = SectionPlan("s", 5, 0.70)  # 4 of 5 needed
    p = 0.85
    expected = 5 * p**4 * (1 - p) + p**5
    assert section_pass_probability(plan, p) == pytest.approx(expected)


def test_twelve_five_item_sections_cannot_separate_candidates():
    # Today's exam: 5 items in each of 12 sections, 70 % in every one.
    rep = decision_report([SectionPlan(f"d{i}", 5, 0.70) for i in range(12)])
    assert rep.competent == pytest.approx(0.8352**12, rel=1e-3)
    assert rep.competent < 0.15 and not rep.meets_targets


def test_four_thirty_item_sections_meet_both_targets():
    rep = decision_report([SectionPlan(f"g{i}", 30, 0.70) for i in range(4)])
    assert rep.competent >= 0.90 and rep.not_competent <= 0.02
    assert rep.meets_targets
    assert "Meets both targets." in rep.text()


def test_compensatory_rule_equals_brute_force_on_a_small_exam():
    sections = [SectionPlan("a", 3, 0.7, floor=0.34), SectionPlan("b", 4, 0.7, floor=0.5)]
    p = 0.6
    brute = 0.0
    for a in range(4):
        for b in range(5):
            ok = a >= 2 and b >= 2 and a + b >= math.ceil(0.7 * 7)
            if ok:
                brute += (
                    math.comb(3, a)
                    * p**a
                    * (1 - p) ** (3 - a)
                    * math.comb(4, b)
                    * p**b
                    * (1 - p) ** (4 - b)
                )
    assert pass_probability(sections, p, total_cut=0.7) == pytest.approx(brute)


def test_reliability_grows_with_length_by_spearman_brown():
    assert projected_kr20(60) == pytest.approx(0.81)
    assert projected_kr20(30) < projected_kr20(60) < projected_kr20(120) < 1


def test_the_fixture_blueprint_under_ca_ppss_and_a_single_score_profile():
    from fixtures.exam.support import FIXTURE_ASSESSMENTS

    from ppskit.exam.bank import load_blueprint
    from ppskit.exam.decision import plans_for
    from ppskit.policies import load_policy

    bp = load_blueprint(FIXTURE_ASSESSMENTS / "blueprint.yaml")
    per_domain = plans_for(bp, load_policy("ca-ppss"))
    assert [s.name for s in per_domain] == bp.section_order
    assert {s.cut for s in per_domain} == {0.70}
    single = plans_for(bp, load_policy("calmhsa-pss-pc"))
    assert [s.name for s in single] == ["total"]
    assert single[0].items == sum(s.items for s in per_domain)


def test_cli_blueprint_check_prints_both_probabilities_and_fails_a_weak_design(tmp_path):
    import shutil

    from fixtures.exam.support import FIXTURE_ASSESSMENTS
    from typer.testing import CliRunner

    from ppskit.cli import app

    shutil.copytree(FIXTURE_ASSESSMENTS, tmp_path / "assessments")
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    run = CliRunner().invoke
    # The fixture blueprint has a few items per domain, each domain its own 70 % section.
    weak = run(app, ["exam", "blueprint", "--course", str(tmp_path)])
    assert "P(pass one sitting | true p = 0.85)" in weak.output
    assert "P(pass one sitting | true p = 0.55)" in weak.output
    assert weak.exit_code == 1 and "Does NOT meet the targets." in weak.output
    # The same items as one 70 % score (a single-score profile) do separate candidates.
    one = run(app, ["exam", "blueprint", "--course", str(tmp_path), "--profile", "nff-cfps"])
    assert "Scoring rule: every section at or above its cut." in one.output
