"""`ppskit report` (trainee transcript, cohort overview, renewals) and the top-level
`certificate`, `verify` and `dashboard` commands.

Nothing heavy is imported at module level: pandas, matplotlib, WeasyPrint, Voila and
Jupyter load only inside the command that needs them.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from ppskit.cli.common import DbOption, fail, parse_day

app = typer.Typer(
    help="Reports for supervisors and certifying bodies (HTML, PDF, CSV, Excel).",
    no_args_is_help=True,
)

COHORT_HELP = (
    "Only trainees who enrolled in this period: a year (2026), a month (2026-11) or a day "
    "(2026-11-23). Default: everyone."
)


def _guard(fn, *args, **kwargs):  # noqa: ANN001, ANN202
    """Run a report function; plain messages instead of tracebacks."""
    from ppskit.db import LedgerNotFound
    from ppskit.reports.render import PdfUnavailable

    try:
        return fn(*args, **kwargs)
    except LedgerNotFound as exc:
        fail(str(exc))
    except (KeyError, ValueError, PdfUnavailable) as exc:
        fail(str(exc.args[0]) if exc.args else str(exc))


@app.command("trainee")
def trainee(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    as_of: str = typer.Option(None, "--as-of", help="Date of the report (default today)."),
    pdf: bool = typer.Option(False, "--pdf", help="Write a PDF instead of HTML."),
    out: Path = typer.Option(
        None, "--out", help="File to write (default under gradebook/reports/)."
    ),
    db: DbOption = None,
) -> None:
    """A trainee's transcript: hours by domain, exam sittings, certificate, CE, next action."""
    from ppskit.reports.render import write_trainee_report

    written = _guard(
        write_trainee_report,
        trainee_id,
        as_of=parse_day(as_of, "--as-of"),
        db=db,
        out=out,
        pdf=pdf,
    )
    typer.echo(written.summary)


@app.command("cohort")
def cohort(
    cohort_name: str = typer.Option(None, "--cohort", help=COHORT_HELP),
    as_of: str = typer.Option(None, "--as-of", help="Date of the report (default today)."),
    out_dir: Path = typer.Option(
        None, "--out-dir", help="Folder for the files (default gradebook/reports/)."
    ),
    pdf: bool = typer.Option(False, "--pdf", help="Also write a PDF."),
    csv: bool = typer.Option(False, "--csv", help="Also write one CSV row per trainee."),
    excel: bool = typer.Option(False, "--excel", help="Also write an Excel workbook."),
    db: DbOption = None,
) -> None:
    """Cohort overview: stages, hours by domain, exam pass rates, who needs action."""
    from ppskit.reports.render import write_cohort_report

    written = _guard(
        write_cohort_report,
        cohort=cohort_name,
        as_of=parse_day(as_of, "--as-of"),
        db=db,
        out_dir=out_dir,
        pdf=pdf,
        csv=csv,
        excel=excel,
    )
    typer.echo(written.summary)
    for path in written.paths[1:]:
        typer.echo(f"  also: {path}")


class RenewalFormat(StrEnum):
    table = "table"
    csv = "csv"
    html = "html"


@app.command("renewals")
def renewals(
    within: int = typer.Option(..., "--within", help="Days ahead to look, e.g. 90 (0 to 36500)."),
    as_of: str = typer.Option(None, "--as-of", help="Date to count from (default today)."),
    fmt: RenewalFormat = typer.Option(RenewalFormat.table, "--format", help="table, csv or html."),
    out: Path = typer.Option(
        None,
        "--out",
        help="Write to this file instead of the screen (a CSV file has formula-like "
        "text written as text, safe to open in a spreadsheet).",
    ),
    db: DbOption = None,
) -> None:
    """Certificates expiring within DAYS, with each holder's CE shortfall."""
    from ppskit.reports.render import page, renewals_html, renewals_report
    from ppskit.reports.safe_export import csv_text

    table, day = _guard(renewals_report, within, as_of=parse_day(as_of, "--as-of"), db=db)
    if fmt == RenewalFormat.csv:
        # As with 'ppskit status': raw data on the screen for pipes, defused in a file
        # a supervisor opens in a spreadsheet.
        text = csv_text(table) if out else table.to_csv(index=False, lineterminator="\n")
    elif fmt == RenewalFormat.html:
        text = page("Renewals", renewals_html(table, as_of=day, within=within))
    else:
        text = _renewals_table(table, day, within)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        typer.echo(f"{len(table)} certificates expiring within {within} days: {out}")
    else:
        typer.echo(text, nl=False)


def _renewals_table(table, day, within: int) -> str:  # noqa: ANN001
    import io

    from rich.console import Console
    from rich.table import Table

    if table.empty:
        return f"No current certificate expires within {within} days of {day}.\n"
    t = Table(title=f"Certificates expiring within {within} days of {day}", header_style="bold")
    for col in ("trainee", "name", "expires", "days left", "CE hours", "shortfall"):
        t.add_column(col)
    for r in table.itertuples(index=False):
        t.add_row(
            r.trainee_id,
            r.name,
            r.expires_on,
            str(r.days_left),
            f"{r.ce_hours:g} of {r.ce_required:g}",
            f"{r.ce_shortfall:g}" if r.ce_shortfall > 0 else "none",
        )
    console = Console(file=io.StringIO(), width=120, force_terminal=False)
    console.print(t)
    return console.file.getvalue()


def certificate(
    trainee_id: str = typer.Argument(..., help="Trainee id."),
    out: Path = typer.Option(None, "--out", help="PDF file (default under gradebook/reports/)."),
    as_of: str = typer.Option(None, "--as-of", help="Date to check the certificate on."),
    db: DbOption = None,
) -> None:
    """Print a trainee's certificate as a PDF (only while it is in force)."""
    from ppskit.reports.certificate import write_certificate

    written = _guard(write_certificate, trainee_id, out=out, as_of=parse_day(as_of), db=db)
    typer.echo(written.summary)


def verify(
    code: str = typer.Argument(..., help="Verification code printed on the certificate."),
    as_of: str = typer.Option(None, "--as-of", help="Date to check on (default today)."),
    db: DbOption = None,
) -> None:
    """Check a certificate's verification code. Exit code 0 only for the code of the
    certificate in force (VALID); REPLACED, EXPIRED, SUSPENDED and REVOKED exit 1."""
    from ppskit.reports.certificate import verify_code

    result = _guard(verify_code, code, as_of=parse_day(as_of, "--as-of"), db=db)
    typer.echo(result.message)
    if not result.valid:
        raise typer.Exit(1)


def dashboard(
    port: int = typer.Option(8866, "--port", help="Port on this computer (127.0.0.1)."),
    token: str = typer.Option(
        None,
        "--token",
        envvar="PPSKIT_DASHBOARD_TOKEN",
        show_envvar=True,
        help="Token visitors must bring (default: a new random one each start). Prefer the "
        "environment variable: other users of the computer can see command lines.",
    ),
    db: DbOption = None,
) -> None:
    """Start the read-only supervisor dashboard (Voila) and print its address with the
    token a visitor needs."""
    from ppskit.reports.serve import run_dashboard

    _guard(run_dashboard, port=port, db=db, token=token, echo=typer.echo)


def register(root: typer.Typer) -> None:
    """Add the top-level commands that belong to reporting."""
    root.command("certificate")(certificate)
    root.command("verify")(verify)
    root.command("dashboard")(dashboard)
