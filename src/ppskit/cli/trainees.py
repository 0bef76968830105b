"""`ppskit trainees` commands."""

from __future__ import annotations

from pathlib import Path

import typer

from ppskit.cli.common import DbOption, run_import

app = typer.Typer(help="Register trainees.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Path = typer.Argument(
        ...,
        help="CSV: trainee_id,name,birth_date,lived_experience,education,id_verified,"
        "employed_2022_01_01,profile",
    ),
    by: str = typer.Option("trainer", "--by", help="Who is registering these trainees."),
    db: DbOption = None,
) -> None:
    """Register trainees from a CSV file (all rows or none)."""
    from ppskit.imports import import_trainees

    run_import(import_trainees, file, by=by, db=db, what="trainees")
