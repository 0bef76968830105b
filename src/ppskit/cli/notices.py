"""`ppskit notices` commands: letters and e-mails to trainees, and sending them."""

from __future__ import annotations

from pathlib import Path

import typer

from ppskit.cli.common import DbOption, guarded, parse_day

app = typer.Typer(
    help="Notices to trainees (renewal due, complaint deadlines, exam results): write, send.",
    no_args_is_help=True,
)

_BY = typer.Option("certifying-body", "--by", help="Who records this.")
_OUTBOX = typer.Option(
    None, "--outbox", help="Outbox folder (default gradebook/outbox/ in the course directory)."
)


@app.command("run")
def run(
    as_of: str = typer.Option(None, "--as-of", help="Date the notices are due, YYYY-MM-DD."),
    since: str = typer.Option(
        None, "--since", help="Skip exam sittings before this date (a first run on old data)."
    ),
    outbox: Path = _OUTBOX,
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Write each new notice once: a PDF letter and an e-mail in the outbox."""
    from ppskit.office.notice_outbox import run_notices

    out = guarded(
        run_notices,
        as_of=parse_day(as_of, "--as-of"),
        since=parse_day(since, "--since"),
        by=by,
        db=db,
        outbox=outbox,
    )
    typer.echo(out.message)


@app.command("send")
def send(outbox: Path = _OUTBOX, by: str = _BY, db: DbOption = None) -> None:
    """Send unsent notice e-mails over SMTP (settings: PPSKIT_SMTP_* variables)."""
    from ppskit.office.notice_mail import send_notices

    out = guarded(send_notices, by=by, db=db, outbox=outbox)
    typer.echo(out.message)
    if out.failed:
        raise typer.Exit(1)


@app.command("list")
def list_(
    unsent: bool = typer.Option(False, "--unsent", help="Only notices not sent yet."),
    db: DbOption = None,
) -> None:
    """List written notices and whether each was sent."""
    from ppskit.office.notice_mail import list_notices

    lines = guarded(list_notices, unsent_only=unsent, db=db)
    if not lines:
        typer.echo("No notices written yet; write them with ppskit notices run.")
        return
    for n in lines:
        typer.echo(
            f"{n.notice_id:>5}  {n.created_on}  {n.trainee_id:<12} {n.kind:<19} "
            f"{n.state:<7} {n.subject}"
        )


@app.command("contact")
def contact(
    trainee_id: str = typer.Argument(..., help="Trainee the address belongs to."),
    email: str = typer.Argument(..., help="E-mail address for notices."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record a trainee's e-mail address for notices (a new one replaces the old)."""
    from ppskit.office.notice_mail import set_contact

    typer.echo(guarded(set_contact, trainee_id, email, by=by, db=db))


@app.command("contacts-import")
def contacts_import(
    file: Path = typer.Argument(..., help="CSV file with columns trainee_id,email."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record trainees' e-mail addresses from a CSV file (all or nothing)."""
    from ppskit.office.notice_mail import import_contacts

    typer.echo(guarded(import_contacts, file, by=by, db=db))
