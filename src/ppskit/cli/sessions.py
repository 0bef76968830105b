"""`ppskit sessions`: the facilitated session guides, recording a session and its skill
check, and a trainee's skill checks."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from ppskit.cli.common import DbOption, fail, guarded, parse_day

app = typer.Typer(
    help="Facilitated sessions: list the guides, print one, record a session and its "
    "skill check, show a trainee's checks.",
    no_args_is_help=True,
)


class GuideFormat(StrEnum):
    md = "md"
    html = "html"


def _load(guide_id: str):  # noqa: ANN202
    from ppskit.sessions import GuideError, load_guide

    try:
        return load_guide(guide_id)
    except GuideError as exc:
        fail(f"{exc} (ppskit sessions list shows the guides)")
    return None  # unreachable


def _table(rows: list[list[str]], head: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines) + "\n"


@app.command("list")
def list_() -> None:
    """The session guides: id, kind, topic, credited hours, and whether a skill check."""
    from ppskit.sessions import available_guides
    from ppskit.sessions.records import credited_hours

    rows = []
    for gid in available_guides():
        g = _load(gid)
        rows.append(
            [g.id, g.kind, g.topic, f"{credited_hours(g):g}", "yes" if g.skill_check else "no"]
        )
    if not rows:
        typer.echo("No session guides are installed.")
        return
    typer.echo(_table(rows, ["guide", "kind", "topic", "hours", "skill check"]), nl=False)


@app.command("guide")
def guide(
    guide_id: str = typer.Argument(..., help="Guide id (see ppskit sessions list)."),
    fmt: GuideFormat = typer.Option(GuideFormat.md, "--format", help="md or html."),
    out: Path = typer.Option(None, "--out", help="Write to this file instead of the screen."),
) -> None:
    """Print a guide for the facilitator: agenda with clock, scripts, rubric, score sheet."""
    from ppskit.sessions.render import render

    text = render(_load(guide_id), fmt.value)
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"Could not write {out}: {exc.strerror or exc}.")
    typer.echo(f"Wrote {out} ({fmt.value}).")


def _scores(values: list[str]) -> dict[str, int] | None:
    if not values:
        return None
    scores: dict[str, int] = {}
    for value in values:
        name, sep, level = value.partition("=")
        name, level = name.strip(), level.strip()
        if not sep or not name or not level.isdigit():
            fail(f"--score '{value}' is not CRITERION=LEVEL, for example --score listening=2.")
        if name in scores:
            fail(f"--score gives {name} twice; give each criterion once.")
        scores[name] = int(level)
    return scores


@app.command("record")
def record(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    guide_id: str = typer.Argument(..., help="Guide id of the session run."),
    day: str = typer.Option(..., "--date", help="Date of the session, YYYY-MM-DD."),
    facilitator: str = typer.Option(
        ..., "--facilitator", help="Who ran the session and observed the skill check."
    ),
    score: list[str] = typer.Option(
        [], "--score", help="CRITERION=LEVEL (1-3), once per rubric criterion."
    ),
    hours: float = typer.Option(
        None, "--hours", help="Fewer hours than the guide's, for part attendance (with --reason)."
    ),
    reason: str = typer.Option("", "--reason", help="Why fewer hours (what was missed)."),
    observer: str = typer.Option(
        None, "--observer", help="Who scored the skill check, if not the facilitator."
    ),
    by: str = typer.Option("trainer", "--by", help="Who records this."),
    db: DbOption = None,
) -> None:
    """Record a session's hours and its scored skill check (both or nothing)."""
    from ppskit.sessions.records import record_session

    out = guarded(
        record_session,
        trainee_id,
        guide_id,
        on=parse_day(day, "--date"),
        facilitator=facilitator,
        scores=_scores(score),
        hours=hours,
        reason=reason,
        observer=observer,
        by=by,
        db=db,
    )
    typer.echo(out.message)


@app.command("checks")
def checks(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    db: DbOption = None,
) -> None:
    """The skill checks recorded for a trainee, with their levels and verdict."""
    from ppskit.sessions.records import skill_check_rows

    rows = guarded(skill_check_rows, trainee_id, db=db)
    if not rows:
        typer.echo(f"No skill checks are recorded for {trainee_id}.")
        return
    table = [
        [
            str(r["on_date"]),
            r["guide_id"],
            "voided" if r["hours"] is None else f"{r['hours']:g}",
            f"{r['total']}/{r['out_of']}",
            "passed" if r["passed"] else "not yet",
            r["observer"],
            " ".join(f"{k}={v}" for k, v in r["scores"].items()),
        ]
        for r in rows
    ]
    typer.echo(
        _table(table, ["date", "guide", "hours", "total", "result", "observer", "levels"]),
        nl=False,
    )
