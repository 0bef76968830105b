"""`ppskit facts` commands."""

from __future__ import annotations

from pathlib import Path

import typer

from ppskit.cli.common import DbOption, run_import

app = typer.Typer(help="Record dated yes/no facts that profiles' rules read.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="CSV: trainee_id,date,fact,value,note"),
    by: str = typer.Option("trainer", "--by", help="Who is recording these facts."),
    db: DbOption = None,
) -> None:
    """Import dated facts (code-of-ethics, employed-in-system, ...) from a CSV file (all
    rows or none)."""
    from ppskit.facts import import_facts

    run_import(import_facts, file, by=by, db=db, what="facts")
