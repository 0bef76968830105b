"""The office's accommodation requests, replacement certificates and fee ledger: the lead
time at its last day and the day after, approved extra time reaching delivery, an old
code answering REPLACED, and a dated fee change charging the old amount before its date
and the new one from it."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import yaml
from conftest import TRAINEE_HEADER, write_csv
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.db import read_connection
from ppskit.exam.delivery import time_limit
from ppskit.imports import import_trainees
from ppskit.ledger.accommodations import accommodation_in_force
from ppskit.ledger.certificates import CertificateRefused, certify, discipline
from ppskit.ledger.tables import accommodation_decisions, accommodations, fee_charges
from ppskit.office import fees as fees_module
from ppskit.office.accommodation_requests import (
    AccommodationRequestRefused,
    decide_request,
    list_requests,
    request_accommodation,
    request_deadline,
    requested_late,
)
from ppskit.office.fees import (
    FeeRefused,
    balances,
    charge_fee,
    record_payment,
    scheduled_cents,
    statement,
)
from ppskit.policies import available_profiles, load_policy, parse_policy

runner = CliRunner()
CALMHSA = "calmhsa-pss-pc"
LEAD = load_policy(CALMHSA).exam_rules.accommodation_lead_days.at()
EXAM = date(2026, 6, 15)
DETAILS = "Dyslexia; letter from Dr. Rivera attached"


def _cli(*args: str, db: str):  # noqa: ANN202
    return runner.invoke(app, [*args, "--db", db])


def _trainee(ledger, tid: str = "T1", profile: str = CALMHSA) -> None:  # noqa: ANN001
    path = write_csv(
        ledger.tmp / f"{tid}.csv",
        TRAINEE_HEADER,
        [[tid, f"Name {tid}", "1980-01-01", "yes", "high-school", "yes", "", profile]],
    )
    import_trainees(path, by="test", db=ledger.url)


def _count(db: str, table) -> int:  # noqa: ANN001
    with read_connection(db) as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


# ------------------------------------------------------------------- accommodations


def test_profiles_carry_the_lead_time_calmhsa_from_its_page_the_others_as_settings():
    for pid in available_profiles():
        lead = load_policy(pid).exam_rules.accommodation_lead_days
        assert lead is not None and lead.at() == 30
        if pid == CALMHSA:
            assert not lead.unverified and "certification-exam-accommodations" in lead.reference
        else:
            assert lead.unverified and lead.reference.startswith("setting:")


def test_a_request_thirty_days_ahead_is_on_time_and_twenty_nine_is_late():
    assert request_deadline(EXAM, LEAD) == EXAM - timedelta(days=30)
    assert not requested_late(EXAM - timedelta(days=30), EXAM, CALMHSA)
    assert requested_late(EXAM - timedelta(days=29), EXAM, CALMHSA)


def test_late_request_is_flagged_and_still_recorded(ledger):
    _trainee(ledger)
    today = EXAM - timedelta(days=1)
    on_time = request_accommodation(
        "T1",
        kind="reader",
        exam_date=EXAM,
        received_on=EXAM - timedelta(days=30),
        by="Office Olu",
        db=ledger.url,
        today=today,
    )
    late = request_accommodation(
        "T1",
        kind="separate-room",
        exam_date=EXAM,
        received_on=EXAM - timedelta(days=29),
        details=DETAILS,
        by="Office Olu",
        db=ledger.url,
        today=today,
    )
    assert not on_time.late and "late" not in on_time.message
    assert late.late
    assert "Received late: 29 days before the exam (the profile asks for 30" in late.message
    lines = list_requests(as_of=today, db=ledger.url)
    assert [(r.request_id, r.late, r.decision) for r in lines] == [
        (on_time.request_id, False, "pending"),
        (late.request_id, True, "pending"),
    ]
    out = _cli("accommodations", "list", "--as-of", str(today), "--format", "csv", db=ledger.url)
    assert out.exit_code == 0
    assert out.output.splitlines()[0] == (
        "request_id,trainee_id,kind,extra_time_pct,received_on,exam_date,late,decision,"
        "decided_on,next_action"
    )
    assert [r["late"] for r in csv.DictReader(io.StringIO(out.output))] == ["no", "yes"]
    assert "Dyslexia" not in out.output  # the details stay out of lists


def test_approved_extra_time_is_what_delivery_reads_from_the_decision_day(ledger):
    _trainee(ledger)
    received = EXAM - timedelta(days=40)
    decided = EXAM - timedelta(days=35)
    req = request_accommodation(
        "T1",
        kind="extra-time",
        extra_time_pct=50,
        exam_date=EXAM,
        received_on=received,
        details=DETAILS,
        by="Office Olu",
        db=ledger.url,
        today=received,
    )
    assert accommodation_in_force("T1", on=EXAM, db=ledger.url) is None
    out = _cli(
        "accommodations",
        "decide",
        str(req.request_id),
        "approve",
        "--reason",
        "Provider form received",
        "--on",
        str(decided),
        "--by",
        "Dana Director",
        db=ledger.url,
    )
    assert out.exit_code == 0, out.output
    assert "50% extra exam time from " + str(decided) in out.output
    acc = accommodation_in_force("T1", on=EXAM, db=ledger.url)
    assert acc.extra_time_pct == 50 and acc.granted_on == decided
    assert acc.recorded_by == "Dana Director" and "Provider form received" in acc.reason
    assert accommodation_in_force("T1", on=decided - timedelta(days=1), db=ledger.url) is None
    minutes = load_policy(CALMHSA).exam_rules.minutes.at()
    assert time_limit(minutes, 120, 120, acc.extra_time_pct) == minutes * 3 // 2
    (line,) = list_requests(as_of=EXAM, db=ledger.url)
    assert (line.decision, line.decided_on) == ("approved", decided)


def test_denied_and_non_time_requests_grant_no_extra_time(ledger):
    _trainee(ledger)
    day = EXAM - timedelta(days=60)
    asked = [
        request_accommodation(
            "T1", kind=k, exam_date=EXAM, by="o", db=ledger.url, today=day, **kw
        ).request_id
        for k, kw in (("extra-time", {"extra_time_pct": 25}), ("reader", {}))
    ]
    denied = decide_request(
        asked[0], "deny", reason="No provider form", by="o", db=ledger.url, today=day
    )
    approved = decide_request(
        asked[1], "approve", reason="Form received", by="o", db=ledger.url, today=day
    )
    assert "denied" in denied.message
    assert f"Arrange the reader with the test site for {EXAM}" in approved.message
    assert accommodation_in_force("T1", on=EXAM, db=ledger.url) is None
    assert _count(ledger.url, accommodations) == 0


def test_requests_and_decisions_that_break_a_rule_write_nothing(ledger):
    _trainee(ledger)
    day = EXAM - timedelta(days=60)
    with pytest.raises(AccommodationRequestRefused, match="how much, in percent"):
        request_accommodation("T1", kind="extra-time", exam_date=EXAM, by="o", db=ledger.url)
    with pytest.raises(AccommodationRequestRefused, match="before the request was received"):
        request_accommodation("T1", kind="reader", exam_date=day, received_on=EXAM, by="o",
                              db=ledger.url, today=EXAM)  # fmt: skip
    with pytest.raises(AccommodationRequestRefused, match="unknown trainee 'T9'"):
        request_accommodation("T9", kind="reader", exam_date=EXAM, by="o", db=ledger.url, today=day)
    n = request_accommodation(
        "T1", kind="extra-time", extra_time_pct=25, exam_date=EXAM, by="o", db=ledger.url,
        today=day,
    ).request_id  # fmt: skip
    decide_request(n, "approve", reason="ok", by="o", db=ledger.url, today=day)
    again = _cli("accommodations", "decide", str(n), "deny", "--reason", "x", db=ledger.url)
    assert again.exit_code == 1
    assert f"request {n} was already approved on {day}" in again.output
    assert "Nothing was written." in again.output and "Traceback" not in again.output
    assert _count(ledger.url, accommodation_decisions) == 1
    assert _count(ledger.url, accommodations) == 1


# --------------------------------------------------------------------- replacement


def _certified(ledger, tid: str = "T1") -> str:  # noqa: ANN001
    ledger.trainee(tid)
    ledger.full_training(tid, "2025-01-01")
    ledger.sitting(tid, "2025-03-01")
    return certify(tid, on=date(2025, 3, 10), by="test", db=ledger.url).code


def test_replacement_gives_a_new_code_and_the_old_one_answers_replaced(ledger):
    old = _certified(ledger)
    before = ledger.status("2025-06-02")
    out = _cli(
        "replace", "T1", "--on", "2025-06-01", "--reason", "Lost in a house fire", db=ledger.url
    )
    assert out.exit_code == 0, out.output
    new = out.output.split("New verification code ")[1].split(";")[0]
    assert new != old and new.startswith("PPSS-")
    replaced = _cli("verify", old, "--as-of", "2025-06-02", db=ledger.url)
    assert replaced.exit_code == 1 and replaced.output.startswith("REPLACED")
    assert "replaced by a new copy on 2025-06-01" in replaced.output
    # Whoever holds the old paper learns neither the new code nor why it was replaced.
    assert new not in replaced.output and "fire" not in replaced.output
    valid = _cli("verify", new, "--as-of", "2025-06-02", db=ledger.url)
    assert valid.exit_code == 0 and valid.output.startswith("VALID")
    after = ledger.status("2025-06-02")
    assert (after["stage"], after["expires_on"]) == (before["stage"], before["expires_on"])
    assert f"valid until {before['expires_on']}" in out.output
    # Before the replacement the old code was still the valid one.
    assert _cli("verify", old, "--as-of", "2025-05-31", db=ledger.url).exit_code == 0


def test_only_a_certificate_in_force_is_replaced(ledger):
    _certified(ledger)
    discipline("T1", "suspended", on=date(2025, 5, 1), reason="findings", by="o", db=ledger.url)
    out = _cli("replace", "T1", "--on", "2025-06-01", "--reason", "Lost", db=ledger.url)
    assert out.exit_code == 1 and "stage is 'suspended'" in out.output
    with pytest.raises(CertificateRefused, match="reason is required"):
        from ppskit.ledger.certificates import replace_certificate

        replace_certificate("T1", on=date(2025, 6, 1), reason=" ", by="o", db=ledger.url)


# ---------------------------------------------------------------------------- fees


def _profile_with_fee_change():  # noqa: ANN202
    """CalMHSA's profile with a renewal fee that rose on 2024-09-01 (a test schedule)."""
    from importlib.resources import files

    data = yaml.safe_load(files("ppskit.policies").joinpath(f"{CALMHSA}.yaml").read_text())
    data["fees"]["renewal"]["amount"] = {"values": {"2020-01-01": 60, "2024-09-01": 80}}
    return parse_policy(yaml.safe_dump(data))


