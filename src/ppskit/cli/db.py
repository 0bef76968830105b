"""`ppskit db` commands: schema upgrades and PostgreSQL grants, run with the owner's URL."""

from __future__ import annotations

import typer

from ppskit.cli.common import DbOption, fail

app = typer.Typer(
    help="Ledger database: upgrade the schema, grant the app role.", no_args_is_help=True
)


@app.command("upgrade")
def upgrade(db: DbOption = None) -> None:
    """Create or migrate the ledger schema to the newest revision (run as the owner)."""
    from ppskit.db import get_engine, resolve_url
    from ppskit.ledger.migrate import current_revision

    engine = get_engine(db)
    typer.echo(f"The ledger at {resolve_url(db)} is at schema revision {current_revision(engine)}.")


@app.command("grant")
def grant(
    role: str = typer.Argument(..., help="The role ppskit connects as, e.g. ppskit_app."),
    db: DbOption = None,
) -> None:
    """Give ROLE only SELECT and INSERT on the ledger (PostgreSQL; run as the owner)."""
    from ppskit.db import get_engine
    from ppskit.ledger.roles import grant_app_role

    try:
        grant_app_role(get_engine(db), role)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(
        f"'{role}' may now only read and append to the ledger (SELECT, INSERT); it cannot "
        "update, delete, truncate or disable the append-only triggers."
    )
