"""Certificate periods: one set of CE hours renews one period, and only inside the
renewal window (the loophole: 2030 -> 2032 -> 2034 -> 2036 on one day)."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import DOMAINS
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.ledger.api import certificate_events_frame
from ppskit.ledger.certificates import CertificateRefused, certify, renew


def _certified(ledger, on: str = "2024-06-01") -> None:
    """T1 certified on ``on`` (expires two years later under ca-ppss)."""
    ledger.trainee("T1")
    ledger.full_training("T1", "2024-01-10")
    ledger.sitting("T1", "2024-05-01")
    certify("T1", on=date.fromisoformat(on), by="board", db=ledger.url)


def _ce(ledger, day: str, hours: float, note: str = "") -> None:
    ledger.hours([["T1", day, hours, "ce", "stigma", "external", "yes", note]])


def test_one_set_of_ce_hours_renews_one_period_only(ledger):
    _certified(ledger)
    _ce(ledger, "2025-02-01", 20)
    out = renew("T1", on=date(2026, 4, 1), by="board", db=ledger.url)
    assert out.expires_on == date(2028, 6, 1)
    events_before = len(certificate_events_frame(db=ledger.url))
    # The same day again: the new period has not even started, and its window is years off.
    with pytest.raises(CertificateRefused, match="renewal window opens on 2028-03-03"):
        renew("T1", on=date(2026, 4, 1), by="board", db=ledger.url)
    assert len(certificate_events_frame(db=ledger.url)) == events_before
    assert ledger.status("2026-04-02")["expires_on"] == "2028-06-01"


def test_renew_the_day_after_issue_is_refused_with_the_window(ledger):
    _certified(ledger)
    _ce(ledger, "2024-06-01", 20)
    with pytest.raises(CertificateRefused) as exc:
        renew("T1", on=date(2024, 6, 2), by="board", db=ledger.url)
    msg = exc.value.report()
    assert "opens on 2026-03-03" in msg and "2026-06-01" in msg
    assert len(certificate_events_frame(db=ledger.url)) == 1


def test_window_edges_ninety_days_before_and_expiry_day(ledger):
    _certified(ledger)
    _ce(ledger, "2025-02-01", 20)
    with pytest.raises(CertificateRefused, match="opens on 2026-03-03"):
        renew("T1", on=date(2026, 3, 2), by="board", db=ledger.url)  # 91 days before
    with pytest.raises(CertificateRefused, match="expired on 2026-06-01"):
        renew("T1", on=date(2026, 6, 1), by="board", db=ledger.url)  # the expiry day
    assert renew("T1", on=date(2026, 3, 3), by="board", db=ledger.url).expires_on == date(
        2028, 6, 1
    )


def test_ce_hour_counts_only_in_the_period_that_holds_its_date(ledger):
    _certified(ledger)
    _ce(ledger, "2024-05-31", 10, "the day before the first issue: counts for nothing")
    _ce(ledger, "2024-06-01", 12, "issue day: first period")
    _ce(ledger, "2026-04-15", 8, "after renewing, before the old expiry: still first period")
    assert ledger.status("2026-04-01")["ce_hours"] == "12"
    with pytest.raises(CertificateRefused, match="12 of 20"):
        renew("T1", on=date(2026, 4, 1), by="board", db=ledger.url)
    assert ledger.status("2026-04-20")["ce_hours"] == "20"
    renew("T1", on=date(2026, 4, 20), by="board", db=ledger.url)
    # Now earning towards the renewed period [2026-06-01, 2028-06-01): it starts at 0.
    row = ledger.status("2026-04-21")
    assert (row["stage"], row["expires_on"], row["ce_hours"]) == ("certified", "2028-06-01", "0")
    assert row["period_start"] == "2026-06-01"
    _ce(ledger, "2026-05-31", 5, "last day of the first period")
    _ce(ledger, "2026-06-01", 3, "first day of the renewed period")
    assert ledger.status("2026-06-02")["ce_hours"] == "3"


def test_renewed_period_needs_its_own_hours_for_the_next_renewal(ledger):
    _certified(ledger)
    _ce(ledger, "2025-02-01", 20)
    renew("T1", on=date(2026, 4, 1), by="board", db=ledger.url)
    later = date(2028, 5, 1)  # run as if on this day, so the dates are not in the future
    with pytest.raises(CertificateRefused, match="0 of 20"):
        renew("T1", on=date(2028, 4, 1), by="board", db=ledger.url, today=later)
    ledger.hours([["T1", "2027-01-10", 20, "ce", "stigma", "external", "yes", ""]], today=later)
    out = renew("T1", on=date(2028, 4, 1), by="board", db=ledger.url, today=later)
    assert out.expires_on == date(2030, 6, 1)


def test_cli_renew_outside_the_window_says_when_it_opens(ledger):
    _certified(ledger)
    _ce(ledger, "2025-02-01", 20)
    result = CliRunner().invoke(app, ["renew", "T1", "--on", "2025-03-01", "--db", ledger.url])
    assert result.exit_code == 1
    assert "renewal window opens on 2026-03-03" in result.output
    assert "Traceback" not in result.output
    assert len(certificate_events_frame(db=ledger.url)) == 1
    assert DOMAINS  # the fixture data spans every core domain
