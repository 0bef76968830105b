"""The complaint process as a certifying body runs it: every clock at its last day and the
day after, steps refused out of order, a suspension lifted by an upheld appeal, and the
complaint's words kept out of status and verify."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from conftest import TRAINEE_HEADER, write_csv
from sqlalchemy import text
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.db import get_engine
from ppskit.imports import import_trainees
from ppskit.ledger.certificates import certify
from ppskit.office.complaint_clocks import (
    appeal_closes,
    corrective_response_due,
    filed_late,
    investigation_due,
    is_overdue,
)
from ppskit.office.complaints import (
    ComplaintRefused,
    close_complaint,
    complaint_detail,
    decide_appeal,
    list_complaints,
    lodge_appeal,
    open_complaint,
    open_complaints,
    record_findings,
    record_response,
    start_investigation,
)
from ppskit.policies import available_profiles, load_policy

RULES = load_policy("ca-ppss").complaints
PINNED = "complaint_id,trainee_id,received_on,stage,due_on,overdue,next_action"
SUMMARY = "Told another parent about the Lopez family's case at school pickup"
COMPLAINANT = "Maria Lopez, maria@example.org"
runner = CliRunner()

EVENT = date(2025, 4, 1)
RECEIVED = date(2025, 4, 10)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def _certified(ledger, tid: str = "T1") -> str:  # noqa: ANN001
    ledger.trainee(tid)
    ledger.full_training(tid, "2025-01-01")
    ledger.sitting(tid, "2025-03-01")
    return certify(tid, on=date(2025, 3, 10), by="test", db=ledger.url).code


def _open(ledger, tid: str = "T1", received: date = RECEIVED, event: date = EVENT):  # noqa: ANN001, ANN202
    return open_complaint(
        tid,
        received_on=received,
        event_date=event,
        summary=SUMMARY,
        complainant=COMPLAINANT,
        by="Office Olu",
        db=ledger.url,
    )


def _line(ledger, n: int, as_of: date):  # noqa: ANN001, ANN202
    return next(c for c in list_complaints(as_of=as_of, db=ledger.url) if c.complaint_id == n)


def _cli(*args: str, db: str):  # noqa: ANN202
    return runner.invoke(app, [*args, "--db", db])


def test_the_default_profile_carries_the_seeds_thirty_day_clocks():
    # Seed 002: within 30 days of the event / of receipt / of findings.
    assert (
        RULES.file_within_days,
        RULES.investigate_within_days,
        RULES.corrective_response_within_days,
        RULES.appeal_within_days,
    ) == (30, 30, 30, 30)


def test_each_clock_is_on_time_on_its_last_day_and_late_the_day_after():
    assert not filed_late(EVENT, EVENT + days(RULES.file_within_days), RULES)
    assert filed_late(EVENT, EVENT + days(RULES.file_within_days + 1), RULES)
    due = investigation_due(RECEIVED, RULES)
    assert due == RECEIVED + days(30)
    assert not is_overdue(due, RECEIVED + days(30)) and is_overdue(due, RECEIVED + days(31))
    findings = date(2025, 5, 1)
    assert corrective_response_due(findings, RULES) == date(2025, 5, 31)
    assert appeal_closes(findings, RULES) == date(2025, 5, 31)


def test_late_complaint_is_flagged_and_still_recorded(ledger):
    ledger.trainee("T1")
    on_time = _open(ledger, received=EVENT + days(30))
    late = _open(ledger, received=EVENT + days(31))
    assert not on_time.filed_late and "late" not in on_time.message
    assert late.filed_late and "Filed late: received 31 days after the event" in late.message
    lines = list_complaints(as_of=EVENT + days(31), db=ledger.url)
    assert [(c.complaint_id, c.stage) for c in lines] == [
        (on_time.complaint_id, "received"),
        (late.complaint_id, "received"),
    ]
    assert lines[1].next_action.startswith("Filed late")
    assert not lines[0].next_action.startswith("Filed late")


def test_findings_are_due_thirty_days_after_receipt(ledger):
    ledger.trainee("T1")
    n = _open(ledger).complaint_id
    day30, day31 = RECEIVED + days(30), RECEIVED + days(31)
    line = _line(ledger, n, day30)
    assert (line.stage, line.due_on, line.overdue) == ("received", day30, False)
    assert list_complaints(as_of=day30, overdue_only=True, db=ledger.url) == []
    start_investigation(n, on=RECEIVED + days(2), by="Office Olu", db=ledger.url)
    line = _line(ledger, n, day31)
    assert (line.stage, line.due_on, line.overdue) == ("investigating", day30, True)
    assert "were due by" in line.next_action and f"findings {n}" in line.next_action
    assert [
        c.complaint_id for c in list_complaints(as_of=day31, overdue_only=True, db=ledger.url)
    ] == [n]
    # Late findings are still recorded; the clock then stops.
    record_findings(
        n, outcome="unsubstantiated", action="none", on=day31, by="Office Olu", db=ledger.url
    )
    assert not _line(ledger, n, day31).overdue


def test_corrective_response_is_due_thirty_days_after_findings(ledger):
    ledger.trainee("T1")
    n = _open(ledger).complaint_id
    start_investigation(n, on=RECEIVED, by="o", db=ledger.url)
    found = date(2025, 5, 1)
    record_findings(
        n, outcome="substantiated", action="corrective", on=found, by="o", db=ledger.url
    )
    line = _line(ledger, n, found + days(30))
    assert (line.stage, line.due_on, line.overdue) == ("corrective-action", found + days(30), False)
    line = _line(ledger, n, found + days(31))
    assert line.overdue and f"respond {n}" in line.next_action
    record_response(n, on=found + days(31), by="o", db=ledger.url)
    line = _line(ledger, n, found + days(31))
    assert (line.stage, line.overdue) == ("corrective-action", False)
    close_complaint(n, on=found + days(31), by="o", db=ledger.url)
    assert _line(ledger, n, found + days(31)).stage == "closed"


def test_an_appeal_is_accepted_on_day_thirty_and_refused_on_day_thirty_one(ledger):
    ledger.trainee("T1")
    found = date(2025, 5, 1)
    ids = []
    for _ in range(2):
        n = _open(ledger).complaint_id
        start_investigation(n, on=RECEIVED, by="o", db=ledger.url)
        record_findings(n, outcome="substantiated", action="none", on=found, by="o", db=ledger.url)
        ids.append(n)
    first, second = ids
    assert _line(ledger, first, found).due_on == found + days(30)  # the window's last day
    lodge_appeal(first, on=found + days(30), by="o", db=ledger.url)
    assert _line(ledger, first, found + days(30)).stage == "appeal"
    with pytest.raises(
        ComplaintRefused, match=r"appeal window of complaint \d+ closed on 2025-05-31"
    ):
        lodge_appeal(second, on=found + days(31), by="o", db=ledger.url)
    # With the window closed, the complaint can be closed without an appeal.
    line = _line(ledger, second, found + days(31))
    assert (line.stage, line.due_on) == ("findings", None)
    assert line.next_action == f"Close the complaint: ppskit complaints close {second}."


def test_steps_out_of_order_are_refused_and_write_nothing(ledger):
    ledger.trainee("T1")
    n = _open(ledger).complaint_id
    day = RECEIVED + days(1)

    def refused(fn, **kw):  # noqa: ANN001, ANN202
        with pytest.raises(ComplaintRefused) as exc:
            fn(n, on=day, by="o", db=ledger.url, **kw)
        return exc.value.report()

    assert refused(record_findings, outcome="substantiated", action="none") == (
        f"complaint {n} has no investigation yet; start it with "
        f"`ppskit complaints investigate {n}`. Nothing was written."
    )
    assert refused(record_response) == (
        f"complaint {n} has no findings yet; record them with "
        f"`ppskit complaints findings {n} ...`. Nothing was written."
    )
    assert "nothing to appeal" in refused(lodge_appeal)
    assert "no appeal to decide" in refused(decide_appeal, outcome="upheld")
    assert "no findings yet" in refused(close_complaint)
    start_investigation(n, on=day, by="o", db=ledger.url)
    assert "already being investigated" in refused(start_investigation)
    assert "take no action" in refused(record_findings, outcome="unsubstantiated", action="suspend")
    with pytest.raises(ComplaintRefused, match="before complaint .* last recorded date"):
        record_findings(
            n, outcome="substantiated", action="none", on=RECEIVED, by="o", db=ledger.url
        )
    with pytest.raises(ComplaintRefused, match="in the future"):
        record_findings(
            n,
            outcome="substantiated",
            action="none",
            on=date(2025, 6, 1),
            by="o",
            db=ledger.url,
            today=date(2025, 5, 1),
        )
    record_findings(n, outcome="substantiated", action="none", on=day, by="o", db=ledger.url)
    assert "no corrective action" in refused(record_response)
    assert "may still appeal" in refused(close_complaint)
    detail = complaint_detail(n, as_of=day, db=ledger.url)
    assert [s["step"] for s in detail["steps"]] == ["investigating", "findings"]


def test_suspension_then_upheld_appeal_reinstates_in_status_and_verify(ledger):
    code = _certified(ledger)
    n = _open(ledger).complaint_id
    start_investigation(n, on=date(2025, 4, 12), by="o", db=ledger.url)
    found = record_findings(
        n,
        outcome="substantiated",
        action="suspend",
        on=date(2025, 4, 30),
        note="Confirmed with the school",
        by="o",
        db=ledger.url,
    )
    assert "Certificate suspended on 2025-04-30" in found.message
    outputs = []

    def look(as_of: str) -> tuple[str, str]:
        status = _cli(
            "status", "--trainee", "T1", "--as-of", as_of, "--format", "csv", db=ledger.url
        )
        verify = _cli("verify", code, "--as-of", as_of, db=ledger.url)
        outputs.extend([status.output, verify.output])
        return next(csv.DictReader(io.StringIO(status.output)))["stage"], verify.output

    stage, verified = look("2025-05-01")
    assert stage == "suspended" and verified.startswith("SUSPENDED")
    lodge_appeal(n, on=date(2025, 5, 10), by="o", db=ledger.url)
    decided = decide_appeal(n, outcome="upheld", on=date(2025, 5, 20), by="Panel", db=ledger.url)
    assert "Certificate reinstated on 2025-05-20" in decided.message
    stage, verified = look("2025-05-21")
    assert stage == "certified" and verified.startswith("VALID")
    assert _line(ledger, n, date(2025, 5, 21)).stage == "appeal"
    close_complaint(n, on=date(2025, 5, 21), by="o", db=ledger.url)
    outputs.append(_cli("complaints", "list", "--format", "json", db=ledger.url).output)
    for out in outputs:
        for secret in ("Lopez", "maria@", "school", "Confirmed"):
            assert secret not in out, out


def test_findings_that_cannot_act_on_the_certificate_write_nothing(ledger):
    ledger.trainee("T1")  # in training: no certificate to suspend
    n = _open(ledger).complaint_id
    start_investigation(n, on=RECEIVED, by="o", db=ledger.url)
    with pytest.raises(ComplaintRefused, match="action 'suspend' cannot be carried out"):
        record_findings(
            n, outcome="substantiated", action="suspend", on=RECEIVED, by="o", db=ledger.url
        )
    assert _line(ledger, n, RECEIVED).stage == "investigating"
    assert ledger.status("2025-04-11")["stage"] != "suspended"


def test_a_crash_after_the_certificate_event_leaves_neither_row(ledger, monkeypatch):
    import ppskit.office.complaints as office

    _certified(ledger)
    n = _open(ledger).complaint_id
    start_investigation(n, on=RECEIVED, by="o", db=ledger.url)

    def crash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OSError("disk full")

    # The findings row fails after the suspension was written in the same transaction.
    monkeypatch.setattr(office, "_append", crash)
    with pytest.raises(OSError):
        record_findings(
            n, outcome="substantiated", action="suspend", on=RECEIVED, by="o", db=ledger.url
        )
    monkeypatch.undo()
    assert ledger.status("2025-04-11")["stage"] == "certified"
    assert _line(ledger, n, RECEIVED).stage == "investigating"


def test_revoke_findings_revoke_the_certificate(ledger):
    code = _certified(ledger)
    n = _open(ledger).complaint_id
    start_investigation(n, on=RECEIVED, by="o", db=ledger.url)
    record_findings(n, outcome="substantiated", action="revoke", on=RECEIVED, by="o", db=ledger.url)
    assert ledger.status("2025-04-11")["stage"] == "revoked"
    assert _cli("verify", code, "--as-of", "2025-04-11", db=ledger.url).output.startswith("REVOKED")
    lodge_appeal(n, on=date(2025, 4, 20), by="o", db=ledger.url)
    out = decide_appeal(n, outcome="upheld", on=date(2025, 4, 25), by="Panel", db=ledger.url)
    assert "stays revoked" in out.message
    assert ledger.status("2025-04-26")["stage"] == "revoked"


def test_a_denied_appeal_leaves_the_suspension(ledger):
    _certified(ledger)
    n = _open(ledger).complaint_id
    start_investigation(n, on=RECEIVED, by="o", db=ledger.url)
    record_findings(
        n, outcome="substantiated", action="suspend", on=RECEIVED, by="o", db=ledger.url
    )
    lodge_appeal(n, on=date(2025, 4, 20), by="o", db=ledger.url)
    out = decide_appeal(n, outcome="denied", on=date(2025, 4, 25), by="Panel", db=ledger.url)
    assert "reinstated" not in out.message
    assert ledger.status("2025-04-26")["stage"] == "suspended"
    line = _line(ledger, n, date(2025, 4, 26))
    assert (line.stage, line.next_action) == (
        "appeal",
        f"Close the complaint: ppskit complaints close {n}.",
    )


def test_list_cli_has_the_pinned_columns_and_filters_overdue(ledger):
    ledger.trainee("T1")
    ledger.trainee("T2")
    first = _open(ledger, "T1").complaint_id
    _open(ledger, "T2", received=RECEIVED + days(5))
    as_of = (RECEIVED + days(31)).isoformat()  # T1's findings are a day late, T2's are not
    out = _cli("complaints", "list", "--as-of", as_of, "--format", "csv", db=ledger.url)
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[0] == PINNED
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert [(r["trainee_id"], r["overdue"]) for r in rows] == [("T1", "yes"), ("T2", "no")]
    out = _cli(
        "complaints", "list", "--overdue", "--as-of", as_of, "--format", "json", db=ledger.url
    )
    assert [r["complaint_id"] for r in json.loads(out.output)] == [first]
    table = _cli("complaints", "list", "--as-of", as_of, db=ledger.url).output
    assert "T2" in table and SUMMARY not in table


def test_cli_refusal_is_a_sentence_with_the_next_command(ledger):
    ledger.trainee("T1")
    n = _open(ledger).complaint_id
    out = _cli("complaints", "respond", str(n), "--on", "2025-04-11", db=ledger.url)
    assert out.exit_code == 1
    assert f"record them with `ppskit complaints findings {n} ...`" in out.output
    assert "Traceback" not in out.output


def test_only_supervisor_views_carry_the_summary(ledger):
    ledger.trainee("T1")
    n = _open(ledger).complaint_id
    shown = _cli("complaints", "show", str(n), "--as-of", "2025-04-11", db=ledger.url).output
    assert SUMMARY in shown and COMPLAINANT in shown
    record = open_complaints("T1", as_of=date(2025, 4, 11), db=ledger.url)
    assert [c.stage for c in record] == ["received"]
    assert SUMMARY not in repr(record) and "Lopez" not in repr(record)


def test_a_profile_without_a_complaint_process_is_refused_by_name(db, tmp_path):
    pid = next(p for p in available_profiles() if load_policy(p).complaints is None)
    row = ["T9", "N", "1980-01-01", "yes", "high-school", "yes", "", pid]
    import_trainees(write_csv(tmp_path / "t.csv", TRAINEE_HEADER, [row]), by="t", db=db)
    with pytest.raises(ComplaintRefused, match=f"the profile '{pid}' .* sets no complaint"):
        open_complaint("T9", received_on=RECEIVED, event_date=EVENT, summary="x", by="o", db=db)


def test_the_database_refuses_to_change_or_remove_complaint_rows(ledger):
    ledger.trainee("T1")
    n = _open(ledger).complaint_id
    start_investigation(n, on=RECEIVED, by="o", db=ledger.url)
    engine = get_engine(ledger.url)
    for sql in (
        "UPDATE complaints SET summary = 'nothing happened'",
        "DELETE FROM complaints",
        "UPDATE complaint_events SET on_date = '2025-01-01'",
        "DELETE FROM complaint_events",
    ):
        with (
            pytest.raises(Exception, match="append-only|permission denied"),
            engine.begin() as conn,
        ):
            conn.execute(text(sql))
    detail = complaint_detail(n, as_of=RECEIVED, db=ledger.url)
    assert detail["summary"] == SUMMARY and [s["step"] for s in detail["steps"]] == [
        "investigating"
    ]


def test_cli_open_records_and_names_a_misspelt_trainee(ledger):
    ledger.trainee("T1")
    args = ["--received", "2025-04-10", "--event-date", "2025-04-01", "--summary", SUMMARY]
    out = _cli("complaints", "open", "t1", *args, db=ledger.url)
    assert out.exit_code == 1 and "did you mean 'T1'" in out.output
    out = _cli("complaints", "open", "T1", *args, db=ledger.url)
    assert out.exit_code == 0, out.output
    assert out.output.startswith("Complaint 1 about T1 recorded (received 2025-04-10).")
    assert "investigate 1" in out.output and SUMMARY not in out.output


def test_list_still_shows_a_complaint_whose_profile_lost_its_clocks(sqlite_db, tmp_path):
    # A complaint opened under a profile that later dropped its complaints: section
    # (here written directly): the list keeps it, without deadlines, and says why.
    pid = next(p for p in available_profiles() if load_policy(p).complaints is None)
    row = ["T9", "N", "1980-01-01", "yes", "high-school", "yes", "", pid]
    import_trainees(write_csv(tmp_path / "t.csv", TRAINEE_HEADER, [row]), by="t", db=sqlite_db)
    with get_engine(sqlite_db).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO complaints (trainee_id, event_date, received_on, summary,"
                " complainant, recorded_by, recorded_at)"
                " VALUES ('T9', '2025-04-01', '2025-04-10', 's', '', 'x', '2025-04-10')"
            )
        )
    (line,) = list_complaints(as_of=date(2025, 6, 1), db=sqlite_db)
    assert (line.stage, line.due_on, line.overdue) == ("received", None, False)
    assert f"the profile '{pid}'" in line.next_action


def test_the_transcript_shows_open_complaints_to_supervisors_without_details(ledger):
    from ppskit.reports.data import load_snapshot, trainee_report
    from ppskit.reports.render import trainee_html

    _certified(ledger)
    n = _open(ledger).complaint_id
    page = trainee_html(
        trainee_report(load_snapshot(as_of=date(2025, 4, 20), db=ledger.url), "T1"), dpi=40
    )
    assert "Open complaints" in page and f"<td>{n}</td>" in page and "received" in page
    assert SUMMARY not in page and COMPLAINANT not in page
    start_investigation(n, on=date(2025, 4, 12), by="o", db=ledger.url)
    record_findings(
        n, outcome="unsubstantiated", action="none", on=date(2025, 4, 20), by="o", db=ledger.url
    )
    close_complaint(n, on=date(2025, 6, 1), by="o", db=ledger.url)
    later = trainee_html(
        trainee_report(load_snapshot(as_of=date(2025, 6, 2), db=ledger.url), "T1"), dpi=40
    )
    assert "Open complaints" not in later


def test_the_dashboard_office_tab_lists_open_complaints_without_details(ledger):
    from ppskit.reports.office import office_html

    _certified(ledger)
    n = _open(ledger).complaint_id
    page = office_html(date(2025, 4, 20), ledger.url)
    assert "<h2>Open complaints</h2>" in page and f"<td>{n}</td>" in page
    assert SUMMARY not in page and COMPLAINANT not in page
    for part in ("CE audits", "Applications and appeals", "Accommodation requests",
                 "Supervision"):  # fmt: skip
        assert part in page and "could not be read" not in page
