"""Trainees' e-mail addresses, and sending the outbox's notices over SMTP.

The trainees table holds no e-mail address, so addresses live in the append-only
``contacts`` table (``ppskit notices contact`` for one, ``ppskit notices
contacts-import`` for a CSV ``trainee_id,email``); the latest row for a trainee holds.

The SMTP server is the deployment's, not the profile's: ``PPSKIT_SMTP_HOST``,
``PPSKIT_SMTP_PORT``, ``PPSKIT_SMTP_STARTTLS``, ``PPSKIT_SMTP_USER``,
``PPSKIT_SMTP_PASSWORD`` and ``PPSKIT_SMTP_FROM`` in the environment (the password is
never a command-line option, so it stays out of shell history). Every attempt is a
``notice_deliveries`` row, sent or failed; a notice without a ``sent`` row is tried again
by the next ``ppskit notices send``.
"""

from __future__ import annotations

import csv
import os
import re
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import insert, select

from ppskit.db import read_connection, write_transaction
from ppskit.imports import ImportRejected, RowError
from ppskit.ledger.tables import contacts, notice_deliveries, notices, trainees
from ppskit.office.notice_outbox import file_stem, outbox_dir

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


class NoticeRefused(ImportRejected):
    """A notices command cannot go ahead; nothing was written or sent."""

    def report(self) -> str:
        """The refusal as plain sentences."""
        return "; ".join(e.message.rstrip(".") for e in self.errors) + ". Nothing was written."


def _refuse(source: str, message: str) -> NoticeRefused:
    return NoticeRefused(source, [RowError(0, "", message)])


# ------------------------------------------------------------------------ contacts


def _check_email(email: str) -> str | None:
    email = email.strip()
    if not _EMAIL.match(email):
        return f"'{email}' is not an e-mail address (write it like name@example.org)"
    return None


def set_contacts(rows: list[tuple[str, str]], *, by: str, db: str | None, source: str) -> int:
    """Record e-mail addresses ``(trainee_id, email)``, all or nothing."""
    errors = []
    with write_transaction(db) as conn:
        known = set(conn.execute(select(trainees.c.trainee_id)).scalars())
        for i, (tid, email) in enumerate(rows, start=2):
            if tid not in known:
                errors.append(RowError(i, "trainee_id", f"unknown trainee '{tid}'"))
            elif problem := _check_email(email):
                errors.append(RowError(i, "email", problem))
        if errors:
            raise ImportRejected(source, errors)
        now = datetime.now(UTC)
        for tid, email in rows:
            conn.execute(
                insert(contacts).values(
                    trainee_id=tid, email=email.strip(), recorded_by=by, recorded_at=now
                )
            )
    return len(rows)


def set_contact(trainee_id: str, email: str, *, by: str, db: str | None = None) -> str:
    """Record one trainee's e-mail address (a change of address is a new row)."""
    source = f"contact for {trainee_id}"
    try:
        set_contacts([(trainee_id, email)], by=by, db=db, source=source)
    except ImportRejected as exc:
        raise _refuse(source, exc.errors[0].message) from None
    return f"E-mail address for {trainee_id} recorded: {email.strip()}."


def import_contacts(path: Path, *, by: str, db: str | None = None) -> str:
    """Record the addresses of a CSV file with columns ``trainee_id,email``."""
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if set(reader.fieldnames or ()) != {"trainee_id", "email"}:
            raise _refuse(str(path), "the file needs exactly the columns trainee_id,email")
        rows = [((r["trainee_id"] or "").strip(), r["email"] or "") for r in reader]
    n = set_contacts(rows, by=by, db=db, source=str(path))
    return f"{path}: {n} e-mail address(es) recorded."


def current_contacts(db: str | None = None) -> dict[str, str]:
    """Trainee id -> the latest recorded e-mail address."""
    with read_connection(db) as conn:
        rows = conn.execute(
            select(contacts.c.trainee_id, contacts.c.email).order_by(contacts.c.contact_id)
        ).all()
    return {r.trainee_id: r.email for r in rows}


# ------------------------------------------------------------------------ listing


@dataclass(frozen=True)
class NoticeLine:
    """One written notice and where its delivery stands."""

    notice_id: int
    kind: str
    trainee_id: str
    created_on: str
    subject: str
    state: str  # sent | failed | unsent
    file_stem: str


def list_notices(*, unsent_only: bool = False, db: str | None = None) -> list[NoticeLine]:
    """Every written notice with its latest delivery state."""
    with read_connection(db) as conn:
        rows = conn.execute(select(notices).order_by(notices.c.notice_id)).all()
        tries = conn.execute(
            select(notice_deliveries.c.notice_id, notice_deliveries.c.outcome).order_by(
                notice_deliveries.c.delivery_id
            )
        ).all()
    state: dict[int, str] = {}
    for t in tries:
        if state.get(t.notice_id) != "sent":  # once sent, a notice stays sent
            state[t.notice_id] = t.outcome
    out = [
        NoticeLine(
            r.notice_id,
            r.kind,
            r.trainee_id,
            r.created_on.isoformat(),
            r.subject,
            state.get(r.notice_id, "unsent"),
            file_stem(r.notice_id, r.kind, r.trainee_id),
        )
        for r in rows
    ]
    return [n for n in out if n.state != "sent"] if unsent_only else out


# ------------------------------------------------------------------------ sending


