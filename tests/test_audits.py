"""The CE audit of renewals as a certifying body runs it: a draw anyone can repeat from
its period, rate and seed; evidence files that cannot change unseen; a failed audit that
denies the renewal, so status and verify show the certificate as not renewed."""

from __future__ import annotations

import csv
import io
import os
from datetime import date, timedelta

import pandas as pd
import pytest
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.ledger.api import certificate_events_frame
from ppskit.ledger.certificates import CertificateRefused, certify, renew, undo_renewal
from ppskit.office.audits import (
    AuditRefused,
    Renewal,
    attach_evidence,
    audit_detail,
    audit_lines,
    decide,
    draw,
    period_report,
    reproduce_draw,
    sample,
    sample_size,
)
from ppskit.policies import load_policy
from ppskit.policies.review import unverified_values
from ppskit.reports.certificate import verify_code
from ppskit.rules.certificates import fold_certificates

runner = CliRunner()
ISSUED = date(2024, 6, 1)  # ca-ppss: valid two years, so the first period ends 2026-05-31
RENEWED = date(2026, 4, 1)
PERIOD_END = date(2026, 5, 31)
TODAY = date(2026, 7, 1)


def _renewed(ledger, tid: str = "T1", ce_entries: int = 2) -> str:  # noqa: ANN001
    """``tid`` certified on ISSUED and renewed on RENEWED with 20 verified CE hours in
    ``ce_entries`` entries; returns the renewal's verification code."""
    ledger.trainee(tid)
    ledger.full_training(tid, "2024-01-10")
    ledger.sitting(tid, "2024-05-01")
    certify(tid, on=ISSUED, by="board", db=ledger.url)
    each = 20 / ce_entries
    ledger.hours(
        [
            [tid, f"2025-0{i + 1}-10", each, "ce", "stigma", "external", "yes", f"course {i}"]
            for i in range(ce_entries)
        ]
    )
    return renew(tid, on=RENEWED, by="board", db=ledger.url).code


def _ce_entry_ids(ledger, audit_id: int) -> list[int]:  # noqa: ANN001
    return [x["entry_id"] for x in audit_detail(audit_id, db=ledger.url)["entries"]]


def _draw_all(ledger, **kw):  # noqa: ANN001, ANN202
    return draw(
        PERIOD_END, rate_pct=100, seed=1, by="Auditor Ada", db=ledger.url, today=TODAY, **kw
    )


# ------------------------------------------------------------------------ the draw


def _renewals(n: int) -> list[Renewal]:
    return [Renewal(i, f"T{i:03d}", RENEWED, ISSUED, PERIOD_END) for i in range(n, 0, -1)]


def test_draw_size_is_the_rate_rounded_up():
    assert [sample_size(10, n) for n in (0, 1, 10, 30, 31)] == [0, 1, 1, 3, 4]
    assert sample_size(100, 7) == 7


def test_same_seed_draws_the_same_renewals_and_another_seed_others():
    pool = _renewals(40)
    first = sample(pool, 10, seed=2026)
    assert len(first) == 4
    # The order the renewals come in does not matter: they are sorted by trainee first.
    assert sample(list(reversed(pool)), 10, seed=2026) == first
    assert sample(pool, 10, seed=2027) != first
    assert [r.trainee_id for r in first] == sorted(r.trainee_id for r in first)


