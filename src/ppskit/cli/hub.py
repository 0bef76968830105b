"""`ppskit hub`: trainees on JupyterHub (accounts, the hub's services, its config).

Thin shells over :mod:`ppskit.hub`; jupyterhub and tornado load only inside the
service commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ppskit.cli.common import DbOption, fail, guarded

app = typer.Typer(
    help="Run ppskit on JupyterHub: link hub accounts to trainees, start the hub's "
    "services, write its configuration.",
    no_args_is_help=True,
)


@app.command("link")
def link(
    account: str = typer.Argument(..., help="The hub user name the trainee signs in with."),
    trainee_id: str = typer.Argument(..., help="The trainee id registered in the ledger."),
    by: str = typer.Option(..., "--by", help="Who records the link (your name)."),
    db: DbOption = None,
) -> None:
    """Link a hub account to a trainee (needed only when the names differ)."""
    from ppskit.hub.accounts import link_account

    try:
        typer.echo(guarded(link_account, account, trainee_id, by=by, db=db))
    except ValueError as exc:
        fail(str(exc))


@app.command("accounts")
def accounts(db: DbOption = None) -> None:
    """List the hub accounts linked to trainees."""
    from ppskit.hub.accounts import current_links

    links = guarded(current_links, db=db)
    if not links:
        typer.echo("No hub accounts are linked.")
    else:
        width = max(len("account"), *(len(link.account) for link in links))
        typer.echo(f"{'account':<{width}}  trainee  recorded by (when)")
        for link in links:
            when = link.recorded_at.strftime("%Y-%m-%d %H:%M") if link.recorded_at else ""
            typer.echo(f"{link.account:<{width}}  {link.trainee_id}  {link.recorded_by} ({when})")
    typer.echo("A hub account named like a registered trainee id is that trainee without a link.")


@app.command("progress-service")
def progress_service(
    port: int = typer.Option(
        None, "--port", help="Port (default: the one in $JUPYTERHUB_SERVICE_URL)."
    ),
    db: DbOption = None,
) -> None:
    """Run the progress service (JupyterHub starts it; see docs/jupyterhub.md)."""
    from ppskit.hub.service import run_progress_service

    guarded(run_progress_service, db=db, port=port)


@app.command("dashboard-service")
def dashboard_service(
    port: int = typer.Option(
        None, "--port", help="Port (default: the one in $JUPYTERHUB_SERVICE_URL)."
    ),
    db: DbOption = None,
) -> None:
    """Run the supervisor dashboard behind the hub's sign-in (JupyterHub starts it)."""
    from ppskit.hub.dashboard_service import run_dashboard_service

    try:
        guarded(run_dashboard_service, db=db, port=port)
    except ValueError as exc:
        fail(str(exc))


@app.command("config")
def config(
    course: Path = typer.Option(..., "--course", help="The course folder (nbgrader_config.py)."),
    db: str = typer.Option(
        ..., "--db", help="The ledger's URL for the services (the app role's on PostgreSQL)."
    ),
    out: Path = typer.Option(
        Path("jupyterhub_config.py"), "--out", help="File to write (mode 0600)."
    ),
    trainee: list[str] = typer.Option(
        None, "--trainee", help="A trainee's hub account (repeat for each)."
    ),
    trainer: list[str] = typer.Option(
        None, "--trainer", help="A trainer's hub account (repeat for each)."
    ),
    bind_url: str = typer.Option(
        "http://127.0.0.1:8000", "--bind-url", help="Where the hub's proxy listens."
    ),
    progress_url: str = typer.Option(
        None,
        "--progress-url",
        help="Where trainees' kernels reach the progress service (default: on this machine).",
    ),
) -> None:
    """Write a jupyterhub_config.py with ppskit's services, roles and spawner settings."""
    from ppskit.hub.config import write_config

    try:
        written = write_config(
            out,
            course=course,
            db=db,
            trainees=trainee,
            trainers=trainer,
            bind_url=bind_url,
            progress_url=progress_url,
        )
    except ValueError as exc:
        fail(str(exc))
    typer.echo(
        f"Wrote {written} (readable by you only: it holds the ledger's URL). Start the hub "
        f"with: jupyterhub -f {written}"
    )
