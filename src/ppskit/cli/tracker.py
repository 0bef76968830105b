"""Top-level tracker commands: status, certificate events and the demo."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from ppskit.cli.common import DbOption, fail, guarded, parse_day


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def status(
    as_of: str = typer.Option(None, "--as-of", help="Date to compute status for (default today)."),
    trainee: str = typer.Option(None, "--trainee", help="Only this trainee."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    output: Path = typer.Option(
        None,
        "--output",
        "--out",
        "-o",
        help="Write to this file instead of the screen (a CSV file has formula-like text "
        "written as text, safe to open in a spreadsheet).",
    ),
    db: DbOption = None,
) -> None:
    """Show every trainee's stage and next action."""
    from ppskit.db import LedgerNotFound
    from ppskit.status_output import render_status, write_status

    day = parse_day(as_of, "--as-of")
    try:
        if output:
            written = write_status(output, as_of=day, trainee=trainee, fmt=fmt.value, db=db)
            typer.echo(written.summary)
        else:
            typer.echo(render_status(as_of=day, trainee=trainee, fmt=fmt.value, db=db), nl=False)
    except LedgerNotFound as exc:
        fail(str(exc))
    except KeyError as exc:
        fail(str(exc.args[0]))


def _event(kind: str):  # noqa: ANN202
    def command(
        trainee_id: str = typer.Argument(..., help="Trainee id."),
        on: str = typer.Option(..., "--on", help="Date of the event, YYYY-MM-DD."),
        reason: str = typer.Option(..., "--reason", help="Why (kept in the ledger)."),
        by: str = typer.Option("certifying-body", "--by", help="Who records it."),
        db: DbOption = None,
    ) -> None:
        from ppskit.ledger.certificates import discipline

        out = guarded(
            discipline, trainee_id, kind, on=parse_day(on, "--on"), reason=reason, by=by, db=db
        )
        typer.echo(out.message)

    command.__doc__ = {
        "suspended": "Suspend a certificate.",
        "reinstated": "Reinstate a suspended certificate.",
        "revoked": "Revoke a certificate.",
        "transferred": "Record a transfer (e.g. to another county).",
    }[kind]
    return command


def certify(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    on: str = typer.Option(..., "--on", help="Issue date, YYYY-MM-DD."),
    by: str = typer.Option("certifying-body", "--by", help="Who issues it."),
    db: DbOption = None,
) -> None:
    """Issue a certificate to a certifiable trainee."""
    from ppskit.ledger.certificates import certify as do_certify

    typer.echo(guarded(do_certify, trainee_id, on=parse_day(on, "--on"), by=by, db=db).message)


def renew(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    on: str = typer.Option(..., "--on", help="Renewal date, YYYY-MM-DD."),
    by: str = typer.Option("certifying-body", "--by", help="Who renews it."),
    db: DbOption = None,
) -> None:
    """Renew a certificate before it expires (needs the CE hours)."""
    from ppskit.ledger.certificates import renew as do_renew

    typer.echo(guarded(do_renew, trainee_id, on=parse_day(on, "--on"), by=by, db=db).message)


def demo(
    db: DbOption = None,
) -> None:
    """Load a synthetic cohort covering every stage and show its status."""
    from ppskit.demo import run_demo

    run_demo(db=db, echo=typer.echo)


def register(app: typer.Typer) -> None:
    """Attach the tracker commands to the root app."""
    app.command("status")(status)
    app.command("certify")(certify)
    app.command("renew")(renew)
    app.command("suspend")(_event("suspended"))
    app.command("reinstate")(_event("reinstated"))
    app.command("revoke")(_event("revoked"))
    app.command("transfer")(_event("transferred"))
    app.command("demo")(demo)
