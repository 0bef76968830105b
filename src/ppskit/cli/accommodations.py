"""`ppskit accommodations` commands: test accommodation requests and their decisions."""

from __future__ import annotations

from enum import StrEnum

import typer

from ppskit.cli.common import DbOption, guarded, parse_day

app = typer.Typer(
    help="Test accommodation requests: record them (with the profile's lead time), decide.",
    no_args_is_help=True,
)


class Kind(StrEnum):
    extra_time = "extra-time"
    reader = "reader"
    separate_room = "separate-room"
    other = "other"


class Decision(StrEnum):
    approve = "approve"
    deny = "deny"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


_BY = typer.Option("certifying-body", "--by", help="Who records this.")


@app.command("request")
def request(
    trainee_id: str = typer.Argument(..., help="Trainee who asks."),
    kind: Kind = typer.Option(..., "--kind", help="extra-time, reader, separate-room or other."),
    exam_date: str = typer.Option(..., "--exam-date", help="Date of the exam, YYYY-MM-DD."),
    extra_time: float = typer.Option(
        None, "--extra-time", help="Extra time asked, in percent of the standard time."
    ),
    details: str = typer.Option("", "--details", help="What is asked and why (kept private)."),
    received: str = typer.Option(None, "--received", help="Date received (default today)."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Record a request (one received after the profile's lead time is flagged late)."""
    from ppskit.office.accommodation_requests import request_accommodation

    out = guarded(
        request_accommodation,
        trainee_id,
        kind=kind.value,
        exam_date=parse_day(exam_date, "--exam-date"),
        received_on=parse_day(received, "--received"),
        extra_time_pct=extra_time,
        details=details,
        by=by,
        db=db,
    )
    typer.echo(out.message)


@app.command("decide")
def decide(
    request_id: int = typer.Argument(..., help="Request number (ppskit accommodations list)."),
    decision: Decision = typer.Argument(..., help="approve or deny."),
    reason: str = typer.Option(..., "--reason", help="Why (kept with the decision)."),
    on: str = typer.Option(None, "--on", help="Date of the decision (default today)."),
    by: str = _BY,
    db: DbOption = None,
) -> None:
    """Approve or deny a request; approved extra time is what delivery gives the sitting."""
    from ppskit.office.accommodation_requests import decide_request

    out = guarded(
        decide_request,
        request_id,
        decision.value,
        reason=reason,
        on=parse_day(on, "--on"),
        by=by,
        db=db,
    )
    typer.echo(out.message)


@app.command("list")
def list_(
    pending: bool = typer.Option(False, "--pending", help="Only requests not decided yet."),
    trainee: str = typer.Option(None, "--trainee", help="Only this trainee's requests."),
    as_of: str = typer.Option(None, "--as-of", help="Date to check on (default today)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, csv or json."),
    db: DbOption = None,
) -> None:
    """List requests with the late flag, the decision and the next action (no details)."""
    from ppskit.office.accommodation_requests import format_requests, list_requests

    lines = guarded(
        list_requests,
        pending_only=pending,
        trainee=trainee,
        as_of=parse_day(as_of, "--as-of"),
        db=db,
    )
    typer.echo(format_requests(lines, fmt.value), nl=False)