def test_a_draw_on_the_ledger_repeats_from_its_period_rate_and_seed(ledger):
    for tid in ("T1", "T2", "T3", "T4", "T5"):
        _renewed(ledger, tid, ce_entries=1)
    preview = draw(
        PERIOD_END, rate_pct=40, seed=7, by="Ada", dry_run=True, db=ledger.url, today=TODAY
    )
    other = draw(
        PERIOD_END, rate_pct=40, seed=9, by="Ada", dry_run=True, db=ledger.url, today=TODAY
    )
    assert len(preview.eligible) == 5 and len(preview.drawn) == 2
    assert [r.trainee_id for r in other.drawn] != [r.trainee_id for r in preview.drawn]
    assert audit_lines(db=ledger.url) == []  # a dry run writes nothing
    done = draw(PERIOD_END, rate_pct=40, seed=7, by="Ada", db=ledger.url, today=TODAY)
    assert done.drawn == preview.drawn and done.draw_id == 1
    assert [x.trainee_id for x in audit_lines(db=ledger.url)] == [
        r.trainee_id for r in preview.drawn
    ]
    assert reproduce_draw(1, db=ledger.url)
    # A renewal recorded after the draw does not change what the draw was.
    _renewed(ledger, "T0", ce_entries=1)
    assert reproduce_draw(1, db=ledger.url)
    (row,) = period_report(db=ledger.url)
    assert (row["eligible"], row["drawn"], row["pending"], row["reproducible"]) == (5, 2, 2, "yes")
    with pytest.raises(AuditRefused, match="draw 1 already covers periods ending by 2026-05-31"):
        draw(PERIOD_END, rate_pct=40, seed=7, by="Ada", db=ledger.url, today=TODAY)


def test_a_period_still_open_cannot_be_drawn(ledger):
    with pytest.raises(AuditRefused, match="draw on 2026-06-01 or later"):
        draw(PERIOD_END, rate_pct=10, seed=1, by="Ada", db=ledger.url, today=PERIOD_END)
    assert (
        draw(
            PERIOD_END,
            rate_pct=10,
            seed=1,
            by="Ada",
            db=ledger.url,
            today=PERIOD_END + timedelta(days=1),
        ).drawn
        == ()
    )


def test_the_rate_defaults_to_the_profiles(ledger):
    _renewed(ledger)
    plan = draw(
        PERIOD_END, rate_pct=None, seed=1, by="Ada", dry_run=True, db=ledger.url, today=TODAY
    )
    assert plan.rate_pct == load_policy("ca-ppss").certification.renewal.audit.rate.at()


# ------------------------------------------------------------------------ evidence


def test_a_changed_evidence_file_is_reported_and_cannot_pass(ledger, tmp_path):
    _renewed(ledger, ce_entries=2)
    _draw_all(ledger)
    e1, e2 = _ce_entry_ids(ledger, 1)
    paper = tmp_path / "attendance.pdf"
    paper.write_bytes(b"%PDF-1.4 certificate of attendance, 10 hours")
    first = attach_evidence(e1, paper, by="Ada", db=ledger.url, root=tmp_path)
    assert first.path.startswith("gradebook/evidence/") and first.sha256 in first.path
    assert audit_lines(db=ledger.url, root=tmp_path)[0].evidence == "incomplete"
    with pytest.raises(AuditRefused, match=rf"entry {e2} \(none\)"):
        decide(1, "pass", by="Ada", db=ledger.url, root=tmp_path, today=TODAY)
    second = tmp_path / "second.pdf"
    second.write_bytes(b"%PDF-1.4 another course, 10 hours")
    attach_evidence(e2, second, by="Ada", db=ledger.url, root=tmp_path)
    paper.write_bytes(b"edited after attaching")  # the original may change: a copy was kept
    assert audit_lines(db=ledger.url, root=tmp_path)[0].evidence == "complete"
    stored = tmp_path / first.path
    os.chmod(stored, 0o644)
    stored.write_bytes(b"%PDF-1.4 certificate of attendance, 20 hours")
    assert audit_lines(db=ledger.url, root=tmp_path)[0].evidence == "changed"
    detail = audit_detail(1, db=ledger.url, root=tmp_path)
    assert [x["state"] for x in detail["entries"]] == ["changed", "ok"]
    with pytest.raises(AuditRefused, match=rf"entry {e1} \(changed\)"):
        decide(1, "pass", by="Ada", db=ledger.url, root=tmp_path, today=TODAY)
    stored.unlink()
    assert audit_lines(db=ledger.url, root=tmp_path)[0].evidence == "changed"
    assert audit_detail(1, db=ledger.url, root=tmp_path)["entries"][0]["state"] == "missing"
    # Attaching the same paper again restores an intact copy (a new row; none updated).
    paper.write_bytes(b"%PDF-1.4 certificate of attendance, 10 hours")
    again = attach_evidence(e1, paper, by="Ada", db=ledger.url, root=tmp_path)
    assert again.evidence_id == 3 and again.path == first.path
    assert decide(1, "pass", by="Ada", db=ledger.url, root=tmp_path, today=TODAY).outcome == "pass"
    assert ledger.status("2026-07-01")["expires_on"] == "2028-06-01"


