"""Write due notices once: a ``notices`` ledger row, a PDF letter and an e-mail message
(plain text with the PDF attached) in the outbox folder (``gradebook/outbox/``).

The row and the two files are written together, one notice at a time: if the PDF
cannot be drawn the row is rolled back, so the next run tries again. Sending the
e-mails is :mod:`ppskit.office.notice_mail`'s job.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from sqlalchemy import Connection, insert, select

from ppskit.db import write_transaction
from ppskit.ledger.tables import notices, trainees
from ppskit.office.notices import Notice, due_notices, long_date

#: The sender written into outbox messages until ``ppskit notices send`` sets the real one.
PLACEHOLDER_FROM = "certification-office@localhost"


def outbox_dir() -> Path:
    """Default outbox: ``gradebook/outbox/`` in the course directory (git-ignored)."""
    from ppskit.db import course_root

    return course_root() / "gradebook" / "outbox"


@dataclass
class RunOutcome:
    """What ``ppskit notices run`` wrote."""

    written: list[tuple[int, Notice]] = field(default_factory=list)
    already: int = 0
    outbox: Path | None = None

    @property
    def message(self) -> str:
        """One plain summary with the next step."""
        if not self.written:
            return (
                f"No new notices ({self.already} already written earlier). "
                "Run ppskit notices list to see them."
            )
        kinds: dict[str, int] = {}
        for _id, n in self.written:
            kinds[n.kind] = kinds.get(n.kind, 0) + 1
        parts = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
        return (
            f"Wrote {len(self.written)} new notice(s) ({parts}) to {self.outbox}. "
            "Send the e-mails with ppskit notices send."
        )


def file_stem(notice_id: int, kind: str, trainee_id: str) -> str:
    """The outbox file name of a notice, without ``.pdf`` / ``.eml`` (derived from the
    row, so the append-only row never needs updating)."""
    # Trainee ids come from CSV files; keep only characters safe in a file name.
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", trainee_id)
    return f"notice-{notice_id:05d}-{kind}-{safe}"


def letter_text(n: Notice, name: str, on: date) -> str:
    """The notice as plain text: the e-mail body, and the words of the PDF letter."""
    body = "\n\n".join(n.paragraphs)
    return (
        f"{long_date(on)}\n\nDear {name},\n\n{body}\n\n"
        "The certification office\n\n"
        "(This notice was written by ppskit. Please keep it with your certification papers.)\n"
    )


def letter_html(n: Notice, name: str, on: date) -> str:
    """The notice as a one-page HTML letter for the PDF."""
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in n.paragraphs)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(n.subject)}</title><style>"
        "@page { size: A4; margin: 25mm; } body { font-family: sans-serif; font-size: 12pt; "
        "line-height: 1.5; } h1 { font-size: 15pt; }</style></head><body>"
        f"<p>{html.escape(long_date(on))}</p><h1>{html.escape(n.subject)}</h1>"
        f"<p>Dear {html.escape(name)},</p>{paras}<p>The certification office</p>"
        "</body></html>"
    )


def email_message(n: Notice, name: str, on: date, pdf: bytes, pdf_name: str) -> EmailMessage:
    """The e-mail for a notice: plain text with the PDF letter attached. ``To`` and
    ``From`` are set when it is sent (the address may be recorded after the run)."""
    msg = EmailMessage()
    msg["Subject"] = n.subject
    msg["From"] = PLACEHOLDER_FROM
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain="ppskit.invalid")
    msg.set_content(letter_text(n, name, on))
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=pdf_name)
    return msg


def _write_files(n: Notice, name: str, on: date, folder: Path, stem: str) -> None:
    from ppskit.reports.render import html_to_pdf

    folder.mkdir(parents=True, exist_ok=True)
    pdf_path = html_to_pdf(letter_html(n, name, on), folder / f"{stem}.pdf")
    msg = email_message(n, name, on, pdf_path.read_bytes(), pdf_path.name)
    (folder / f"{stem}.eml").write_bytes(msg.as_bytes())


def _exists(conn: Connection, n: Notice) -> bool:
    return (
        conn.execute(
            select(notices.c.notice_id).where(
                notices.c.kind == n.kind,
                notices.c.trainee_id == n.trainee_id,
                notices.c.notice_key == n.key,
            )
        ).first()
        is not None
    )


def run_notices(
    *,
    as_of: date | None = None,
    since: date | None = None,
    by: str,
    db: str | None = None,
    outbox: Path | None = None,
) -> RunOutcome:
    """Write every notice due on ``as_of`` (default today) that was not written before:
    its ledger row, its PDF letter and its e-mail in ``outbox``. Running again writes
    nothing new. ``since`` skips exam sittings before that date (a first run on a ledger
    with history need not write letters about old sittings)."""
    as_of = as_of or date.today()
    folder = outbox or outbox_dir()
    out = RunOutcome(outbox=folder)
    for n in due_notices(as_of, db, since=since):
        with write_transaction(db) as conn:
            if _exists(conn, n):
                out.already += 1
                continue
            name = conn.execute(
                select(trainees.c.name).where(trainees.c.trainee_id == n.trainee_id)
            ).scalar_one()
            # The row first (for its number, which names the files); a failure while
            # drawing the files rolls it back, so the next run tries again.
            notice_id = conn.execute(
                insert(notices).values(
                    kind=n.kind,
                    trainee_id=n.trainee_id,
                    notice_key=n.key,
                    created_on=as_of,
                    subject=n.subject,
                    recorded_by=by,
                    recorded_at=datetime.now(UTC),
                )
            ).inserted_primary_key[0]
            _write_files(n, name, as_of, folder, file_stem(notice_id, n.kind, n.trainee_id))
        out.written.append((notice_id, n))
    return out