def test_a_dated_fee_change_charges_the_old_amount_before_and_the_new_from_its_date(
    ledger, monkeypatch
):
    policy = _profile_with_fee_change()
    assert scheduled_cents(policy, "renewal", date(2024, 8, 31)) == 6000
    assert scheduled_cents(policy, "renewal", date(2024, 9, 1)) == 8000
    monkeypatch.setattr(fees_module, "load_policy", lambda _p=None: policy)
    _trainee(ledger)
    before = charge_fee("T1", "renewal", on=date(2024, 8, 31), by="o", db=ledger.url)
    after = charge_fee("T1", "renewal", on=date(2024, 9, 1), by="o", db=ledger.url)
    assert (before.amount_cents, after.amount_cents) == (6000, 8000)
    assert "Charged T1 USD 60.00 for Biennial renewal on 2024-08-31" in before.message
    assert "Balance: USD 140.00 owed." in after.message


def test_charges_come_from_the_schedule_and_an_override_needs_its_reason(ledger):
    _trainee(ledger)
    day = date(2026, 1, 5)
    out = _cli("fees", "charge", "T1", "application", "--on", str(day), db=ledger.url)
    assert out.exit_code == 0 and "USD 100.00 for Application" in out.output
    missing = _cli("fees", "charge", "T1", "replacement", db=ledger.url)
    assert missing.exit_code == 1
    assert "has no 'replacement' fee in its schedule (it lists: application, exam" in (
        missing.output
    )
    with pytest.raises(FeeRefused, match="needs the reason"):
        charge_fee("T1", "exam", amount="0", by="o", db=ledger.url)
    waived = charge_fee(
        "T1", "exam", amount="0", reason="Hardship waiver, board minute 12", by="o",
        db=ledger.url, on=day,
    )  # fmt: skip
    assert waived.amount_cents == 0 and "the schedule says 150.00" in waived.message
    with read_connection(ledger.url) as conn:
        rows = conn.execute(select(fee_charges).order_by(fee_charges.c.charge_id)).all()
    assert [(r.kind, r.amount_cents, r.schedule_cents) for r in rows] == [
        ("application", 10000, 10000),
        ("exam", 0, 15000),
    ]
    assert rows[1].override_reason == "Hardship waiver, board minute 12"


