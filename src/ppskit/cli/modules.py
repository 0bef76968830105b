"""`ppskit modules` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="modules", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add top-level commands that belong to this group (none yet)."""
