"""`ppskit complaints` commands: the certifying body's complaint process."""

from __future__ import annotations

from enum import StrEnum

import typer

from ppskit.cli.common import DbOption, guarded, parse_day

app = typer.Typer(
    help="Complaints about a trainee: receive, investigate, find, respond, appeal, close.",
    no_args_is_help=True,
)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Outcome(StrEnum):
    substantiated = "substantiated"
    unsubstantiated = "unsubstantiated"


class Action(StrEnum):
    none = "none"
    corrective = "corrective"
    suspend = "suspend"
    revoke = "revoke"


class Decision(StrEnum):
    upheld = "upheld"
    denied = "denied"


_BY = typer.Option("certifying-body", "--by", help="Who records this step.")
_ON = typer.Option(None, "--on", help="Date of the step, YYYY-MM-DD (default today).")
_NOTE = typer.Option("", "--note", help="What was done or decided (supervisors only).")
_ID = typer.Argument(..., help="Complaint number (see ppskit complaints list).")


@app.command("open")
def open_(
    trainee_id: str = typer.Argument(..., help="Trainee the complaint is about."),
    received: str = typer.Option(..., "--received", help="Date received in writing."),
    event_date: str = typer.Option(..., "--event-date", help="Date of the event complained of."),
    summary: str = typer.Option(..., "--summary", help="What the complaint says (kept private)."),
    complainant: str = typer.Option(
        "", "--complainant", help="Who made the complaint (kept private)."
    ),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record a written complaint (one filed after the profile's window is flagged late)."""
    from ppskit.office.complaints import open_complaint

    out = guarded(
        open_complaint,
        trainee_id,
        received_on=parse_day(received, "--received"),
        event_date=parse_day(event_date, "--event-date"),
        summary=summary,
        complainant=complainant,
        by=by,
        db=db,
    )
    typer.echo(out.message)


@app.command("investigate")
def investigate(
    complaint_id: int = _ID, on: str = _ON, note: str = _NOTE, by: str = _BY, db: DbOption = None
) -> None:
    """Record that the investigation has started."""
    from ppskit.office.complaints import start_investigation

    day = parse_day(on, "--on")
    out = guarded(start_investigation, complaint_id, on=day, by=by, note=note, db=db)
    typer.echo(out.message)


@app.command("findings")
def findings(
    complaint_id: int = _ID,
    outcome: Outcome = typer.Option(..., "--outcome", help="substantiated or unsubstantiated."),
    action: Action = typer.Option(
        ...,
        "--action",
        help="none, corrective, suspend or revoke (suspend/revoke act on the certificate).",
    ),
    on: str = _ON,
    note: str = _NOTE,
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record the findings of the investigation and carry out their action."""
    from ppskit.office.complaints import record_findings

    out = guarded(
        record_findings,
        complaint_id,
        outcome=outcome.value,
        action=action.value,
        on=parse_day(on, "--on"),
        by=by,
        note=note,
        db=db,
    )
    typer.echo(out.message)


@app.command("respond")
def respond(
    complaint_id: int = _ID, on: str = _ON, note: str = _NOTE, by: str = _BY, db: DbOption = None
) -> None:
    """Record the corrective response that corrective findings call for."""
    from ppskit.office.complaints import record_response

    day = parse_day(on, "--on")
    out = guarded(record_response, complaint_id, on=day, by=by, note=note, db=db)
    typer.echo(out.message)


@app.command("appeal")
def appeal(
    complaint_id: int = _ID, on: str = _ON, note: str = _NOTE, by: str = _BY, db: DbOption = None
) -> None:
    """Record an appeal against the findings (within the profile's window)."""
    from ppskit.office.complaints import lodge_appeal

    day = parse_day(on, "--on")
    out = guarded(lodge_appeal, complaint_id, on=day, by=by, note=note, db=db)
    typer.echo(out.message)


@app.command("decide-appeal")
def decide_appeal(
    complaint_id: int = _ID,
    outcome: Decision = typer.Option(..., "--outcome", help="upheld or denied."),
    on: str = _ON,
    note: str = _NOTE,
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record the decision on an appeal (upheld against a suspension reinstates)."""
    from ppskit.office.complaints import decide_appeal as decide

    day = parse_day(on, "--on")
    out = guarded(decide, complaint_id, outcome=outcome.value, on=day, by=by, note=note, db=db)
    typer.echo(out.message)


@app.command("close")
def close(
    complaint_id: int = _ID, on: str = _ON, note: str = _NOTE, by: str = _BY, db: DbOption = None
) -> None:
    """Close a complaint whose findings, response and appeal are settled."""
    from ppskit.office.complaints import close_complaint

    day = parse_day(on, "--on")
    out = guarded(close_complaint, complaint_id, on=day, by=by, note=note, db=db)
    typer.echo(out.message)


@app.command("list")
def list_(
    overdue: bool = typer.Option(False, "--overdue", help="Only complaints past a deadline."),
    as_of: str = typer.Option(None, "--as-of", help="Date to check on (default today)."),
    trainee: str = typer.Option(None, "--trainee", help="Only complaints about this trainee."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    db: DbOption = None,
) -> None:
    """List complaints with their stage, next deadline and next action (no summaries)."""
    from ppskit.office.complaint_output import format_lines
    from ppskit.office.complaints import list_complaints

    lines = guarded(
        list_complaints,
        as_of=parse_day(as_of, "--as-of"),
        overdue_only=overdue,
        trainee=trainee,
        db=db,
    )
    typer.echo(format_lines(lines, fmt.value), nl=False)


@app.command("show")
def show(
    complaint_id: int = _ID,
    as_of: str = typer.Option(None, "--as-of", help="Date to check on (default today)."),
    db: DbOption = None,
) -> None:
    """Show one complaint to a supervisor: summary, complainant and every step."""
    from ppskit.office.complaint_output import format_detail
    from ppskit.office.complaints import complaint_detail

    detail = guarded(complaint_detail, complaint_id, as_of=parse_day(as_of, "--as-of"), db=db)
    typer.echo(format_detail(detail), nl=False)
