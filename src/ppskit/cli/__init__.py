"""The ``ppskit`` command line: thin typer shells over library functions.

Only typer and the standard library are imported at module level so that commands that
don't grade start fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import typer

from ppskit.cli import (
    accommodations,
    applications,
    audit,
    complaints,
    db,
    doctor,
    exam,
    facts,
    fees,
    handbook,
    hours,
    hub,
    modules,
    notices,
    profiles,
    replacement,
    report,
    sessions,
    supervision,
    tracker,
    trainees,
    workspace,
)

app = typer.Typer(
    name="ppskit",
    help="Train, examine and certify Parent Peer Support Specialists.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(trainees.app, name="trainees")
app.add_typer(hours.app, name="hours")
app.add_typer(facts.app, name="facts")
app.add_typer(exam.app, name="exam")
app.add_typer(modules.app, name="modules")
app.add_typer(report.app, name="report")
app.add_typer(db.app, name="db")
app.add_typer(profiles.app, name="profiles")
app.add_typer(complaints.app, name="complaints")
app.add_typer(notices.app, name="notices")
app.add_typer(applications.app, name="applications")
app.add_typer(supervision.supervisors_app, name="supervisors")
app.add_typer(supervision.supervision_app, name="supervision")
app.add_typer(accommodations.app, name="accommodations")
app.add_typer(fees.app, name="fees")
app.add_typer(audit.app, name="audit")
app.add_typer(sessions.app, name="sessions")
app.add_typer(workspace.app, name="workspace")
app.add_typer(hub.app, name="hub")
tracker.register(app)
report.register(app)
handbook.register(app)
doctor.register(app)
replacement.register(app)


def main() -> None:
    """Console-script entry point."""
    from ppskit.db import LedgerNotFound
    from ppskit.ledger.migrate import SchemaOutOfDate

    try:
        app()
    # A read-only command on a missing ledger, or an app role meeting an older schema:
    # say what to do instead of a traceback, whichever command met it.
    except (LedgerNotFound, SchemaOutOfDate) as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise SystemExit(1) from None
