"""Shared CLI helpers: the --db option, date parsing and friendly error output."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="PPSKIT_DB",
        help="Database URL (SQLAlchemy). Default: sqlite:///gradebook/ppskit.db",
        show_envvar=True,
    ),
]


def parse_day(value: str | None, what: str = "date") -> date | None:
    """``YYYY-MM-DD`` -> date, or exit with a plain message."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{what} '{value}' is not a date; write it as YYYY-MM-DD.")
    return None  # unreachable


def fail(message: str, code: int = 1) -> None:
    """Print a plain error to stderr and exit."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def guarded(fn: Callable, *args, **kwargs):  # noqa: ANN201
    """Run a library call; turn rule refusals into a plain report and exit code 1."""
    from ppskit.db import LedgerNotFound
    from ppskit.imports import ImportRejected

    try:
        return fn(*args, **kwargs)
    except ImportRejected as exc:
        fail(exc.report())
    except LedgerNotFound as exc:
        fail(str(exc))
    except KeyError as exc:
        fail(str(exc.args[0]) if exc.args else "not found")


def run_import(fn: Callable, file, *, by: str, db: str | None, what: str = "rows") -> None:  # noqa: ANN001
    """Run an all-or-nothing import and print its summary."""
    outcome = guarded(fn, file, by=by, db=db)
    typer.echo(f"{file}: {outcome.summary(what)}")
