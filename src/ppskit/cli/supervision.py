"""`ppskit supervisors` (the registry) and `ppskit supervision` (sessions and flags)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from ppskit.cli.common import DbOption, fail, guarded, parse_day

supervisors_app = typer.Typer(
    help="The supervisor registry: add supervisors, record what they hold, list them.",
    no_args_is_help=True,
)
supervision_app = typer.Typer(
    help="Supervision sessions (hours that name their supervisor) and who needs supervision.",
    no_args_is_help=True,
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


_BY = typer.Option("certifying-body", "--by", help="Who records this.")
_SUPERVISOR = typer.Argument(..., help="Supervisor id (see ppskit supervisors list).")
_AS_OF = typer.Option(None, "--as-of", help="Date to check on, YYYY-MM-DD (default today).")
_FORMAT = typer.Option(Format.table, "--format", help="table, csv or json.")


def _yes_no(value: str | None, what: str) -> bool | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("yes", "y", "true", "1"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    fail(f"{what} '{value}' is not yes or no.")
    return None  # unreachable


@supervisors_app.command("add")
def add(
    supervisor_id: str = typer.Argument(..., help="A short id for the supervisor."),
    name: str = typer.Option(..., "--name", help="The supervisor's name."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Register a supervisor."""
    from ppskit.office.supervision import add_supervisor

    typer.echo(guarded(add_supervisor, supervisor_id, name=name, by=by, db=db).message)


@supervisors_app.command("qualify")
def qualify(
    supervisor_id: str = _SUPERVISOR,
    on: str = typer.Option(None, "--on", help="Date this holds from, YYYY-MM-DD (default today)."),
    lived_experience: str = typer.Option(
        None,
        "--lived-experience",
        help="yes/no: a parent whose child was served by the public children's system.",
    ),
    ppss_years: float = typer.Option(
        None, "--ppss-years", help="Years as a Parent Peer Support Specialist on that date."
    ),
    managing: str = typer.Option(None, "--managing", help="yes/no: experience managing others."),
    licence: str = typer.Option(None, "--licence", help="Licence kind, e.g. lcsw."),
    licence_number: str = typer.Option(None, "--licence-number", help="Licence number."),
    licence_expires: str = typer.Option(None, "--licence-expires", help="Licence expiry date."),
    course_done: bool = typer.Option(
        False, "--course-done", help="The supervisor course was completed on that date."
    ),
    note: str = typer.Option("", "--note", help="Where this was checked (free text)."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record what a supervisor holds (one dated row each; a new row corrects one)."""
    from datetime import date

    from ppskit.office.supervision import qualify_supervisor

    out = guarded(
        qualify_supervisor,
        supervisor_id,
        on=parse_day(on, "--on") or date.today(),
        lived_experience=_yes_no(lived_experience, "--lived-experience"),
        ppss_years=ppss_years,
        managing=_yes_no(managing, "--managing"),
        licence_kind=licence,
        licence_number=licence_number,
        licence_expires=parse_day(licence_expires, "--licence-expires"),
        course_done=course_done,
        note=note,
        by=by,
        db=db,
    )
    typer.echo(out.message)


@supervisors_app.command("list")
def list_(as_of: str = _AS_OF, fmt: Format = _FORMAT, db: DbOption = None) -> None:
    """List supervisors, what they hold and the profiles they qualify under."""
    from ppskit.office.supervision import SUPERVISOR_COLUMNS, format_rows, list_supervisors

    rows = guarded(list_supervisors, as_of=parse_day(as_of, "--as-of"), db=db)
    typer.echo(format_rows(rows, SUPERVISOR_COLUMNS, fmt.value), nl=False)


@supervision_app.command("log")
def log(
    trainee_id: str = typer.Argument(..., help="Trainee id of the specialist supervised."),
    supervisor: str = typer.Option(..., "--supervisor", help="Supervisor id."),
    day: str = typer.Option(..., "--date", help="Date of the supervision, YYYY-MM-DD."),
    hours: str = typer.Option(..., "--hours", help="Hours (more than 0, at most 24)."),
    verified: str = typer.Option("yes", "--verified", help="no if it still needs checking."),
    note: str = typer.Option("", "--note", help="Free text."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Log one supervision session (a supervision hours entry naming its supervisor)."""
    from ppskit.office.supervision import log_supervision

    out = guarded(
        log_supervision,
        trainee_id,
        supervisor_id=supervisor,
        on=parse_day(day, "--date"),
        hours=hours,
        verified=bool(_yes_no(verified, "--verified")),
        note=note,
        by=by,
        db=db,
    )
    typer.echo(out.message)


@supervision_app.command("import")
def import_(
    file: Path = typer.Argument(
        ..., help="CSV: trainee_id,date,hours,category,topic,source,verified,note[,supervisor_id]"
    ),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Import hours with an optional supervisor_id column (all rows or none)."""
    from ppskit.office.supervision import import_supervision

    typer.echo(guarded(import_supervision, file, by=by, db=db).message)


@supervision_app.command("flags")
def flags(as_of: str = _AS_OF, fmt: Format = _FORMAT, db: DbOption = None) -> None:
    """Specialists whose supervision is ok, missing, lapsed or by an unqualified supervisor."""
    from ppskit.office.supervision import FLAG_COLUMNS, format_rows, supervision_flags

    df = guarded(supervision_flags, parse_day(as_of, "--as-of"), db)
    typer.echo(format_rows(df, FLAG_COLUMNS, fmt.value), nl=False)
