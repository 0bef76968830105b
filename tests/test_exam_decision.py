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
    ca = load_policy("ca-ppss")
    grouped = plans_for(bp, ca)
    assert [s.name for s in grouped] == ca.sections
    assert {s.cut for s in grouped} == {0.70}
    # A section is worth the summed points of its domains (scenarios included).
    for plan in grouped:
        assert plan.items == sum(bp.section_points(d) for d in ca.section_domains[plan.name])
    single = plans_for(bp, load_policy("calmhsa-pss-pc"))
    assert [s.name for s in single] == ["total"]
    assert single[0].items == sum(s.items for s in grouped)


def _ten_mc_blueprint(tmp_path):
    """A copy of the repository's blueprint with 10 multiple-choice items per domain and
    no scenarios (the new forms: 120 items each)."""
    from pathlib import Path

    import yaml

    repo = Path(__file__).resolve().parents[1]
    data = yaml.safe_load((repo / "assessments" / "blueprint.yaml").read_text())
    data["sections"] = {d: {"mc": 10} for d in data["sections"]}
    (tmp_path / "assessments").mkdir()
    (tmp_path / "assessments" / "blueprint.yaml").write_text(yaml.safe_dump(data))
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    return tmp_path


def test_ca_ppss_four_sections_of_thirty_items_decide_in_one_sitting(tmp_path):
    from typer.testing import CliRunner

    from ppskit.cli import app
    from ppskit.exam.bank import load_blueprint
    from ppskit.exam.decision import plans_for
    from ppskit.policies import load_policy

    course = _ten_mc_blueprint(tmp_path)
    bp = load_blueprint(course / "assessments" / "blueprint.yaml")
    rep = decision_report(plans_for(bp, load_policy("ca-ppss")))
    assert [s.items for s in rep.sections] == [30, 30, 30, 30]
    assert rep.competent == pytest.approx(0.962, abs=5e-4)
    assert rep.not_competent < 0.0001 and rep.meets_targets
    out = CliRunner().invoke(
        app, ["exam", "blueprint", "--check", "--profile", "ca-ppss", "--course", str(course)]
    )
    assert out.exit_code == 0, out.output
    assert "P(pass one sitting | true p = 0.85) = 0.962" in out.output
    assert "P(pass one sitting | true p = 0.55) = 0.0000" in out.output
    # The same 120 items as 12 one-domain sections would not decide.
    twelve = decision_report([SectionPlan(d, 10, 0.70) for d in bp.section_order])
    assert not twelve.meets_targets


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
