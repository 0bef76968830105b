"""The demo tells the truth: enrolment comes before each trainee's record, and the
grandfathered trainee is shown as grandfathered and sat the special exam form."""

from __future__ import annotations

from datetime import date

import pytest

from ppskit.demo import build_demo
from ppskit.ledger.api import exam_results_frame, hours_frame, trainees_frame
from ppskit.policies import load_policy
from ppskit.status import compute_status

TODAY = date(2026, 11, 24)


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    build_demo(db=url, today=TODAY)
    return url


def test_every_trainee_is_enrolled_before_their_first_record(demo_url):
    enrolled = trainees_frame(db=demo_url).set_index("trainee_id")["enrolled_on"]
    assert (enrolled < TODAY).all()
    for frame, col in (
        (hours_frame(db=demo_url), "date"),
        (exam_results_frame(db=demo_url), "date"),
    ):
        first = frame.groupby("trainee_id")[col].min()
        late = [t for t, day in first.items() if enrolled[t] > day]
        assert late == [], f"enrolled after their first {col}: {late}"


def test_grandfathered_trainees_are_shown_as_grandfathered(demo_url):
    status = compute_status(as_of=TODAY, db=demo_url).set_index("trainee_id")
    assert status.loc["DEMO-05", "stage"] == "grandfathered"
    assert status.loc["DEMO-14", "stage"] == "certifiable"
    assert bool(status.loc["DEMO-14", "grandfathered"]) and bool(
        status.loc["DEMO-05", "grandfathered"]
    )
    assert "Grandfathered" in status.loc["DEMO-14", "next_action"]
    assert (
        not status.loc[status.index != "DEMO-14"]
        .query("stage == 'certifiable'")["grandfathered"]
        .any()
    )


def test_grandfathered_trainee_sat_the_special_form_not_form_a(demo_url):
    exams = exam_results_frame(db=demo_url)
    forms = set(exams.loc[exams["trainee_id"] == "DEMO-14", "form"])
    assert forms == {load_policy().grandfathering.exam_form}


def test_transcript_says_grandfathered(demo_url):
    from ppskit.reports.data import load_snapshot, trainee_report
    from ppskit.reports.render import trainee_html

    snap = load_snapshot(as_of=TODAY, db=demo_url)
    html = trainee_html(trainee_report(snap, "DEMO-14"), dpi=40)
    form = load_policy().grandfathering.exam_form
    assert "<b>Grandfathered:</b>" in html and f"form {form}" in html
    assert "<b>Grandfathered:</b>" not in trainee_html(trainee_report(snap, "DEMO-06"), dpi=40)


def test_demo_runs_five_profiles_on_one_engine(demo_url):
    status = compute_status(as_of=TODAY, db=demo_url).set_index("trainee_id")
    assert status["profile"].nunique() >= 3
    expected = {
        "DEMO-15": ("calmhsa-pss-pc", "renewal-due"),
        "DEMO-16": ("ms-dmh-cpss-pc", "inactive"),
        "DEMO-17": ("ms-dmh-cpss-pc", "expired"),
        "DEMO-18": ("nff-cfps", "in-training"),
        "DEMO-19": ("ga-cps-p", "in-training"),
    }
    got = {t: tuple(status.loc[t, ["profile", "stage"]]) for t in expected}
    assert got == expected
    assert "law and ethics (5 of 6)" in status.loc["DEMO-15", "next_action"]
    assert status.loc["DEMO-17", "stage_label"] == "Lapsed"
    assert status.loc["DEMO-17", "expires_on"].endswith("-10-01")  # end of a state period
    assert "1,826 days" in status.loc["DEMO-18", "next_action"]  # training too long ago
    assert "training must be taken again" in status.loc["DEMO-19", "next_action"]
