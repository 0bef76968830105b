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
    """List the modules: domain (or CE specialty), hours, and whether the notebook exists."""
    from ppskit.curriculum import module_rows

    rows = module_rows()
    body = [
        [
            r["id"],
            r["domain"],
            r["category"],
            f"{r['hours']:g}",
            "-" if r["exercises"] is None else str(r["exercises"]),
            r["path"] if r["notebook"] else f"{r['path']} (missing)",
        ]
        for r in rows
    ]
    typer.echo(
        _table(["module", "domain/specialty", "counts as", "hours", "exercises", "notebook"], body)
    )
    core = sum(r["hours"] for r in rows if r["category"] == "core")
    ce = sum(r["hours"] for r in rows if r["category"] == "ce")
    typer.echo(f"\n{len(rows)} modules: {core:g} core hours, {ce:g} continuing-education hours.")


@app.command("progress")
def progress(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    db: DbOption = None,
) -> None:
    """Show which exercises a trainee has finished in each module, and their module hours."""
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
        body.append(
            [
                r["id"],
                exercises,
                "yes" if r["complete"] else "no",
                f"{r['hours']:g} {r['category']}",
                hours,
            ]
        )
    typer.echo(f"Progress of trainee {trainee_id}")
    typer.echo(_table(["module", "exercises", "complete", "hours", "module hours"], body))
    complete = sum(r["complete"] for r in rows)
    recorded = sum(r["hours_entry"] is not None for r in rows)
    verified = sum(r["verified"] for r in rows)
    typer.echo(
        f"\n{complete} of {len(rows)} modules complete; hours recorded for {recorded}, "
        f"verified for {verified}."
    )