def test_evidence_goes_only_on_ce_entries(ledger, tmp_path):
    ledger.trainee("T1")
    ledger.full_training("T1", "2024-01-10")
    paper = tmp_path / "x.pdf"
    paper.write_bytes(b"x")
    with pytest.raises(AuditRefused, match="not a continuing-education entry"):
        attach_evidence(1, paper, by="Ada", db=ledger.url, root=tmp_path)
    with pytest.raises(AuditRefused, match="there is no hours entry 9999"):
        attach_evidence(9999, paper, by="Ada", db=ledger.url, root=tmp_path)
    assert not (tmp_path / "gradebook").exists()


# ------------------------------------------------------------------------ decisions


def test_a_failed_audit_denies_the_renewal_and_status_and_verify_follow(ledger, tmp_path):
    code = _renewed(ledger)
    _draw_all(ledger)
    decided_on = date(2026, 6, 15)
    out = decide(
        1,
        "fail",
        reason="no proof for the two courses",
        on=decided_on,
        by="Ada",
        db=ledger.url,
        root=tmp_path,
        today=TODAY,
    )
    assert (out.outcome, out.consequence) == ("fail", "deny")
    assert "Renewal denied on 2026-06-15 (failed CE audit 1)" in out.message
    events = certificate_events_frame(db=ledger.url)
    assert list(events["kind"]) == ["issued", "renewed", "renewal-denied"]
    # Before the decision the ledger showed the renewal; from the decision on it does not.
    before = ledger.status("2026-06-14")
    assert (before["stage"], before["expires_on"]) == ("certified", "2028-06-01")
    after = ledger.status("2026-06-15")
    assert (after["stage"], after["expires_on"]) == ("expired", "2026-06-01")
    assert verify_code(code, as_of=decided_on, db=ledger.url).verdict == "EXPIRED"
    assert verify_code(code, as_of=decided_on - timedelta(days=1), db=ledger.url).valid
    assert audit_lines(db=ledger.url, root=tmp_path)[0].decision == "fail"
    (row,) = period_report(db=ledger.url, root=tmp_path)
    assert (row["failed"], row["passed"], row["pending"]) == (1, 0, 0)


def test_withdrawal_ends_the_certificate_on_its_date_a_denial_at_the_old_expiry():
    policy = {"T1": load_policy("ca-ppss")}

    def folded(kind: str, on: date):  # noqa: ANN202
        certs = pd.DataFrame(
            [
                ["T1", "issued", ISSUED, date(2026, 6, 1), ""],
                ["T1", "renewed", RENEWED, date(2028, 6, 1), ""],
                ["T1", kind, on, None, "failed CE audit 1"],
            ],
            columns=["trainee_id", "kind", "on_date", "expires_on", "reason"],
        )
        st = fold_certificates(certs, policy)["T1"]
        return st.cycle_start, st.expires_on, st.renewal_undone

    late = date(2026, 9, 1)
    assert folded("renewal-denied", late) == (ISSUED, date(2026, 6, 1), "failed CE audit 1")
    assert folded("renewal-withdrawn", late)[:2] == (ISSUED, late)
    assert folded("renewal-withdrawn", date(2026, 5, 1))[:2] == (ISSUED, date(2026, 6, 1))


