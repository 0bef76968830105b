"""Notices as a certifying body sends them: a renewal reminder on its day and not the day
before, each notice written once, exam results with pass/fail only, complaint letters
without the complaint's words, and e-mails delivered to a local SMTP server on
127.0.0.1, a failed send tried again later."""

from __future__ import annotations

import email
import io
import socket
import socketserver
import threading
from datetime import date, timedelta
from email import policy as email_policy
from pathlib import Path

import pytest
from conftest import SECTIONS, write_csv
from pypdf import PdfReader
from sqlalchemy import text
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.db import get_engine
from ppskit.ledger.certificates import certify
from ppskit.office.complaints import open_complaint
from ppskit.office.notice_mail import (
    NoticeRefused,
    SmtpSettings,
    current_contacts,
    import_contacts,
    list_notices,
    send_notices,
    set_contact,
)
from ppskit.office.notice_outbox import run_notices
from ppskit.office.notices import audit_selection_notices, long_date, renewal_notice_day
from ppskit.policies import load_policy

NOTICE_DAYS = load_policy("ca-ppss").certification.renewal.notice_days.at()
FIRST = max(NOTICE_DAYS)
CERTIFIED = date(2025, 3, 10)
SUMMARY = "Told another parent about the Lopez family's case at school pickup"
COMPLAINANT = "Maria Lopez"
runner = CliRunner()


