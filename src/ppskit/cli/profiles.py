"""`ppskit profiles` commands: the certifying bodies' rulebooks and what is unverified."""

from __future__ import annotations

import typer

app = typer.Typer(help="Certifying bodies' profiles: list them, review them.", no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """Every packaged profile with its certifying body."""
    from ppskit.policies import available_profiles, load_policy

    for pid in available_profiles():
        p = load_policy(pid)
        typer.echo(f"{pid:<16} {p.name}")


@app.command("unverified")
def unverified(
    profile: str = typer.Option(None, "--profile", help="One profile (default: all)."),
) -> None:
    """Values the public sources did not confirm, each with the source used."""
    from ppskit.cli.common import fail
    from ppskit.policies import available_profiles, load_policy
    from ppskit.policies.review import unverified_values

    ids = [profile] if profile else available_profiles()
    for pid in ids:
        try:
            items = unverified_values(load_policy(pid))
        except KeyError as exc:
            fail(str(exc.args[0]))
        typer.echo(f"{pid}: {len(items)} unverified")
        for u in items:
            typer.echo(f"  {u.where} = {u.value}\n      source used: {u.reference or '(none)'}")