def test_deciding_an_undrawn_renewal_or_twice_is_refused(ledger, tmp_path):
    _renewed(ledger)
    with pytest.raises(AuditRefused, match="there is no audit 1: only renewals drawn"):
        decide(1, "fail", reason="x", by="Ada", db=ledger.url, root=tmp_path, today=TODAY)
    _draw_all(ledger)
    with pytest.raises(AuditRefused, match="--reason"):
        decide(1, "fail", by="Ada", db=ledger.url, root=tmp_path, today=TODAY)
    decide(1, "fail", reason="no proof", by="Ada", db=ledger.url, root=tmp_path, today=TODAY)
    with pytest.raises(AuditRefused, match="already decided \\(fail on"):
        decide(1, "pass", by="Ada", db=ledger.url, root=tmp_path, today=TODAY)
    assert list(certificate_events_frame(db=ledger.url)["kind"]).count("renewal-denied") == 1


def test_only_the_latest_renewal_can_be_undone(ledger):
    _renewed(ledger)
    events = certificate_events_frame(db=ledger.url)
    issued = int(events.iloc[0]["event_id"])
    with pytest.raises(CertificateRefused, match="is not T1's latest renewal"):
        undo_renewal("T1", issued, "renewal-denied", on=TODAY, reason="x", by="Ada", db=ledger.url)
    assert len(certificate_events_frame(db=ledger.url)) == 2


# ------------------------------------------------------------------------ profiles and CLI


def test_audit_settings_without_a_source_are_marked_unverified():
    for pid in ("ca-ppss", "calmhsa-pss-pc", "ms-dmh-cpss-pc"):
        where = {u.where for u in unverified_values(load_policy(pid))}
        assert {"certification.renewal.audit.rate", "certification.renewal.audit.on_fail"} <= where
    assert load_policy("ms-dmh-cpss-pc").certification.renewal.audit.on_fail.at() == "withdraw"
    assert load_policy("nff-cfps").certification.renewal.audit is None


