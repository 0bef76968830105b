"""Applications as a certifying body decides them: the engine's own reasons on every
review and denial, approvals refused against the engine unless a reason is documented,
the appeal window on its last day and the day after, reciprocity checked from ledger
records, and a county transfer written on the certificate."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from conftest import TRAINEE_HEADER, write_csv
from sqlalchemy import select, text
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.db import get_engine, read_connection
from ppskit.facts import FACT_COLUMNS, import_facts
from ppskit.handbook import handbook_html
from ppskit.imports import import_trainees
from ppskit.ledger.certificates import certify
from ppskit.ledger.tables import application_steps, cert_events
from ppskit.office.applications import (
    ApplicationRefused,
    approved_reciprocity,
    decide_appeal,
    decide_application,
    list_applications,
    lodge_appeal,
    review_application,
    submit_application,
)
from ppskit.policies import load_policy
from ppskit.policies.review import unverified_values
from ppskit.status import compute_status

PINNED = "application_id,trainee_id,kind,submitted_on,stage,due_on,next_action"
CAL = load_policy("calmhsa-pss-pc")
WINDOW = CAL.applications.appeal_within_days.at()
LETTERS = ("letter-supervisor", "letter-colleague", "letter-self")
SUBMITTED = date(2025, 6, 2)
REVIEWED = date(2025, 6, 10)
DENIED = date(2025, 6, 12)
runner = CliRunner()


def _applicant(ledger, tid: str = "T1", profile: str = "calmhsa-pss-pc") -> None:  # noqa: ANN001
    row = [tid, f"Name {tid}", "1980-01-01", "yes", "high-school", "yes", "", profile]
    import_trainees(
        write_csv(ledger.tmp / f"t{tid}.csv", TRAINEE_HEADER, [row]), by="t", db=ledger.url
    )


def _facts(ledger, rows: list[list]) -> None:  # noqa: ANN001
    path = write_csv(ledger.tmp / f"f{len(rows)}{rows[0][2]}.csv", FACT_COLUMNS, rows)
    import_facts(path, by="t", db=ledger.url)


def _ethics(ledger, tid: str = "T1", on: str = "2025-01-01") -> None:  # noqa: ANN001
    _facts(ledger, [[tid, on, "code-of-ethics", "yes", ""]])


def _work(tid: str, start: str, total: int) -> list[list]:
    """Verified peer-work rows of 20 hours a day from ``start`` adding up to ``total``."""
    day, rows = date.fromisoformat(start), []
    while total > 0:
        h = min(20, total)
        rows.append([tid, day.isoformat(), h, "work", "", "external", "yes", ""])
        day, total = day + timedelta(days=1), total - h
    return rows


def _reviewed(ledger, tid: str = "T1", kind: str = "initial", detail: str = "") -> int:  # noqa: ANN001
    n = submit_application(
        tid, kind=kind, submitted_on=SUBMITTED, detail=detail, by="Office", db=ledger.url
    ).application_id
    review_application(n, on=REVIEWED, by="Office", db=ledger.url)
    return n


def _line(ledger, n: int, as_of: date):  # noqa: ANN001, ANN202
    return next(a for a in list_applications(as_of=as_of, db=ledger.url) if a.application_id == n)


def _steps(ledger, n: int) -> list[tuple]:  # noqa: ANN001
    with read_connection(ledger.url) as conn:
        return [
            (r.step, r.outcome, r.override, r.stated_reason)
            for r in conn.execute(
                select(application_steps)
                .where(application_steps.c.application_id == n)
                .order_by(application_steps.c.step_id)
            )
        ]


def test_calmhsa_reciprocity_carries_the_anchor_requirements_with_sources():
    rec = CAL.reciprocity
    rules = {getattr(r, "fact", None) or f"{r.category}:{r.topic}": r for r in rec.requirements}
    assert rules["work:None"].minimum.at() == 1550
    assert rules["work:None"].lookback_days.at() == 3 * 365
    assert rules["ce:None"].minimum.at() == 20 and rules["ce:law-ethics"].minimum.at() == 6
    assert set(LETTERS) <= set(rules) and "no-pending-discipline" in rules
    assert rec.out_of_state_must_apply_and_test  # the California exam is still required
    assert all("out-of-state-reciprocity" in r.reference for r in rec.requirements)
    # The appeal window is a setting until a source gives it, and is listed as such.
    where = {u.where: u for u in unverified_values(CAL)}
    assert where["applications.appeal_within_days"].reference.startswith("setting:")


def test_the_handbook_keeps_the_bodys_own_reciprocity_words():
    html = handbook_html(CAL)
    assert "Valid in every county of the state." in html
    assert "1,550 hours of peer work" in html  # the handbook text, not only the flags


def test_an_eligible_applicant_is_approved(ledger):
    _applicant(ledger)
    _ethics(ledger)
    n = _reviewed(ledger)
    assert _line(ledger, n, REVIEWED).stage == "reviewed"
    out = decide_application(n, approve=True, on=DENIED, by="Office", db=ledger.url)
    assert out.message == f"Application {n}: Approved on {DENIED}."
    assert _line(ledger, n, DENIED).stage == "approved"
    assert _steps(ledger, n) == [
        ("reviewed", "eligible", False, ""),
        ("decided", "approved", False, ""),
    ]


def test_the_review_gives_the_engines_own_reasons_and_a_denial_carries_them(ledger):
    _applicant(ledger)  # no signed Code of Ethics
    n = _reviewed(ledger)
    engine = compute_status(as_of=REVIEWED, trainee="T1", db=ledger.url).iloc[0]["next_action"]
    line = _line(ledger, n, REVIEWED)
    assert engine == "Not eligible yet: a signed Code of Ethics is required."
    assert line.next_action.startswith(
        "Not eligible on 2025-06-10: a signed Code of Ethics is required."
    )
    out = decide_application(n, approve=False, on=DENIED, by="Office", db=ledger.url)
    assert out.reasons == ("a signed Code of Ethics is required",)
    assert "denied on 2025-06-12: a signed Code of Ethics is required." in out.message
    closes = DENIED + timedelta(days=WINDOW)
    assert f"may appeal until {closes}" in out.message


def test_approval_against_the_engine_is_refused_unless_a_reason_is_documented(ledger):
    _applicant(ledger)
    n = _reviewed(ledger)
    with pytest.raises(ApplicationRefused) as exc:
        decide_application(n, approve=True, on=DENIED, by="Office", db=ledger.url)
    msg = exc.value.report()
    assert "not eligible (a signed Code of Ethics is required)" in msg
    assert "--override-reason" in msg and msg.endswith("Nothing was written.")
    assert _steps(ledger, n) == [("reviewed", "not-eligible", False, "")]
    out = decide_application(
        n,
        approve=True,
        override_reason="signed form received by post, not yet imported",
        on=DENIED,
        by="Office",
        db=ledger.url,
    )
    assert "Approved against the engine's review, because: signed form received" in out.message
    assert _steps(ledger, n)[-1] == (
        "decided",
        "approved",
        True,
        "signed form received by post, not yet imported",
    )


def test_denying_an_eligible_applicant_needs_a_stated_reason(ledger):
    _applicant(ledger)
    _ethics(ledger)
    n = _reviewed(ledger)
    with pytest.raises(ApplicationRefused, match=r"needs the body's own reason \(--reason TEXT\)"):
        decide_application(n, approve=False, on=DENIED, by="Office", db=ledger.url)
    out = decide_application(
        n, approve=False, reason="application fee unpaid", on=DENIED, by="Office", db=ledger.url
    )
    assert "denied on 2025-06-12: application fee unpaid." in out.message


def test_decide_before_review_names_the_review_command(ledger):
    _applicant(ledger)
    n = submit_application("T1", kind="initial", submitted_on=SUBMITTED, by="O", db=ledger.url)
    with pytest.raises(ApplicationRefused, match="run ppskit applications review 1 first"):
        decide_application(n.application_id, approve=False, on=DENIED, by="O", db=ledger.url)


def test_appeal_accepted_on_the_last_day_and_refused_the_day_after(ledger):
    _applicant(ledger)
    first, second = _reviewed(ledger), _reviewed(ledger)
    for n in (first, second):
        decide_application(n, approve=False, on=DENIED, by="Office", db=ledger.url)
    last_day = DENIED + timedelta(days=WINDOW)
    line = _line(ledger, second, last_day)
    assert (line.stage, line.due_on) == ("denied", last_day)
    later = _line(ledger, second, last_day + timedelta(days=1))
    assert (later.stage, later.due_on) == ("closed", None)
    lodge_appeal(first, on=last_day, by="Office", db=ledger.url)
    assert _line(ledger, first, last_day).stage == "appeal"
    with pytest.raises(
        ApplicationRefused, match=f"appeal window of application {second} closed on {last_day}"
    ):
        lodge_appeal(second, on=last_day + timedelta(days=1), by="Office", db=ledger.url)
    assert [s[0] for s in _steps(ledger, second)] == ["reviewed", "decided"]


def test_an_upheld_appeal_needs_an_eligible_review_and_then_approves(ledger):
    _applicant(ledger)
    n = _reviewed(ledger)
    decide_application(n, approve=False, on=DENIED, by="Office", db=ledger.url)
    lodge_appeal(n, on=date(2025, 6, 20), reason="I signed it", by="Office", db=ledger.url)
    with pytest.raises(
        ApplicationRefused, match="cannot uphold the appeal: the review of 2025-06-10"
    ):
        decide_appeal(n, outcome="upheld", on=date(2025, 6, 25), by="Office", db=ledger.url)
    _ethics(ledger, on="2025-06-21")
    again = review_application(n, on=date(2025, 6, 25), by="Office", db=ledger.url)
    assert again.eligible
    out = decide_appeal(n, outcome="upheld", on=date(2025, 6, 26), by="Office", db=ledger.url)
    assert "upheld on 2025-06-26" in out.message
    assert _line(ledger, n, date(2025, 6, 26)).stage == "approved"
    assert _line(ledger, n, date(2025, 6, 24)).stage == "appeal"  # as the office knew it then


def test_reciprocity_is_checked_from_ledger_records_and_still_needs_the_exam(ledger):
    _applicant(ledger, "OS1")
    review_on = date(2025, 6, 10)
    _ethics(ledger, "OS1")
    _facts(
        ledger,
        [
            ["OS1", "2025-05-01", f, "yes", ""]
            for f in ("certified-out-of-state", "no-pending-discipline", *LETTERS[:2])
        ],
    )
    # 1,549 hours of peer work inside three years, one more hour a day too early.
    work = _work("OS1", "2024-01-15", 1549)
    work.append(
        [
            "OS1",
            (review_on - timedelta(days=1096)).isoformat(),
            1,
            "work",
            "",
            "external",
            "yes",
            "",
        ]
    )
    ce = [
        ["OS1", "2025-02-01", 14, "ce", "", "external", "yes", ""],
        ["OS1", "2025-02-02", 6, "ce", "law-ethics", "external", "yes", ""],
    ]
    ledger.hours(work + ce)
    n = submit_application(
        "OS1", kind="reciprocity", submitted_on=SUBMITTED, detail="Oregon", by="O", db=ledger.url
    ).application_id
    out = review_application(n, on=review_on, by="O", db=ledger.url)
    assert not out.eligible
    assert out.reasons == (
        "complete 1 more verified hours of peer work dated within the 1,095 days before 2025-06-10",
        "a letter from the applicant is required",
    )
    _facts(ledger, [["OS1", "2025-06-11", "letter-self", "yes", ""]])
    ledger.hours([["OS1", "2025-06-11", 1, "work", "", "external", "yes", ""]])
    assert review_application(n, on=date(2025, 6, 12), by="O", db=ledger.url).eligible
    done = decide_application(n, approve=True, on=date(2025, 6, 12), by="O", db=ledger.url)
    assert "The state exam is still required" in done.message
    assert approved_reciprocity("OS1", date(2025, 6, 12), db=ledger.url) == date(2025, 6, 12)
    assert approved_reciprocity("OS1", date(2025, 6, 11), db=ledger.url) is None
    # In the status, the approval stands in for the training; the exam is still to pass.
    before = ledger.status("2025-06-11", "OS1")
    after = ledger.status("2025-06-12", "OS1")
    assert before["stage"] == "in-training"
    assert after["stage"] == "exam-ready" and after["exam"] == "none"


def test_reciprocity_ce_must_include_law_and_ethics_within_two_years(ledger):
    _applicant(ledger, "OS2")
    _ethics(ledger, "OS2")
    _facts(
        ledger,
        [
            ["OS2", "2025-05-01", f, "yes", ""]
            for f in ("certified-out-of-state", "no-pending-discipline", *LETTERS)
        ],
    )
    ledger.hours(
        [
            *_work("OS2", "2024-09-01", 1550),
            ["OS2", "2025-02-01", 16, "ce", "", "external", "yes", ""],
            ["OS2", "2025-02-02", 4, "ce", "law-ethics", "external", "yes", ""],
        ]
    )
    n = submit_application(
        "OS2", kind="reciprocity", submitted_on=SUBMITTED, detail="WA", by="O", db=ledger.url
    ).application_id
    out = review_application(n, on=REVIEWED, by="O", db=ledger.url)
    assert out.reasons == (
        "complete 2 more verified CE hours of law and ethics dated within the 730 days "
        "before 2025-06-10",
    )


def test_an_approved_county_transfer_is_written_on_the_certificate(ledger):
    ledger.trainee("C1")  # ca-ppss: one statewide certificate (seed 002, item 3)
    ledger.full_training("C1", "2025-01-01")
    ledger.sitting("C1", "2025-03-01")
    certify("C1", on=date(2025, 3, 10), by="t", db=ledger.url)
    ledger.trainee("C2")  # not certified: nothing to transfer
    n = _reviewed(ledger, "C1", "transfer", "Alameda")
    m = _reviewed(ledger, "C2", "transfer", "Alameda")
    assert _line(ledger, m, REVIEWED).next_action.startswith(
        "Not eligible on 2025-06-10: no current certificate to transfer (stage 'in-training')"
    )
    out = decide_application(n, approve=True, on=DENIED, by="Office", db=ledger.url)
    assert "Certificate transfer recorded on 2025-06-12: county transfer to Alameda" in out.message
    with read_connection(ledger.url) as conn:
        events = conn.execute(
            select(cert_events.c.kind, cert_events.c.reason).where(cert_events.c.trainee_id == "C1")
        ).all()
    assert events[-1] == ("transferred", f"county transfer to Alameda (application {n})")
    assert ledger.status("2025-06-12", "C1")["stage"] == "certified"


def test_a_transfer_needs_the_new_county(ledger):
    ledger.trainee("C1")
    with pytest.raises(ApplicationRefused, match=r"--to-county NAME"):
        submit_application("C1", kind="transfer", by="O", db=ledger.url)


def test_the_database_refuses_to_change_or_remove_application_rows(ledger):
    _applicant(ledger)
    _reviewed(ledger)
    engine = get_engine(ledger.url)
    for sql in (
        "UPDATE applications SET kind = 'transfer'",
        "DELETE FROM applications",
        "UPDATE application_steps SET outcome = 'eligible'",
        "DELETE FROM application_steps",
    ):
        with (
            pytest.raises(Exception, match="append-only|permission denied"),
            engine.begin() as conn,
        ):
            conn.execute(text(sql))


def test_cli_runs_the_process_and_lists_pinned_csv(ledger):
    _applicant(ledger)
    db = ["--db", ledger.url]
    sub = runner.invoke(app, ["applications", "submit", "T1", "--submitted", "2025-06-02", *db])
    assert sub.exit_code == 0, sub.output
    rev = runner.invoke(app, ["applications", "review", "1", "--on", "2025-06-10", *db])
    assert "not eligible: a signed Code of Ethics is required" in rev.output
    refused = runner.invoke(
        app, ["applications", "decide", "1", "--approve", "--on", "2025-06-12", *db]
    )
    assert refused.exit_code == 1 and "Nothing was written." in refused.output
    assert "Traceback" not in refused.output
    deny = runner.invoke(app, ["applications", "decide", "1", "--deny", "--on", "2025-06-12", *db])
    assert deny.exit_code == 0, deny.output
    out = runner.invoke(
        app, ["applications", "list", "--as-of", "2025-06-12", "--format", "csv", *db]
    )
    assert out.exit_code == 0
    assert out.output.splitlines()[0] == PINNED
    rows = list(csv.DictReader(io.StringIO(out.output)))
    closes = DENIED + timedelta(days=WINDOW)
    assert rows == [
        {
            "application_id": "1",
            "trainee_id": "T1",
            "kind": "initial",
            "submitted_on": "2025-06-02",
            "stage": "denied",
            "due_on": closes.isoformat(),
            "next_action": f"Denied on 2025-06-12; the applicant may appeal until {closes} "
            "(ppskit applications appeal 1).",
        }
    ]


@pytest.mark.parametrize(("days_before", "counted"), [(1095, True), (1096, False)])
def test_peer_work_counts_on_the_1095th_day_before_the_review_not_the_1096th(
    ledger, days_before, counted
):
    _applicant(ledger, "OS3")
    _ethics(ledger, "OS3")
    facts = ("certified-out-of-state", "no-pending-discipline", *LETTERS)
    _facts(ledger, [["OS3", "2025-05-01", f, "yes", ""] for f in facts])
    edge = (REVIEWED - timedelta(days=days_before)).isoformat()
    ledger.hours(
        [
            *_work("OS3", "2024-09-01", 1549),
            ["OS3", edge, 1, "work", "", "external", "yes", ""],
            ["OS3", "2025-02-01", 14, "ce", "", "external", "yes", ""],
            ["OS3", "2025-02-02", 6, "ce", "law-ethics", "external", "yes", ""],
        ]
    )
    n = submit_application(
        "OS3", kind="reciprocity", submitted_on=SUBMITTED, detail="NV", by="O", db=ledger.url
    ).application_id
    assert review_application(n, on=REVIEWED, by="O", db=ledger.url).eligible is counted


def test_a_denied_appeal_makes_the_denial_final(ledger):
    _applicant(ledger)
    n = _reviewed(ledger)
    decide_application(n, approve=False, on=DENIED, by="Office", db=ledger.url)
    lodge_appeal(n, on=date(2025, 6, 20), by="Office", db=ledger.url)
    out = decide_appeal(n, outcome="denied", on=date(2025, 6, 30), by="Office", db=ledger.url)
    assert out.message.endswith("the denial is final.")
    line = _line(ledger, n, date(2025, 6, 30))
    assert (line.stage, line.due_on) == ("closed", None)
    with pytest.raises(ApplicationRefused, match="has already been appealed"):
        lodge_appeal(n, on=date(2025, 7, 1), by="Office", db=ledger.url)
    assert list_applications(as_of=date(2025, 6, 30), pending_only=True, db=ledger.url) == []
