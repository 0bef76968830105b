"""`ppskit handbook`: the candidate handbook of a profile."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Add the ``handbook`` command to the main app."""

    @app.command("handbook")
    def handbook(
        profile: str = typer.Option("ca-ppss", "--profile", help="Profile id."),
        pdf: bool = typer.Option(False, "--pdf", help="Write a PDF too."),
        out: Path = typer.Option(None, "--out", help="Output file (default handbook-ID.html)."),
    ) -> None:
        """Write the candidate handbook of a profile (every number from the profile)."""
        from ppskit.handbook import write_handbook

        paths = write_handbook(profile, out=out, pdf=pdf)
        for p in paths:
            typer.echo(f"Wrote {p}")