def test_cli_draw_attach_decide_list_report(ledger, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _renewed(ledger, ce_entries=1)

    def cli(*args: str):  # noqa: ANN202
        return runner.invoke(app, ["audit", *args, "--db", ledger.url])

    out = cli("draw", "--period-ending", "2026-05-31", "--rate", "100", "--seed", "3")
    assert out.exit_code == 0, out.output
    assert "Draw 1: 1 of 1 renewals for periods ending by 2026-05-31" in out.output
    bad = cli("decide", "7", "pass")
    assert bad.exit_code == 1
    assert "there is no audit 7" in bad.output and "Nothing was written." in bad.output
    assert "Traceback" not in bad.output
    (entry,) = _ce_entry_ids(ledger, 1)
    paper = tmp_path / "proof.pdf"
    paper.write_bytes(b"%PDF proof")
    out = cli("attach", str(entry), str(paper))
    assert out.exit_code == 0 and f"attached to CE entry {entry}" in out.output
    assert (tmp_path / "gradebook" / "evidence").is_dir()
    out = cli("list", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert list(rows[0]) == [
        "audit_id",
        "draw_id",
        "trainee_id",
        "renewed_on",
        "period_start",
        "period_end",
        "ce_entries",
        "evidence",
        "decision",
        "consequence",
    ]
    assert (rows[0]["evidence"], rows[0]["decision"]) == ("complete", "pending")
    assert cli("decide", "1", "pass", "--on", "2026-06-20").exit_code == 0
    out = cli("report", "--format", "csv")
    (row,) = list(csv.DictReader(io.StringIO(out.output)))
    assert (row["drawn"], row["evidence_complete"], row["passed"], row["pending"]) == (
        "1",
        "1",
        "1",
        "0",
    )
    assert "proof.pdf (ok)" in cli("show", "1").output
    assert "2026-05-31" in cli("report").output


def test_an_audit_with_no_ce_left_in_the_period_cannot_pass(ledger, tmp_path):
    from ppskit.imports import void_hours

    _renewed(ledger, ce_entries=1)
    _draw_all(ledger)
    (entry,) = _ce_entry_ids(ledger, 1)
    void_hours(entry, reason="course never held", by="Ada", db=ledger.url)
    assert audit_lines(db=ledger.url, root=tmp_path)[0].evidence == "incomplete"
    with pytest.raises(AuditRefused, match="has no verified CE entry left"):
        decide(1, "pass", by="Ada", db=ledger.url, root=tmp_path, today=TODAY)


def _mississippi_renewed(ledger, tmp_path) -> str:  # noqa: ANN001
    """A Mississippi Parent/Caregiver CPSS issued 2019-10-01 (period ends 2023-09-30) and
    renewed 2023-08-01 with 20 CE hours; returns the renewal's verification code."""
    from conftest import write_csv

    from ppskit.facts import FACT_COLUMNS, import_facts
    from ppskit.imports import import_exam_results, import_hours, import_trainees
    from ppskit.records import EXAM_COLUMNS, HOURS_COLUMNS, TRAINEE_COLUMNS

    by = {"by": "board", "db": ledger.url}
    row = ["M1", "Name M1", "1980-01-01", "yes", "high-school", "yes", "", "ms-dmh-cpss-pc"]
    import_trainees(write_csv(tmp_path / "t.csv", TRAINEE_COLUMNS, [row]), **by)
    facts = [["M1", "2019-01-01", "employed-in-system", "yes", ""]]
    import_facts(write_csv(tmp_path / "f.csv", FACT_COLUMNS, facts), **by)
    hours = [
        ["M1", f"2019-02-{d:02d}", 10, "work", "paid", "session", "yes", ""] for d in range(1, 26)
    ]
    hours += [
        ["M1", f"2019-04-0{d}", 7, "core", "communication", "session", "yes", ""] for d in (1, 2)
    ]
    hours += [
        ["M1", f"2019-04-0{d}", 7, "specialization", "parent-caregiver", "session", "yes", ""]
        for d in (3, 4)
    ]
    hours += [["M1", f"2021-03-0{d}", 10, "ce", "stigma", "external", "yes", ""] for d in (1, 2)]
    import_hours(write_csv(tmp_path / "h.csv", HOURS_COLUMNS, hours), **by)
    exams = [["M1", "2019-04-10", "A", s, 80] for s in load_policy("ms-dmh-cpss-pc").sections]
    import_exam_results(write_csv(tmp_path / "e.csv", EXAM_COLUMNS, exams), **by)
    certify("M1", on=date(2019, 10, 1), **by)
    return renew("M1", on=date(2023, 8, 1), **by).code


def test_a_failed_audit_withdraws_the_renewal_where_the_profile_says_so(ledger, tmp_path):
    code = _mississippi_renewed(ledger, tmp_path)
    assert ledger.status("2023-10-02", "M1")["expires_on"] == "2027-10-01"
    plan = draw(date(2023, 9, 30), rate_pct=100, seed=1, by="Ada", db=ledger.url, today=TODAY)
    (renewal,) = plan.drawn
    assert (renewal.period_start, renewal.period_end) == (date(2019, 10, 1), date(2023, 9, 30))
    out = decide(
        1,
        "fail",
        reason="no in-service record",
        on=date(2024, 2, 1),
        by="Ada",
        db=ledger.url,
        root=tmp_path,
        today=TODAY,
    )
    assert out.consequence == "withdraw" and "Renewal withdrawn on 2024-02-01" in out.message
    # In force until the withdrawal, lapsed from it on.
    held = ledger.status("2024-01-31", "M1")
    assert (held["stage"], held["expires_on"]) == ("certified", "2027-10-01")
    gone = ledger.status("2024-02-01", "M1")
    assert (gone["stage"], gone["expires_on"]) == ("expired", "2024-02-01")
    assert verify_code(code, as_of=date(2024, 2, 1), db=ledger.url).verdict == "EXPIRED"
    assert verify_code(code, as_of=date(2024, 1, 31), db=ledger.url).valid
