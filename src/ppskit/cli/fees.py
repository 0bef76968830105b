"""`ppskit fees` commands: charges from the profile's fee schedule, payments, balances."""

from __future__ import annotations

from enum import StrEnum

import typer

from ppskit.cli.common import DbOption, guarded, parse_day

app = typer.Typer(
    help="Fees: charge from the profile's dated schedule, record payments, show balances.",
    no_args_is_help=True,
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


_BY = typer.Option("certifying-body", "--by", help="Who records this.")
_ON = typer.Option(None, "--on", help="Date, YYYY-MM-DD (default today).")


@app.command("charge")
def charge(
    trainee_id: str = typer.Argument(..., help="Trainee charged."),
    kind: str = typer.Argument(
        ..., help="Fee kind from the profile's schedule (application, exam, renewal, ...)."
    ),
    on: str = _ON,
    amount: str = typer.Option(
        None, "--amount", help="Override the schedule's amount (needs --reason)."
    ),
    reason: str = typer.Option("", "--reason", help="Why the amount is overridden."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Charge a fee at the schedule's amount in force on the day."""
    from ppskit.office.fees import charge_fee

    out = guarded(
        charge_fee,
        trainee_id,
        kind,
        on=parse_day(on, "--on"),
        amount=amount,
        reason=reason,
        by=by,
        db=db,
    )
    typer.echo(out.message)


@app.command("pay")
def pay(
    trainee_id: str = typer.Argument(..., help="Trainee who paid."),
    amount: str = typer.Argument(..., help="Amount received, e.g. 80 or 12.50."),
    method: str = typer.Option(..., "--method", help="How it was paid (card, check, cash...)."),
    reference: str = typer.Option("", "--reference", help="Receipt or check number."),
    on: str = _ON,
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record a payment received."""
    from ppskit.office.fees import record_payment

    out = guarded(
        record_payment,
        trainee_id,
        amount,
        method=method,
        reference=reference,
        on=parse_day(on, "--on"),
        by=by,
        db=db,
    )
    typer.echo(out.message)


@app.command("balance")
def balance(
    trainee_id: str = typer.Argument(None, help="One trainee: their statement line by line."),
    as_of: str = typer.Option(None, "--as-of", help="Date to check on (default today)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    db: DbOption = None,
) -> None:
    """Balances of every trainee with fees, or one trainee's statement."""
    from ppskit.office.fees import (
        BALANCE_COLUMNS,
        STATEMENT_COLUMNS,
        balances,
        format_rows,
        statement,
    )

    day = parse_day(as_of, "--as-of")
    if trainee_id:
        lines = guarded(statement, trainee_id, as_of=day, db=db)
        rows, cols = [line.row() for line in lines], STATEMENT_COLUMNS
        empty = f"No charges or payments for {trainee_id}."
    else:
        lines = guarded(balances, as_of=day, db=db)
        rows, cols = [line.row() for line in lines], BALANCE_COLUMNS
        empty = "No charges or payments recorded."
    typer.echo(format_rows(rows, cols, fmt.value, empty), nl=False)
