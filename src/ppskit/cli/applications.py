"""`ppskit applications` commands: applications and eligibility decisions."""

from __future__ import annotations

from enum import StrEnum

import typer

from ppskit.cli.common import DbOption, guarded, parse_day

app = typer.Typer(
    help="Applications for certification: submit, review, decide, appeal, list.",
    no_args_is_help=True,
)


class Kind(StrEnum):
    initial = "initial"
    reciprocity = "reciprocity"
    transfer = "transfer"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Decision(StrEnum):
    upheld = "upheld"
    denied = "denied"


_BY = typer.Option("certifying-body", "--by", help="Who records this step.")
_ON = typer.Option(None, "--on", help="Date of the step, YYYY-MM-DD (default today).")
_ID = typer.Argument(..., help="Application number (see ppskit applications list).")
_OVERRIDE = typer.Option(
    "",
    "--override-reason",
    help="Why the body approves although the review found the applicant not eligible.",
)


@app.command("submit")
def submit(
    trainee_id: str = typer.Argument(..., help="The applicant (a registered trainee)."),
    kind: Kind = typer.Option(Kind.initial, "--kind", help="initial, reciprocity or transfer."),
    submitted: str = typer.Option(None, "--submitted", help="Date received (default today)."),
    from_state: str = typer.Option("", "--from-state", help="reciprocity: the other state."),
    to_county: str = typer.Option("", "--to-county", help="transfer: the county moved to."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record an application for certification, reciprocity or a county transfer."""
    from ppskit.office.applications import submit_application

    out = guarded(
        submit_application,
        trainee_id,
        kind=kind.value,
        submitted_on=parse_day(submitted, "--submitted"),
        detail=from_state if kind == Kind.reciprocity else to_county,
        by=by,
        db=db,
    )
    typer.echo(out.message)


@app.command("review")
def review(application_id: int = _ID, on: str = _ON, by: str = _BY, db: DbOption = None) -> None:
    """Check the applicant against the profile as of the review date (the rules engine)."""
    from ppskit.office.applications import review_application

    day = parse_day(on, "--on")
    out = guarded(review_application, application_id, on=day, by=by, db=db)
    typer.echo(out.message)


@app.command("decide")
def decide(
    application_id: int = _ID,
    approve: bool = typer.Option(
        None, "--approve/--deny", help="Approve or deny the reviewed application."
    ),
    reason: str = typer.Option(
        "",
        "--reason",
        help="The body's reason (needed to deny an applicant the review found eligible).",
    ),
    override_reason: str = _OVERRIDE,
    on: str = _ON,
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Approve or deny a reviewed application, with the review's reasons."""
    from ppskit.office.applications import decide_application

    if approve is None:
        typer.secho("Say --approve or --deny. Nothing was written.", fg="red", err=True)
        raise typer.Exit(1)
    out = guarded(
        decide_application,
        application_id,
        approve=approve,
        reason=reason,
        override_reason=override_reason,
        on=parse_day(on, "--on"),
        by=by,
        db=db,
    )
    typer.echo(out.message)


@app.command("appeal")
def appeal(
    application_id: int = _ID,
    reason: str = typer.Option("", "--reason", help="What the applicant says."),
    on: str = _ON,
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record an appeal of a denial (within the profile's window)."""
    from ppskit.office.applications import lodge_appeal

    day = parse_day(on, "--on")
    out = guarded(lodge_appeal, application_id, on=day, reason=reason, by=by, db=db)
    typer.echo(out.message)


@app.command("decide-appeal")
def decide_appeal(
    application_id: int = _ID,
    outcome: Decision = typer.Option(..., "--outcome", help="upheld (approve) or denied."),
    reason: str = typer.Option("", "--reason", help="The body's reason."),
    override_reason: str = _OVERRIDE,
    on: str = _ON,
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Decide an appeal: upheld approves the application, denied makes the denial final."""
    from ppskit.office.applications import decide_appeal as decide_

    out = guarded(
        decide_,
        application_id,
        outcome=outcome.value,
        reason=reason,
        override_reason=override_reason,
        on=parse_day(on, "--on"),
        by=by,
        db=db,
    )
    typer.echo(out.message)


@app.command("list")
def list_(
    as_of: str = typer.Option(None, "--as-of", help="Date to check on (default today)."),
    trainee: str = typer.Option(None, "--trainee", help="Only this applicant's applications."),
    pending: bool = typer.Option(False, "--pending", help="Only those not approved or closed."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    db: DbOption = None,
) -> None:
    """List applications with their stage, next deadline and next action."""
    from ppskit.office.application_output import format_lines
    from ppskit.office.applications import list_applications

    lines = guarded(
        list_applications,
        as_of=parse_day(as_of, "--as-of"),
        trainee=trainee,
        pending_only=pending,
        db=db,
    )
    typer.echo(format_lines(lines, fmt.value), nl=False)
