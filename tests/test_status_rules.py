"""Dated scenarios for every rule of the ca-ppss profile, as a supervisor would read
the status table."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import DOMAINS, spread

from ppskit.imports import ImportRejected
from ppskit.ledger.certificates import CertificateRefused, certify, discipline, renew

# ------------------------------------------------------------------ eligibility


def test_turns_eligible_on_18th_birthday(ledger):
    ledger.trainee("T1", birth="2006-03-15")
    assert ledger.status("2024-03-14")["stage"] == "ineligible"
    assert "18 or older" in ledger.status("2024-03-14")["next_action"]
    assert ledger.status("2024-03-15")["stage"] == "in-training"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("lived", "no", "lived experience"),
        ("education", "none", "high-school diploma or GED"),
        ("id_ok", "no", "valid ID"),
    ],
)
def test_ineligible_reasons_are_named(ledger, field, value, reason):
    ledger.trainee("T1", **{field: value})
    row = ledger.status("2025-01-01")
    assert row["stage"] == "ineligible"
    assert reason in row["next_action"]


def test_ged_and_higher_education_are_eligible(ledger):
    ledger.trainee("T1", education="ged")
    ledger.trainee("T2", education="bachelor")
    assert ledger.status("2025-01-01", "T1")["stage"] == "in-training"
    assert ledger.status("2025-01-01", "T2")["stage"] == "in-training"


# ------------------------------------------------------------------ training hours


def _forty_hours(ledger, tid="T1", day="2024-05-01", last=4.0):
    # 11 domains x 3.25 h + the last domain -> 35.75 + last
    ledger.hours(spread(tid, day, {d: (last if d == DOMAINS[-1] else 3.25) for d in DOMAINS}))


def test_exactly_forty_verified_hours_completes_training(ledger):
    ledger.trainee("T1")
    _forty_hours(ledger, last=4.25)  # 35.75 + 4.25 = 40
    row = ledger.status("2024-06-01")
    assert row["core_hours"] == "40"
    assert row["stage"] == "exam-ready"


def test_just_under_forty_hours_is_still_training(ledger):
    ledger.trainee("T1")
    _forty_hours(ledger, last=4.0)  # 39.75
    row = ledger.status("2024-06-01")
    assert row["stage"] == "in-training"
    assert "0.25 more verified core hours" in row["next_action"]


def test_every_domain_needs_hours(ledger):
    ledger.trainee("T1")
    ledger.hours(spread("T1", "2024-05-01", {d: 5 for d in DOMAINS[1:]}))
    row = ledger.status("2024-06-01")
    assert row["core_hours"] == "55"
    assert row["stage"] == "in-training"
    assert row["missing_domains"] == DOMAINS[0]


def test_missing_domains_follow_profile_order(ledger):
    ledger.trainee("T1")
    ledger.hours([["T1", "2024-05-01", 2, "core", "culture", "session", "yes", ""]])
    missing = ledger.status("2024-06-01")["missing_domains"].split(";")
    assert missing == [d for d in DOMAINS if d != "culture"]


def test_self_reported_hours_count_only_after_verification(ledger):
    from ppskit.imports import verify_hours

    ledger.trainee("T1")
    out = ledger.hours(spread("T1", "2024-05-01", {d: 4 for d in DOMAINS}, verified="no"))
    row = ledger.status("2024-06-01")
    assert (row["core_hours"], row["stage"]) == ("0", "in-training")
    assert "48 self-reported hours await" in row["next_action"]
    verify_hours(out.ids, by="Trainer Tess", db=ledger.url)
    assert ledger.status("2024-06-01")["stage"] == "exam-ready"


def test_voided_hours_stop_counting(ledger):
    from ppskit.imports import void_hours

    ledger.trainee("T1")
    out = ledger.hours(spread("T1", "2024-05-01", {d: 4 for d in DOMAINS}))
    void_hours(out.ids[0], reason="wrong trainee", by="Trainer", db=ledger.url)
    row = ledger.status("2024-06-01")
    assert row["core_hours"] == "44"
    assert row["missing_domains"] == DOMAINS[0]


def test_hours_dated_after_as_of_are_ignored(ledger):
    ledger.trainee("T1")
    ledger.full_training("T1", "2024-05-10")  # last domain on 2024-05-21
    assert ledger.status("2024-05-09")["core_hours"] == "0"
    row = ledger.status("2024-05-20")
    assert (row["core_hours"], row["missing_domains"]) == ("44", DOMAINS[-1])
    assert ledger.status("2024-05-21")["stage"] == "exam-ready"


# ------------------------------------------------------------------ exam and retakes


def _ready(ledger, tid="T1"):
    ledger.trainee(tid)
    ledger.full_training(tid, "2024-04-01")


def test_all_sections_at_pass_mark_pass(ledger):
    _ready(ledger)
    ledger.sitting("T1", "2024-05-01", scores={"engaging-families": 70.0})
    row = ledger.status("2024-05-02")
    assert (row["exam"], row["stage"]) == ("passed", "certifiable")


def test_failed_sections_open_a_retake_named_in_next_action(ledger):
    _ready(ledger)
    ledger.sitting(
        "T1", "2024-11-14", scores={"engaging-families": 69.9, "professional-practice": 50}
    )
    row = ledger.status("2024-11-20")
    assert (row["exam"], row["stage"]) == ("retake-open", "retake-open")
    assert row["next_action"].startswith(
        "Retake sections Engaging families, Professional practice by 2024-12-14"
    )


def test_retake_on_day_30_is_inside_window(ledger):
    _ready(ledger)
    ledger.sitting("T1", "2024-05-01", scores={"engaging-families": 50})
    assert ledger.status("2024-05-31")["stage"] == "retake-open"  # day 30
    ledger.sitting("T1", "2024-05-31", form="B", only=["engaging-families"])
    assert ledger.status("2024-06-01")["stage"] == "certifiable"


def test_retake_on_day_31_starts_over(ledger):
    _ready(ledger)
    ledger.sitting("T1", "2024-05-01", scores={"engaging-families": 50})
    row = ledger.status("2024-06-01")  # day 31: window closed
    assert (row["exam"], row["stage"]) == ("failed", "exam-ready")
    assert "full exam" in row["next_action"]
    ledger.sitting("T1", "2024-06-01", form="B", only=["engaging-families"])
    # A retake-shaped sitting (one section) after the window is a new series, not a pass.
    assert ledger.status("2024-06-02")["exam"] != "passed"


def test_passed_section_stays_passed_across_retakes(ledger):
    _ready(ledger)
    ledger.sitting(
        "T1", "2024-05-01", scores={"engaging-families": 50, "professional-practice": 40}
    )
    ledger.sitting(
        "T1",
        "2024-05-20",
        form="B",
        only=["engaging-families", "professional-practice"],
        scores={"engaging-families": 80, "professional-practice": 60},
    )
    row = ledger.status("2024-05-21")
    assert row["stage"] == "retake-open"
    assert (
        "Retake sections Professional practice by 2024-06-19 (sitting 3 of 3)" in row["next_action"]
    )
    ledger.sitting(
        "T1",
        "2024-06-10",
        form="C",
        only=["professional-practice"],
        scores={"professional-practice": 75},
    )
    assert ledger.status("2024-06-11")["stage"] == "certifiable"


def test_series_void_after_three_sittings(ledger):
    _ready(ledger)
    ledger.sitting("T1", "2024-05-01", scores={"engaging-families": 50})
    ledger.sitting(
        "T1", "2024-05-10", form="B", only=["engaging-families"], scores={"engaging-families": 55}
    )
    ledger.sitting(
        "T1", "2024-05-20", form="C", only=["engaging-families"], scores={"engaging-families": 60}
    )
    row = ledger.status("2024-05-21")
    assert (row["exam"], row["stage"]) == ("failed", "exam-ready")
    assert "all 3 sittings were used" in row["next_action"]
    # The next sitting is a full exam that starts a new series.
    ledger.sitting("T1", "2024-06-15", form="A")
    assert ledger.status("2024-06-16")["stage"] == "certifiable"


def test_exam_result_after_as_of_is_ignored(ledger):
    _ready(ledger)
    ledger.sitting("T1", "2024-05-01")
    assert ledger.status("2024-04-30")["exam"] == "none"


def test_regraded_score_supersedes_earlier_one(ledger):
    from ppskit.ledger.api import record_exam_results

    _ready(ledger)
    ledger.sitting("T1", "2024-05-01", scores={"engaging-families": 60})
    assert ledger.status("2024-05-02")["stage"] == "retake-open"
    n = record_exam_results(
        [
            {
                "trainee_id": "T1",
                "date": "2024-05-01",
                "form": "A",
                "section": "engaging-families",
                "score_pct": 72,
            }
        ],
        recorded_by="formgrader",
        correction_reason="regraded in the formgrader",
        db=ledger.url,
    )
    assert n == 1
    assert ledger.status("2024-05-02")["stage"] == "certifiable"


# ------------------------------------------------------------------ certificates


def _certified(ledger, on="2024-06-01"):
    _ready(ledger)
    ledger.sitting("T1", "2024-05-01")
    return certify("T1", on=date.fromisoformat(on), by="board", db=ledger.url)


def test_certificate_valid_two_years_and_expires_on_expiry_day(ledger):
    out = _certified(ledger)
    assert out.expires_on == date(2026, 6, 1)
    assert out.code.startswith("PPSS-")
    row = ledger.status("2024-06-02")
    assert (row["stage"], row["certified_on"], row["expires_on"]) == (
        "certified",
        "2024-06-01",
        "2026-06-01",
    )
    assert ledger.status("2026-05-31")["stage"] == "renewal-due"
    assert ledger.status("2026-06-01")["stage"] == "expired"


def test_renewal_due_opens_ninety_days_before_expiry(ledger):
    _certified(ledger)
    assert ledger.status("2026-03-02")["stage"] == "certified"  # 91 days before
    assert ledger.status("2026-03-03")["stage"] == "renewal-due"  # 90 days before


def test_certify_refused_unless_certifiable(ledger):
    ledger.trainee("T1")
    with pytest.raises(CertificateRefused, match="in-training"):
        certify("T1", on=date(2024, 6, 1), by="board", db=ledger.url)


def test_renewal_needs_twenty_ce_hours_inside_the_cycle(ledger):
    _certified(ledger)
    ledger.hours(
        [
            ["T1", "2024-05-20", 10, "ce", "stigma", "external", "yes", "before issue"],
            ["T1", "2025-02-01", 12, "ce", "stigma", "external", "yes", ""],
            ["T1", "2026-07-01", 8, "ce", "stigma", "external", "yes", "after expiry"],
        ]
    )
    row = ledger.status("2026-04-01")
    assert (row["ce_hours"], row["ce_required"]) == ("12", "20")
    with pytest.raises(CertificateRefused, match="12 of 20"):
        renew("T1", on=date(2026, 4, 1), by="board", db=ledger.url)
    ledger.hours([["T1", "2026-03-15", 8, "ce", "self-care-ce", "module", "yes", ""]])
    out = renew("T1", on=date(2026, 4, 1), by="board", db=ledger.url)
    assert out.expires_on == date(2028, 6, 1)  # old expiry + 2 years
    # The new cycle starts at the renewal: earlier CE no longer counts, later CE does.
    row = ledger.status("2026-06-15")
    assert (row["stage"], row["expires_on"], row["ce_hours"]) == ("certified", "2028-06-01", "0")
    assert ledger.status("2026-07-01")["ce_hours"] == "8"


def test_unverified_ce_hours_do_not_count(ledger):
    _certified(ledger)
    ledger.hours([["T1", "2025-02-01", 20, "ce", "stigma", "external", "no", ""]])
    assert ledger.status("2026-04-01")["ce_hours"] == "0"


def test_renewal_refused_on_or_after_expiry(ledger):
    _certified(ledger)
    ledger.hours([["T1", "2025-02-01", 20, "ce", "stigma", "external", "yes", ""]])
    with pytest.raises(CertificateRefused, match="expired"):
        renew("T1", on=date(2026, 6, 1), by="board", db=ledger.url)


def test_suspend_reinstate_revoke(ledger):
    _certified(ledger)
    discipline(
        "T1", "suspended", on=date(2024, 9, 1), reason="complaint", by="board", db=ledger.url
    )
    row = ledger.status("2024-09-02")
    assert row["stage"] == "suspended" and "complaint" in row["next_action"]
    discipline(
        "T1", "reinstated", on=date(2024, 10, 1), reason="cleared", by="board", db=ledger.url
    )
    assert ledger.status("2024-10-02")["stage"] == "certified"
    assert ledger.status("2024-09-15")["stage"] == "suspended"  # history is kept
    discipline(
        "T1", "revoked", on=date(2024, 11, 1), reason="findings upheld", by="board", db=ledger.url
    )
    assert ledger.status("2024-11-02")["stage"] == "revoked"
    with pytest.raises(CertificateRefused):
        discipline("T1", "reinstated", on=date(2024, 11, 5), reason="x", by="b", db=ledger.url)


def test_discipline_needs_a_reason(ledger):
    _certified(ledger)
    with pytest.raises(ImportRejected, match="reason"):
        discipline("T1", "suspended", on=date(2024, 9, 1), reason=" ", by="b", db=ledger.url)


# ------------------------------------------------------------------ grandfathering


def test_grandfathered_needs_exam_but_no_core_hours(ledger):
    ledger.trainee("G1", employed="yes")
    row = ledger.status("2024-01-10", "G1")
    assert row["stage"] == "grandfathered"
    assert "no core-hours requirement" in row["next_action"]
    # The transition lasts until the exam is passed (seed 002).
    assert ledger.status("2030-01-10", "G1")["stage"] == "grandfathered"
    ledger.sitting("G1", "2024-01-05")
    assert ledger.status("2024-01-10", "G1")["stage"] == "certifiable"
    out = certify("G1", on=date(2024, 1, 10), by="board", db=ledger.url)
    assert out.expires_on == date(2026, 1, 10)


def test_not_employed_in_2022_is_not_grandfathered(ledger):
    ledger.trainee("N1", employed="no")
    assert ledger.status("2024-01-10", "N1")["stage"] == "in-training"
