"""`ppskit doctor`: check a course directory's permissions and the install; exit 1 on a problem."""

from __future__ import annotations

from pathlib import Path

import typer

from ppskit.cli.common import DbOption

_STYLE = {"ok": "green", "warning": "yellow", "problem": "bold red"}


def register(app: typer.Typer) -> None:
    """Add ``doctor`` to the top-level app."""
    app.command("doctor")(doctor)


def doctor(
    course: Path = typer.Option(
        None,
        "--course",
        help="The course directory (the folder with nbgrader_config.py). Default: the one "
        "holding the current folder.",
    ),
    db: DbOption = None,
    fix: bool = typer.Option(
        False,
        "--fix",
        help="Apply the safe permission fixes (only ever removes other users' access), then "
        "check again.",
    ),
) -> None:
    """Check who can read the course directory, nbgrader's exchange, the install, the
    Jupyter kernel, the ledger and the timezone: the facts a trainer most often gets wrong."""
    from ppskit.doctor import doctor as run

    report = run(course, db, fix=fix)
    typer.echo(_table(report))
    for line in report.changed:
        typer.echo(f"Fixed: {line}")
    problems = len(report.problems)
    if problems:
        where = f" (run the fixes from {report.course})" if report.course else ""
        typer.secho(
            f"{problems} problem{'s' if problems > 1 else ''} to fix{where}.",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(1)
    warnings = sum(r.status == "warning" for r in report.results)
    typer.echo(f"No problems found{f' ({warnings} warnings to read)' if warnings else ''}.")


def _table(report) -> str:  # noqa: ANN001
    import io

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    title = f"ppskit doctor: {report.course}" if report.course else "ppskit doctor"
    table = Table(title=title, header_style="bold", show_lines=True)
    table.add_column("result")
    table.add_column("check")
    table.add_column("what was found", overflow="fold", ratio=3)
    table.add_column("fix", overflow="fold", ratio=2)
    for r in report.results:
        # Text, not markup: a path or URL in brackets must print as it is.
        table.add_row(Text(r.status, style=_STYLE[r.status]), r.check, Text(r.message), Text(r.fix))
    console = Console(file=io.StringIO(), width=150, force_terminal=False)
    console.print(table)
    return console.file.getvalue()
