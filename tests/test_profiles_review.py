"""A reviewer lists each profile's unverified values with the source used."""

from __future__ import annotations

from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.policies import available_profiles, load_policy
from ppskit.policies.review import unverified_values


def test_every_unverified_value_names_the_source_used():
    for pid in available_profiles():
        for item in unverified_values(load_policy(pid)):
            leaf = not item.where.endswith("]")  # a rule flagged as a whole shows its label
            assert item.reference or not leaf, f"{pid}: {item.where} has no source"


def test_conflicting_sources_are_marked_unverified():
    nff = {u.where: u for u in unverified_values(load_policy("nff-cfps"))}
    work = [u for w, u in nff.items() if w.endswith(".minimum") and u.value == "500.0"]
    assert work and "1,000" in work[0].reference
    ca = {u.where: u.value for u in unverified_values(load_policy("calmhsa-pss-pc"))}
    assert ca["exam_rules.pass_pct"] == "70.0"  # the real cut is a scaled score


def test_cli_lists_profiles_and_unverified_values():
    run = CliRunner().invoke
    listed = run(app, ["profiles", "list"])
    assert listed.exit_code == 0 and all(p in listed.output for p in available_profiles())
    out = run(app, ["profiles", "unverified", "--profile", "ms-dmh-cpss-pc"])
    assert out.exit_code == 0 and "exam_rules.pass_pct = 75.0" in out.output
    assert run(app, ["profiles", "unverified", "--profile", "nope"]).exit_code == 1
