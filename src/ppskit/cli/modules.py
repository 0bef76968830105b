"""`ppskit modules` commands: the module list and a trainee's progress.

Thin shells over :mod:`ppskit.curriculum`; only typer (and the shared ``--db`` option) is
imported at module level, so the CLI starts fast.
"""

from __future__ import annotations

import typer

from ppskit.cli.common import DbOption

app = typer.Typer(
    help="Training modules: list them, and see a trainee's progress.", no_args_is_help=True
)


def register(root: typer.Typer) -> None:
    """Add top-level commands that belong to this group (there are none)."""


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@app.command("list")
def list_() -> None:
    """List the modules and facilitated sessions with the hours each credits, and how the
    hours are computed."""
    from ppskit.curriculum import module_rows, session_rows
    from ppskit.hours_rule import curriculum_hours, hours_totals

    measured = curriculum_hours()
    rows = module_rows(measured=measured)
    body = [
        [
            r["id"],
            r["domain"],
            r["category"],
            "-" if r["words"] is None else f"{r['words']:,}",
            "-" if r["exercises"] is None else str(r["exercises"]),
            f"{r['hours']:g}",
            r["path"] if r["notebook"] else f"{r['path']} (missing)",
        ]
        for r in rows
    ]
    typer.echo("Modules (self-study; the trainee records the hours, a trainer verifies them)")
    typer.echo(
        _table(
            ["module", "domain/specialty", "counts as", "words", "exercises", "hours", "notebook"],
            body,
        )
    )
    sessions = session_rows()
    if sessions:
        typer.echo("\nFacilitated sessions (a trainer runs them and records the hours)")
        typer.echo(
            _table(
                ["session", "domain/specialty", "counts as", "minutes", "hours", "skill check"],
                [
                    [
                        s["id"],
                        s["topic"],
                        s["category"],
                        str(s["minutes"]),
                        f"{s['hours']:g}",
                        "yes" if s["skill_check"] else "no",
                    ]
                    for s in sessions
                ],
            )
        )
    typer.echo("")
    for line in hours_totals(measured):
        typer.echo(line)


@app.command("format")
def format_() -> None:
    """Maintainers: put every module notebook in the trainee format (code hidden, Start
    button instructions) and store each module's hours from the hours rule."""
    from ppskit.curriculum import format_notebooks
    from ppskit.hours_rule import write_hours

    changed = format_notebooks()
    hours = write_hours()
    typer.echo(f"{len(changed)} notebooks formatted; hours changed: {len(hours)}.")
    for line in hours:
        typer.echo(f"  {line}")


@app.command("progress")
def progress(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    db: DbOption = None,
) -> None:
    """Show which exercises a trainee has finished in each module, their module hours and
    the active time measured in each module (what a trainer compares before verifying)."""
    from ppskit.curriculum import progress_rows

    try:
        rows = progress_rows(trainee_id, db=db)
    except Exception as exc:  # a database that cannot be opened: say so plainly
        typer.secho(
            f"Could not read the progress of {trainee_id}: {exc}", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(1) from None
    body = []
    for r in rows:
        if r["hours_entry"] is None:
            hours = "not recorded"
        else:
            state = "verified" if r["verified"] else "waiting for a trainer to verify"
            hours = f"recorded (entry {r['hours_entry']}), {state}"
        exercises = f"{r['done']} of {r['total']}" if r["total"] else "no exercises"
        active = "-" if r["active_minutes"] is None else f"{r['active_minutes']:g} min"
        body.append(
            [
                r["id"],
                exercises,
                "yes" if r["complete"] else "no",
                f"{r['hours']:g} {r['category']}",
                active,
                hours,
            ]
        )
    typer.echo(f"Progress of trainee {trainee_id}")
    header = ["module", "exercises", "complete", "hours", "active time", "module hours"]
    typer.echo(_table(header, body))
    complete = sum(r["complete"] for r in rows)
    recorded = sum(r["hours_entry"] is not None for r in rows)
    verified = sum(r["verified"] for r in rows)
    typer.echo(
        f"\n{complete} of {len(rows)} modules complete; hours recorded for {recorded}, "
        f"verified for {verified}."
    )