# ------------------------------------------------------------------ a local SMTP server


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, RSET, QUIT."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        srv: SmtpServer = self.server  # type: ignore[assignment]
        self._say("220 127.0.0.1 test SMTP")
        sender, rcpts = "", []
        while line := self.rfile.readline():
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd[:4].upper()
            addr = cmd.partition(":")[2].strip().strip("<>").split(">")[0]
            if verb in ("EHLO", "HELO"):
                self._say("250 127.0.0.1")
            elif verb == "MAIL":
                sender, rcpts = addr, []
                self._say("250 OK")
            elif verb == "RCPT":
                if addr in srv.refuse:
                    self._say("550 No such mailbox")
                else:
                    rcpts.append(addr)
                    self._say("250 OK")
            elif verb == "DATA":
                self._say("354 End data with <CR><LF>.<CR><LF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                srv.received.append((sender, list(rcpts), b"".join(data)))
                self._say("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self._say("250 OK")
            elif verb == "QUIT":
                self._say("221 Bye")
                return
            else:
                self._say("502 Command not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Smtp)
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()

    @property
    def port(self) -> int:
        return self.server_address[1]


@pytest.fixture
def smtp():
    server = SmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, from_address="office@example.org", timeout=5)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------ helpers


def _certified(ledger, tid: str = "T1") -> date:  # noqa: ANN001
    ledger.trainee(tid)
    ledger.full_training(tid, "2025-01-01")
    ledger.sitting(tid, "2025-03-01")
    return certify(tid, on=CERTIFIED, by="test", db=ledger.url).expires_on


def _run(ledger, on: date, outbox: Path):  # noqa: ANN001, ANN202
    return run_notices(as_of=on, since=on, by="test", db=ledger.url, outbox=outbox)


def _pdf_text(path: Path) -> str:
    # Line breaks fall where the letter wraps; compare words, not layout.
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def _files(outbox: Path, kind: str, ext: str) -> list[Path]:
    return sorted(outbox.glob(f"notice-*-{kind}-*.{ext}"))


# ------------------------------------------------------------------------ renewal


def test_renewal_reminder_days_come_from_the_profile():
    assert sorted(NOTICE_DAYS, reverse=True) == [90, 60, 30]  # seed issue 14


def test_the_latest_threshold_reached_names_the_reminder():
    exp = date(2027, 3, 10)
    at = {n: renewal_notice_day(exp, exp - timedelta(days=n), NOTICE_DAYS) for n in range(95)}
    assert at[FIRST + 1] is None and at[FIRST] == FIRST and at[FIRST - 1] == FIRST
    assert at[61] == 90 and at[60] == 60 and at[31] == 60 and at[30] == 30 and at[1] == 30
    assert at[0] is None  # expired: a renewal reminder is too late


def test_renewal_notice_is_written_on_day_90_and_not_on_day_91(ledger, tmp_path):
    expires = _certified(ledger)
    outbox = tmp_path / "outbox"
    assert not _run(ledger, expires - timedelta(days=FIRST + 1), outbox).written
    first = _run(ledger, expires - timedelta(days=FIRST), outbox)
    assert [n.kind for _i, n in first.written] == ["renewal-due"]
    # Day 89: the 90-day reminder is already out; nothing new until day 60.
    assert not _run(ledger, expires - timedelta(days=FIRST - 1), outbox).written
    sixty = _run(ledger, expires - timedelta(days=60), outbox)
    assert [n.key for _i, n in sixty.written] == [f"{expires}:60"]
    pdfs = _files(outbox, "renewal-due", "pdf")
    assert len(pdfs) == 2
    words = _pdf_text(pdfs[0])
    assert "Dear Name T1" in words and long_date(expires) == "10 March 2027"
    assert "Your certificate expires on 10 March 2027" in words
    assert "renewal needs 20" in words  # the profile's CE hours, not restated


def test_a_renewed_certificate_gets_reminders_for_its_new_expiry_only(ledger, tmp_path):
    expires = _certified(ledger)
    outbox = tmp_path / "outbox"
    _run(ledger, expires - timedelta(days=30), outbox)
    ledger.hours([["T1", "2026-06-01", 20, "ce", "law-ethics", "session", "yes", ""]])
    from ppskit.ledger.certificates import renew

    on = expires - timedelta(days=20)
    renewed = renew("T1", on=on, by="test", db=ledger.url, today=on)
    assert not _run(ledger, expires - timedelta(days=10), outbox).written
    later = _run(ledger, renewed.expires_on - timedelta(days=FIRST), outbox)
    assert [n.key for _i, n in later.written] == [f"{renewed.expires_on}:{FIRST}"]


# ------------------------------------------------------------------------ idempotence


def test_running_twice_writes_each_notice_once(ledger, tmp_path):
    expires = _certified(ledger)
    outbox = tmp_path / "outbox"
    on = expires - timedelta(days=FIRST)
    first = run_notices(as_of=on, by="test", db=ledger.url, outbox=outbox)
    assert sorted(n.kind for _i, n in first.written) == ["exam-results", "renewal-due"]
    files = sorted(p.name for p in outbox.iterdir())
    again = run_notices(as_of=on, by="test", db=ledger.url, outbox=outbox)
    assert again.written == [] and again.already == 2
    assert "No new notices" in again.message
    assert sorted(p.name for p in outbox.iterdir()) == files and len(files) == 4
    assert len(list_notices(db=ledger.url)) == 2


def test_notices_are_append_only(ledger, tmp_path):
    expires = _certified(ledger)
    _run(ledger, expires - timedelta(days=FIRST), tmp_path / "outbox")
    with pytest.raises(Exception, match="append-only|permission denied"):
        with get_engine(ledger.url).begin() as conn:
            conn.execute(text("UPDATE notices SET notice_key = 'x'"))


# ------------------------------------------------------------------------ exam results


def test_exam_results_notice_says_pass_or_fail_per_section_and_no_scores(ledger, tmp_path):
    ledger.trainee("T1")
    ledger.sitting("T1", "2025-03-01", scores={SECTIONS[0]: 41.5}, default=87.5)
    outbox = tmp_path / "outbox"
    out = run_notices(as_of=date(2025, 3, 2), by="test", db=ledger.url, outbox=outbox)
    assert [n.kind for _i, n in out.written] == ["exam-results"]
    words = _pdf_text(_files(outbox, "exam-results", "pdf")[0])
    policy = load_policy("ca-ppss")
    assert f"{policy.section_label(SECTIONS[0])}: not passed" in words
    assert f"{policy.section_label(SECTIONS[1])}: passed" in words
    assert "1 March 2025" in words and "41.5" not in words and "87.5" not in words
    assert "retake the sections you did not pass" in words


def test_since_skips_old_sittings(ledger, tmp_path):
    ledger.trainee("T1")
    ledger.sitting("T1", "2025-03-01")
    out = run_notices(
        as_of=date(2025, 6, 1), since=date(2025, 4, 1), by="t", db=ledger.url, outbox=tmp_path
    )
    assert out.written == []


# ------------------------------------------------------------------------ complaints


def test_complaint_notice_gives_number_and_dates_never_the_complaint(ledger, tmp_path):
    ledger.trainee("T1")
    c = open_complaint(
        "T1",
        received_on=date(2025, 4, 10),
        event_date=date(2025, 4, 1),
        summary=SUMMARY,
        complainant=COMPLAINANT,
        by="office",
        db=ledger.url,
        today=date(2025, 4, 10),
    )
    outbox = tmp_path / "outbox"
    out = _run(ledger, date(2025, 4, 11), outbox)
    assert [n.kind for _i, n in out.written] == ["complaint-deadline"]
    pdf = _files(outbox, "complaint-deadline", "pdf")[0]
    eml = _files(outbox, "complaint-deadline", "eml")[0]
    words = _pdf_text(pdf)
    assert f"our number {c.complaint_id}" in words
    assert "10 April 2025" in words and "10 May 2025" in words  # received; findings due
    raw = eml.read_bytes().decode("utf-8", "replace")
    for secret in ("Lopez", "pickup", SUMMARY):
        assert secret not in words and secret not in raw


# ------------------------------------------------------------------------ contacts


def test_contacts_import_is_all_or_nothing(ledger, tmp_path):
    ledger.trainee("T1")
    ledger.trainee("T2")
    bad = write_csv(
        tmp_path / "c.csv", ["trainee_id", "email"], [["T1", "t1@example.org"], ["T2", "nope"]]
    )
    from ppskit.imports import ImportRejected

    with pytest.raises(ImportRejected, match="not an e-mail address"):
        import_contacts(bad, by="test", db=ledger.url)
    assert current_contacts(ledger.url) == {}
    good = write_csv(
        tmp_path / "g.csv", ["trainee_id", "email"], [["T1", "t1@example.org"], ["T2", "t2@x.org"]]
    )
    assert "2 e-mail address(es) recorded" in import_contacts(good, by="test", db=ledger.url)
    set_contact("T1", "new@example.org", by="test", db=ledger.url)
    assert current_contacts(ledger.url)["T1"] == "new@example.org"  # the latest holds


# ------------------------------------------------------------------------ sending


def test_notices_are_delivered_to_a_local_smtp_server(ledger, tmp_path, smtp):
    expires = _certified(ledger)
    set_contact("T1", "parent@example.org", by="test", db=ledger.url)
    outbox = tmp_path / "outbox"
    _run(ledger, expires - timedelta(days=FIRST), outbox)
    out = send_notices(by="test", db=ledger.url, outbox=outbox, settings=_settings(smtp.port))
    assert len(out.sent) == 1 and not out.failed and "Sent 1" in out.message
    sender, rcpts, data = smtp.received[0]
    assert (sender, rcpts) == ("office@example.org", ["parent@example.org"])
    msg = email.message_from_bytes(data, policy=email_policy.default)
    assert msg["Subject"] == "Your certificate expires on 10 March 2027"
    assert "Dear Name T1" in msg.get_body(("plain",)).get_content()
    pdf = next(msg.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert "10 March 2027" in " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf.get_content())).pages
    )
    # Sent once: the next send has nothing to do.
    again = send_notices(by="test", db=ledger.url, outbox=outbox, settings=_settings(smtp.port))
    assert again.sent == [] and len(smtp.received) == 1
    assert again.message.startswith("No unsent notices")
    assert [n.state for n in list_notices(db=ledger.url)] == ["sent"]


def test_a_failed_send_is_recorded_and_sent_on_the_next_try(ledger, tmp_path, smtp):
    expires = _certified(ledger)
    set_contact("T1", "parent@example.org", by="test", db=ledger.url)
    outbox = tmp_path / "outbox"
    _run(ledger, expires - timedelta(days=FIRST), outbox)
    down = send_notices(by="test", db=ledger.url, outbox=outbox, settings=_settings(_closed_port()))
    assert down.sent == [] and len(down.failed) == 1
    assert "could not be reached" in down.message and "tries them again" in down.message
    assert [n.state for n in list_notices(db=ledger.url)] == ["failed"]
    up = send_notices(by="test", db=ledger.url, outbox=outbox, settings=_settings(smtp.port))
    assert len(up.sent) == 1 and len(smtp.received) == 1
    with get_engine(ledger.url).connect() as conn:
        tries = conn.execute(
            text("SELECT outcome FROM notice_deliveries ORDER BY delivery_id")
        ).scalars()
        assert list(tries) == ["failed", "sent"]


def test_a_refused_address_fails_until_it_is_corrected(ledger, tmp_path, smtp):
    expires = _certified(ledger)
    set_contact("T1", "gone@example.org", by="test", db=ledger.url)
    outbox = tmp_path / "outbox"
    _run(ledger, expires - timedelta(days=FIRST), outbox)
    smtp.refuse.add("gone@example.org")
    refused = send_notices(by="test", db=ledger.url, outbox=outbox, settings=_settings(smtp.port))
    assert len(refused.failed) == 1 and "refused" in refused.message
    set_contact("T1", "parent@example.org", by="test", db=ledger.url)
    fixed = send_notices(by="test", db=ledger.url, outbox=outbox, settings=_settings(smtp.port))
    assert len(fixed.sent) == 1 and smtp.received[-1][1] == ["parent@example.org"]


def test_a_trainee_without_an_address_is_named_with_the_next_step(ledger, tmp_path, smtp):
    expires = _certified(ledger)
    outbox = tmp_path / "outbox"
    _run(ledger, expires - timedelta(days=FIRST), outbox)
    out = send_notices(by="test", db=ledger.url, outbox=outbox, settings=_settings(smtp.port))
    assert out.sent == [] and out.no_address == ["T1"] and smtp.received == []
    assert "ppskit notices contact TRAINEE EMAIL" in out.message
    assert [n.state for n in list_notices(db=ledger.url)] == ["unsent"]


def test_smtp_settings_come_from_the_environment():
    assert SmtpSettings.from_env({}) is None
    s = SmtpSettings.from_env(
        {
            "PPSKIT_SMTP_HOST": "mail.example.org",
            "PPSKIT_SMTP_STARTTLS": "yes",
            "PPSKIT_SMTP_USER": "office",
            "PPSKIT_SMTP_PASSWORD": "secret",
            "PPSKIT_SMTP_FROM": "office@example.org",
        }
    )
    assert (s.host, s.port, s.starttls, s.user, s.password) == (
        "mail.example.org",
        587,
        True,
        "office",
        "secret",
    )
    with pytest.raises(NoticeRefused, match="PPSKIT_SMTP_FROM"):
        SmtpSettings.from_env({"PPSKIT_SMTP_HOST": "mail.example.org"})


# ------------------------------------------------------------------------ CLI


def test_cli_run_send_and_list(ledger, tmp_path, smtp, monkeypatch):
    expires = _certified(ledger)
    outbox = str(tmp_path / "outbox")
    for var in ("HOST", "PORT", "STARTTLS", "USER", "PASSWORD", "FROM"):
        monkeypatch.delenv(f"PPSKIT_SMTP_{var}", raising=False)
    db = ["--db", ledger.url]
    on = (expires - timedelta(days=FIRST)).isoformat()
    ran = runner.invoke(app, ["notices", "run", "--as-of", on, "--outbox", outbox, *db])
    assert ran.exit_code == 0 and "Wrote 2 new notice(s)" in ran.output
    assert "ppskit notices send" in ran.output
    unset = runner.invoke(app, ["notices", "send", "--outbox", outbox, *db])
    assert unset.exit_code == 1 and "no mail server is set up" in unset.output
    assert "Nothing was written." in unset.output and "Traceback" not in unset.output
    bad = runner.invoke(app, ["notices", "contact", "T1", "not-an-address", *db])
    assert bad.exit_code == 1 and "not an e-mail address" in bad.output
    assert runner.invoke(app, ["notices", "contact", "T1", "p@example.org", *db]).exit_code == 0
    monkeypatch.setenv("PPSKIT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PPSKIT_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("PPSKIT_SMTP_FROM", "office@example.org")
    sent = runner.invoke(app, ["notices", "send", "--outbox", outbox, *db])
    assert sent.exit_code == 0 and "Sent 2 notice e-mail(s)." in sent.output
    listed = runner.invoke(app, ["notices", "list", *db])
    assert listed.exit_code == 0 and listed.output.count(" sent ") == 2


def test_a_renewal_drawn_for_audit_gets_a_notice_naming_the_period(ledger):
    from ppskit.ledger.certificates import certify, renew
    from ppskit.office.audits import draw

    ledger.trainee("T1")
    assert audit_selection_notices(date.today(), ledger.url) == []
    ledger.full_training("T1", "2024-01-10")
    ledger.sitting("T1", "2024-05-01")
    certify("T1", on=date(2024, 6, 1), by="board", db=ledger.url)
    ledger.hours([["T1", "2025-03-10", 20, "ce", "stigma", "external", "yes", "course"]])
    renew("T1", on=date(2026, 4, 1), by="board", db=ledger.url)
    draw(date(2026, 5, 31), rate_pct=100, seed=1, by="Auditor", db=ledger.url,
         today=date(2026, 7, 1))  # fmt: skip
    [notice] = audit_selection_notices(date.today(), ledger.url)
    assert notice.trainee_id == "T1" and notice.kind == "audit-selection"
    text = " ".join(notice.paragraphs)
    assert "1 June 2024" in text and "31 May 2026" in text and "does not mean" in text


def test_exam_results_follow_the_forms_own_cut(ledger, tmp_path):
    # A form with its own standard-setting cut: 41.5 passes a cut of 40 although it is
    # below the profile's pass mark, as ppskit status judges it.
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from ppskit.db import write_transaction
    from ppskit.ledger.tables import exam_results

    ledger.trainee("T1")
    with write_transaction(ledger.url) as conn:
        for s in SECTIONS:
            conn.execute(
                insert(exam_results).values(
                    trainee_id="T1",
                    date=date(2025, 3, 1),
                    form="B",
                    section=s,
                    score_pct=41.5,
                    source="test",
                    recorded_by="test",
                    recorded_at=datetime.now(UTC),
                    cut_pct=40.0,
                )
            )
    assert load_policy("ca-ppss").exam_rules.pass_pct.at() > 41.5
    out = run_notices(as_of=date(2025, 3, 2), by="test", db=ledger.url, outbox=tmp_path)
    words = _pdf_text(_files(tmp_path, "exam-results", "pdf")[0])
    assert len(out.written) == 1 and "not passed" not in words
    assert "You passed every section of the exam." in words
