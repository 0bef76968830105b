"""`ppskit replace`: a replacement certificate (new verification code, same expiry)."""

from __future__ import annotations

import typer

from ppskit.cli.common import DbOption, guarded, parse_day


def replace(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    reason: str = typer.Option(..., "--reason", help="Why (lost, damaged, name change...)."),
    on: str = typer.Option(None, "--on", help="Date of the replacement (default today)."),
    by: str = typer.Option("certifying-body", "--by", help="Who issues it."),
    db: DbOption = None,
) -> None:
    """Issue a replacement certificate: a new code; the old one answers REPLACED."""
    from datetime import date

    from ppskit.ledger.certificates import replace_certificate

    day = parse_day(on, "--on") or date.today()
    out = guarded(replace_certificate, trainee_id, on=day, reason=reason, by=by, db=db)
    typer.echo(out.message)


def register(app: typer.Typer) -> None:
    """Attach ``replace`` to the root app, beside certify, renew and the other events."""
    app.command("replace")(replace)
