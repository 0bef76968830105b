"""The ``ppskit`` command line: thin typer shells over library functions.

Only typer and the standard library are imported at module level so that commands that
don't grade start fast; each command imports what it needs when it runs.
"""

from __future__ import annotations

import typer

from ppskit.cli import exam, hours, modules, report, tracker, trainees

app = typer.Typer(
    name="ppskit",
    help="Train, examine and certify Parent Peer Support Specialists.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(trainees.app, name="trainees")
app.add_typer(hours.app, name="hours")
app.add_typer(exam.app, name="exam")
app.add_typer(modules.app, name="modules")
app.add_typer(report.app, name="report")
tracker.register(app)
report.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
