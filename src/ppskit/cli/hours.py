"""`ppskit hours` commands."""

from __future__ import annotations

from pathlib import Path

import typer

from ppskit.cli.common import DbOption, guarded

app = typer.Typer(help="Log, import, verify and void training hours.", no_args_is_help=True)

ErrorsOption = typer.Option(
    None,
    "--errors",
    help="Write every problem found to this CSV (file,line,column,message); "
    "the report on screen shows the first 100.",
)


@app.command("import")
def import_(
    file: Path = typer.Argument(
        ..., help="CSV: trainee_id,date,hours,category,topic,source,verified,note"
    ),
    by: str = typer.Option("trainer", "--by", help="Who is recording these hours."),
    errors: Path | None = ErrorsOption,
    db: DbOption = None,
) -> None:
    """Import hours from a CSV file (all rows or none; 24 hours a day at most)."""
    from ppskit.imports import import_hours

    outcome = guarded(import_hours, file, by=by, db=db, errors_file=errors)
    typer.echo(f"{file}: {outcome.summary('hour entries')}")


@app.command("log")
def log(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    day: str = typer.Option(..., "--date", help="Date of the training, YYYY-MM-DD."),
    hours: str = typer.Option(..., "--hours", help="Hours (more than 0, at most 24)."),
    category: str = typer.Option(
        "core", "--category", help="core, ce, supervision, work or specialization."
    ),
    topic: str = typer.Option("", "--topic", help="Domain id for core hours."),
    source: str = typer.Option("session", "--source", help="module, session or external."),
    verified: str = typer.Option("no", "--verified", help="yes if a trainer verified it."),
    note: str = typer.Option("", "--note", help="Free text."),
    by: str = typer.Option("trainer", "--by", help="Who is recording."),
    db: DbOption = None,
) -> None:
    """Log one hours entry (same rules as an import)."""
    from ppskit.imports import log_hours

    row = {
        "trainee_id": trainee_id,
        "date": day,
        "hours": hours,
        "category": category,
        "topic": topic,
        "source": source,
        "verified": verified,
        "note": note,
    }
    outcome = guarded(log_hours, row, by=by, db=db)
    typer.echo(f"Logged entry {outcome.ids[0]}: {hours} {category} hours for {trainee_id}.")


@app.command("verify")
def verify(
    entries: list[int] = typer.Argument(..., help="Entry numbers to verify (see hours list)."),
    by: str = typer.Option(..., "--by", help="Name of the trainer who verifies."),
    db: DbOption = None,
) -> None:
    """Verify self-reported entries (all or none)."""
    from ppskit.imports import verify_hours

    outcome = guarded(verify_hours, entries, by=by, db=db)
    typer.echo(f"Verified {outcome.written} entr{'y' if outcome.written == 1 else 'ies'}.")


@app.command("void")
def void(
    entry: int = typer.Argument(..., help="Entry number to void."),
    reason: str = typer.Option(..., "--reason", help="Why the entry is wrong."),
    by: str = typer.Option("trainer", "--by", help="Who voids it."),
    db: DbOption = None,
) -> None:
    """Void an entry with a reason (a new row; the entry stays in the ledger)."""
    from ppskit.imports import void_hours

    guarded(void_hours, entry, reason=reason, by=by, db=db)
    typer.echo(f"Voided entry {entry}: {reason}")