def test_payments_balance_and_a_formula_safe_csv(ledger):
    _trainee(ledger)
    _trainee(ledger, "T2", profile="ms-dmh-cpss-pc")
    day = date(2026, 1, 5)
    charge_fee("T1", "application", on=day, by="o", db=ledger.url)
    charge_fee("T1", "exam", on=day, by="o", db=ledger.url)
    charge_fee("T2", "replacement", on=day, by="o", db=ledger.url)
    paid = _cli(
        "fees", "pay", "T1", "120", "--method", "=HYPERLINK(x)", "--on", str(day), db=ledger.url
    )
    assert paid.exit_code == 0 and "Balance: USD 130.00 owed." in paid.output
    for bad, why in (("-5", "more than 0"), ("12.345", "in cents"), ("ten", "not an amount")):
        with pytest.raises(FeeRefused, match=why):
            record_payment("T1", bad, method="cash", by="o", db=ledger.url)
    assert [line.row() for line in balances(db=ledger.url)] == [
        {"trainee_id": "T1", "currency": "USD", "charged": "250.00", "paid": "120.00",
         "balance": "130.00"},
        {"trainee_id": "T2", "currency": "USD", "charged": "15.00", "paid": "0.00",
         "balance": "15.00"},
    ]  # fmt: skip
    assert [(s.entry, s.balance_cents) for s in statement("T1", db=ledger.url)] == [
        ("charge", 10000),
        ("charge", 25000),
        ("payment", 13000),
    ]
    out = _cli("fees", "balance", "T1", "--format", "csv", db=ledger.url)
    assert out.output.splitlines()[0] == "date,entry,detail,amount,balance"
    assert "'=HYPERLINK(x)" in out.output
    everyone = _cli("fees", "balance", "--format", "csv", db=ledger.url)
    assert everyone.output.splitlines()[0] == "trainee_id,currency,charged,paid,balance"


def test_the_fee_ledger_refuses_changes(ledger):
    _trainee(ledger)
    charge_fee("T1", "application", by="o", db=ledger.url)
    from ppskit.db import get_engine

    with pytest.raises(Exception, match="append-only|permission denied"):
        with get_engine(ledger.url).begin() as conn:
            conn.execute(text("UPDATE fee_charges SET amount_cents = 0"))
    assert charge_fee("T1", "application", by="o", db=ledger.url).balance_cents == 20000
