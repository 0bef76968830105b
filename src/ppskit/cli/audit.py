"""`ppskit audit` commands: the certifying body's random CE audit of renewals."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from ppskit.cli.common import DbOption, guarded, parse_day

app = typer.Typer(
    help="CE audit of renewals: draw a random sample, attach evidence, decide, report.",
    no_args_is_help=True,
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Outcome(StrEnum):
    pass_ = "pass"
    fail = "fail"


_BY = typer.Option("certifying-body", "--by", help="Who records this step.")


@app.command("draw")
def draw(
    period_ending: str = typer.Option(
        ..., "--period-ending", help="Draw renewals of periods ending by this date."
    ),
    rate: float = typer.Option(
        None, "--rate", help="Percent of the renewals to draw (default: the profile's rate)."
    ),
    seed: int = typer.Option(..., "--seed", help="Seed of the random draw (write it down)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the draw; write nothing."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Draw a reproducible random sample of a period's renewals for a CE audit."""
    from ppskit.office.audits import draw as draw_

    plan = guarded(
        draw_,
        parse_day(period_ending, "--period-ending"),
        rate_pct=rate,
        seed=seed,
        by=by,
        dry_run=dry_run,
        db=db,
    )
    typer.echo(plan.message + (" Nothing was written (--dry-run)." if dry_run else ""))


@app.command("attach")
def attach(
    entry_id: int = typer.Argument(..., help="CE hours entry number (see ppskit audit show)."),
    file: Path = typer.Argument(..., help="Evidence file, e.g. a certificate of attendance."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Attach an evidence file to a CE entry (kept with its SHA-256)."""
    from ppskit.office.audits import attach_evidence

    typer.echo(guarded(attach_evidence, entry_id, file, by=by, db=db).message)


@app.command("decide")
def decide(
    audit_id: int = typer.Argument(..., help="Audit number (see ppskit audit list)."),
    outcome: Outcome = typer.Argument(..., help="pass or fail."),
    reason: str = typer.Option("", "--reason", help="Why (required for fail)."),
    on: str = typer.Option(None, "--on", help="Date of the decision (default today)."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Decide an audit; a fail denies or withdraws the renewal as the profile says."""
    from ppskit.office.audits import decide as decide_

    out = guarded(
        decide_, audit_id, outcome.value, reason=reason, on=parse_day(on, "--on"), by=by, db=db
    )
    typer.echo(out.message)


@app.command("list")
def list_(
    draw_id: int = typer.Option(None, "--draw", help="Only this draw's renewals."),
    trainee: str = typer.Option(None, "--trainee", help="Only this trainee's audits."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    db: DbOption = None,
) -> None:
    """List drawn renewals with their evidence state and decision."""
    from ppskit.office.audit_output import format_lines
    from ppskit.office.audits import audit_lines

    lines = guarded(audit_lines, draw_id=draw_id, trainee=trainee, db=db)
    typer.echo(format_lines(lines, fmt.value), nl=False)


@app.command("show")
def show(
    audit_id: int = typer.Argument(..., help="Audit number (see ppskit audit list)."),
    db: DbOption = None,
) -> None:
    """Show one audit: the period, each CE entry and the state of its evidence."""
    from ppskit.office.audit_output import format_detail
    from ppskit.office.audits import audit_detail

    typer.echo(format_detail(guarded(audit_detail, audit_id, db=db)), nl=False)


@app.command("report")
def report(
    period_ending: str = typer.Option(
        None, "--period-ending", help="Only the draw for this period ending."
    ),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    db: DbOption = None,
) -> None:
    """Audit report per period: drawn, evidence complete, passed, failed, pending."""
    from ppskit.office.audit_output import format_report
    from ppskit.office.audits import period_report

    rows = guarded(period_report, period_ending=parse_day(period_ending, "--period-ending"), db=db)
    typer.echo(format_report(rows, fmt.value), nl=False)
