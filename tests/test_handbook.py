"""The handbook is generated from the profile: change a value, the handbook changes."""

from __future__ import annotations

from importlib.resources import files

import pytest
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.handbook import handbook_html, write_handbook
from ppskit.policies import available_profiles, load_policy, load_policy_file


@pytest.mark.parametrize("pid", available_profiles())
def test_every_profile_has_a_handbook(pid):
    html = handbook_html(load_policy(pid))
    for heading in ("Establishing eligibility", "Appeal of a denial", "Costs", "Renewal", "Expiry"):
        assert heading in html


def test_changing_a_value_changes_the_handbook(tmp_path):
    text = files("ppskit.policies").joinpath("calmhsa-pss-pc.yaml").read_text(encoding="utf-8")
    assert "        label: law and ethics\n        minimum:\n          value: 6\n" in text
    copy = tmp_path / "body.yaml"
    copy.write_text(
        text.replace(
            "        label: law and ethics\n        minimum:\n          value: 6\n",
            "        label: law and ethics\n        minimum:\n          value: 9\n",
        ),
        encoding="utf-8",
    )
    before = handbook_html(load_policy("calmhsa-pss-pc"))
    after = handbook_html(load_policy_file(copy))
    assert "Of these, at least 6 " in before and "Of these, at least 9 " not in before
    assert "Of these, at least 9 " in after


def test_mississippi_handbook_names_lapsed_and_the_state_period():
    html = handbook_html(load_policy("ms-dmh-cpss-pc"))
    assert "Lapsed" in html and "September 30" in html and "Inactive" in html


def test_cli_handbook(tmp_path):
    out = tmp_path / "hb.html"
    result = CliRunner().invoke(app, ["handbook", "--profile", "nff-cfps", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "44" in out.read_text(encoding="utf-8")
    assert write_handbook("ga-cps-p", out=tmp_path / "ga.html")[0].is_file()
