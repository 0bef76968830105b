"""`ppskit trainees` commands."""

from __future__ import annotations

from pathlib import Path

import typer

from ppskit.cli.common import DbOption, guarded

app = typer.Typer(help="Register trainees.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Path = typer.Argument(
        ...,
        help="CSV: trainee_id,name,birth_date,lived_experience,education,id_verified,"
        "employed_2022_01_01,profile and optionally enrolled_on (blank: today)",
    ),
    by: str = typer.Option("trainer", "--by", help="Who is registering these trainees."),
    errors: Path | None = typer.Option(
        None,
        "--errors",
        help="Write every problem found to this CSV (file,line,column,message); "
        "the report on screen shows the first 100.",
    ),
    db: DbOption = None,
) -> None:
    """Register trainees from a CSV file (all rows or none; ids are not case-sensitive)."""
    from ppskit.imports import import_trainees

    outcome = guarded(import_trainees, file, by=by, db=db, errors_file=errors)
    typer.echo(f"{file}: {outcome.summary('trainees')}")
