"""`ppskit workspace` commands: the trainee's JupyterLab set-up.

A thin shell over :mod:`ppskit.workspace`."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(
    help="The trainee workspace (JupyterLab settings for parents).", no_args_is_help=True
)


def register(root: typer.Typer) -> None:
    """Add top-level commands that belong to this group (there are none)."""


@app.command("install")
def install(
    home: Path = typer.Option(
        None, "--home", help="Home folder to set up (default: yours); /etc/skel for new accounts."
    ),
    modules: Path = typer.Option(
        None, "--modules", help="A folder of module notebooks to copy into the home's modules/."
    ),
) -> None:
    """Write the trainee workspace: no news pop-ups, a Start button, an Exams menu,
    nbgrader's instructor tools off, and friendly module cells."""
    from ppskit.workspace import install as do_install

    written = do_install(home, modules=modules)
    typer.echo(f"Trainee workspace written ({len(written)} files):")
    for path in written:
        typer.echo(f"  {path}")
    typer.echo("Restart the trainee's JupyterLab (or their hub server) to use it.")