def _yes(value: str) -> bool:
    return value.strip().lower() in ("1", "yes", "true", "on")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: read from ``PPSKIT_SMTP_*`` by :meth:`from_env`."""

    host: str
    port: int
    from_address: str
    starttls: bool = False
    user: str = ""
    password: str = ""
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SmtpSettings | None:
        """The settings in the environment, or None when no server is set up."""
        env = dict(os.environ if env is None else env)
        host = env.get("PPSKIT_SMTP_HOST", "").strip()
        if not host:
            return None
        starttls = _yes(env.get("PPSKIT_SMTP_STARTTLS", "no"))
        port = env.get("PPSKIT_SMTP_PORT", "").strip()
        if port and not port.isdigit():
            raise _refuse("PPSKIT_SMTP_PORT", f"PPSKIT_SMTP_PORT '{port}' is not a port number")
        from_address = env.get("PPSKIT_SMTP_FROM", "").strip()
        if not from_address or _check_email(from_address):
            raise _refuse(
                "PPSKIT_SMTP_FROM",
                "set PPSKIT_SMTP_FROM to the certification office's e-mail address, the "
                "sender trainees see and can answer",
            )
        return cls(
            host=host,
            # 587 is the submission port that STARTTLS servers listen on; 25 otherwise.
            port=int(port) if port else (587 if starttls else 25),
            from_address=from_address,
            starttls=starttls,
            user=env.get("PPSKIT_SMTP_USER", ""),
            password=env.get("PPSKIT_SMTP_PASSWORD", ""),
        )


@dataclass
class SendOutcome:
    """What ``ppskit notices send`` did."""

    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """One plain summary with the next step."""
        if not (self.sent or self.failed or self.no_address):
            return "No unsent notices; write new ones with ppskit notices run."
        parts = [f"Sent {len(self.sent)} notice e-mail(s)."]
        if self.failed:
            why = self.failed[0][1]
            parts.append(
                f"{len(self.failed)} could not be sent ({why}); they stay in the outbox and "
                "ppskit notices send tries them again."
            )
        if self.no_address:
            who = ", ".join(sorted(set(self.no_address)))
            parts.append(
                f"No e-mail address for {who}: record one with ppskit notices contact "
                "TRAINEE EMAIL (the PDF letters can be posted meanwhile)."
            )
        return " ".join(parts)


def _record(notice_id: int, outcome: str, to: str, detail: str, by: str, db: str | None) -> None:
    # One transaction per attempt: a message sent is recorded even if a later one fails.
    with write_transaction(db) as conn:
        conn.execute(
            insert(notice_deliveries).values(
                notice_id=notice_id,
                outcome=outcome,
                to_address=to,
                detail=detail[:2000],
                recorded_by=by,
                recorded_at=datetime.now(UTC),
            )
        )


def _connect(s: SmtpSettings) -> smtplib.SMTP:
    server = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
    try:
        if s.starttls:
            server.starttls()
        if s.user:
            server.login(s.user, s.password)
    except Exception:
        server.close()
        raise
    return server


def send_notices(
    *,
    by: str,
    db: str | None = None,
    outbox: Path | None = None,
    settings: SmtpSettings | None = None,
) -> SendOutcome:
    """Send every unsent notice's e-mail from ``outbox`` to the trainee's latest address.
    Each attempt is recorded; failures are tried again next time."""
    settings = settings or SmtpSettings.from_env()
    if settings is None:
        raise _refuse(
            "ppskit notices send",
            "no mail server is set up; set PPSKIT_SMTP_HOST (and PPSKIT_SMTP_FROM, with "
            "PPSKIT_SMTP_PORT, PPSKIT_SMTP_STARTTLS, PPSKIT_SMTP_USER and "
            "PPSKIT_SMTP_PASSWORD as the server needs), then run ppskit notices send again. "
            "The letters stay in the outbox meanwhile",
        )
    folder = outbox or outbox_dir()
    pending = list_notices(unsent_only=True, db=db)
    addresses = current_contacts(db)
    out = SendOutcome()
    ready = []
    for n in pending:
        if n.trainee_id in addresses:
            ready.append(n)
        else:
            out.no_address.append(n.trainee_id)
    if not ready:
        return out
    try:
        server = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        why = f"the mail server {settings.host}:{settings.port} could not be reached: {exc}"
        for n in ready:
            _record(n.notice_id, "failed", addresses[n.trainee_id], why, by, db)
            out.failed.append((n.notice_id, why))
        return out
    try:
        for n in ready:
            to = addresses[n.trainee_id]
            path = folder / f"{n.file_stem}.eml"
            try:
                msg = BytesParser(policy=email_policy.default).parsebytes(path.read_bytes())
                del msg["To"], msg["From"]
                msg["To"], msg["From"] = to, settings.from_address
                server.send_message(msg)
            except FileNotFoundError:
                why = f"{path} is missing from the outbox"
                _record(n.notice_id, "failed", to, why, by, db)
                out.failed.append((n.notice_id, why))
            except smtplib.SMTPServerDisconnected as exc:
                # The rest wait for the next run rather than a reconnect loop here.
                why = f"the mail server closed the connection: {exc}"
                for rest in ready[ready.index(n) :]:
                    _record(rest.notice_id, "failed", addresses[rest.trainee_id], why, by, db)
                    out.failed.append((rest.notice_id, why))
                break
            except smtplib.SMTPException as exc:
                why = f"the mail server refused it: {exc}"
                _record(n.notice_id, "failed", to, why, by, db)
                out.failed.append((n.notice_id, why))
            else:
                _record(n.notice_id, "sent", to, "", by, db)
                out.sent.append(n.notice_id)
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return out
