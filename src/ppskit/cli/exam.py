"""`ppskit exam` commands.

``record`` (tracker import) lives here beside the nbgrader pipeline commands; every
command is a thin shell over one library function, imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ppskit.cli.common import DbOption, run_import

app = typer.Typer(
    help="Exams: record results, build, grade, retakes, item analysis.", no_args_is_help=True
)


@app.command("record")
def record(
    file: Path = typer.Argument(..., help="CSV: trainee_id,date,form,section,score_pct"),
    by: str = typer.Option("trainer", "--by", help="Who is recording these results."),
    db: DbOption = None,
) -> None:
    """Record exam section scores from a CSV file (all rows or none)."""
    from ppskit.imports import import_exam_results

    run_import(import_exam_results, file, by=by, db=db)


# --- nbgrader pipeline commands (build, grade, results, retake, feedback, analyze) below ---
