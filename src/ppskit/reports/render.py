"""Turn report data into files: self-contained HTML, PDF (WeasyPrint renders the same
HTML, so the two always agree), CSV and Excel (text cells written as text, never as
formulas: :mod:`ppskit.reports.safe_export`).

The ``write_*`` functions are what the CLI and ``ppskit demo`` call; the ``*_html``
functions return page fragments the dashboard reuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path

import pandas as pd

from ppskit.framework import load_framework
from ppskit.policies import load_policy
from ppskit.reports import charts
from ppskit.reports.data import (
    CohortReport,
    Snapshot,
    TraineeReport,
    check_within,
    cohort_report,
    load_snapshot,
    renewals,
    trainee_report,
)
from ppskit.reports.safe_export import excel_writer, write_csv

#: Rows of a list shown in an HTML/PDF page; the CSV and Excel exports hold every row.
MAX_HTML_ROWS = 300


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango library it draws text with) is not installed."""


@cache
def _env():  # noqa: ANN202
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("ppskit.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def report_css() -> str:
    """The stylesheet shared by reports and the dashboard."""
    return files("ppskit.reports").joinpath("templates/report.css").read_text(encoding="utf-8")


def _num(x: float) -> str:
    return f"{round(float(x), 2):g}"


def _day(v) -> str:  # noqa: ANN001
    if v is None or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    return v.isoformat() if isinstance(v, date) else str(v)


def _generated() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M")


def page(title: str, body: str) -> str:
    """A complete, self-contained HTML page around a report fragment."""
    return _env().get_template("page.html").render(title=title, css=report_css(), body=body)


# --------------------------------------------------------------------------- trainee


def exam_sentence(series, policy=None) -> str:  # noqa: ANN001
    """The exam series in plain words, with the profile's section names rather than ids."""
    policy = policy or load_policy()
    n = series.sittings
    if series.exam == "passed":
        return (
            f"Exam passed on {_day(series.passed_on)} "
            f"after {n} sitting{'s' if n != 1 else ''} in this series."
        )
    if series.exam == "retake-open":
        failed = ", ".join(policy.section_label(x) for x in series.failed_sections)
        return (
            f"Sections still to pass: {failed}. Retake them by {_day(series.retake_by)} "
            f"(sitting {n + 1} of {series.max_sittings}); a retake uses another form."
        )
    return series.message


def trainee_html(rep: TraineeReport, dpi: int = 110) -> str:
    """The transcript as an HTML fragment (charts embedded as PNG)."""
    s, p = rep.status, rep.policy
    hours = [
        {
            "name": r.name,
            "planned": _num(r.planned),
            "verified": _num(r.verified),
            "verified_num": r.verified,
            "self_reported": _num(r.self_reported),
        }
        for r in rep.hours.itertuples()
    ]
    pics = {
        "hours": charts.to_data_uri(
            charts.trainee_hours_chart(
                rep.hours, p.training.minimum_core_hours, rep.verified_total
            ),
            dpi,
        )
    }
    keys = []
    rows = []
    if not rep.sittings.empty:
        sit = rep.sittings
        keys = list(dict.fromkeys(zip(sit["date"], sit["form"], strict=True)))
        by = {
            (d, f, sec): (sc, ok)
            for d, f, sec, sc, ok in zip(
                sit["date"],
                sit["form"],
                sit["section"],
                sit["score_pct"],
                sit["passed"],
                strict=True,
            )
        }
        # The trainee's profile's sections, in its order, by its labels.
        for sid in p.sections:
            cells = []
            for day, form in keys:
                hit = by.get((day, form, sid))
                cells.append({"score": _num(hit[0]), "passed": bool(hit[1])} if hit else None)
            if any(cells):
                rows.append({"name": p.section_label(sid), "cells": cells})
        pics["scores"] = charts.to_data_uri(
            charts.section_scores_chart(sit, p.exam.section_pass_pct), dpi
        )
    certs = [
        {
            "kind": r.kind,
            "on_date": _day(r.on_date),
            "expires_on": _day(r.expires_on),
            "code": r.code or "",
            "reason": r.reason or "",
        }
        for r in rep.certificates.itertuples()
    ]
    if s.get("certified_on"):
        pics["ce"] = charts.to_data_uri(
            charts.ce_chart(
                float(s["ce_hours"]),
                float(s["ce_required"]),
                f"since {_day(rep.cycle_start)}",
            ),
            dpi,
        )
    ce = [
        {
            "date": _day(r.date),
            "hours": _num(r.hours),
            "topic": r.topic,
            "verified": "yes" if r.verified else "not yet",
            "note": r.note,
        }
        for r in rep.ce_entries.itertuples()
    ]
    missing = [n for n, v in zip(rep.hours["name"], rep.hours["verified"], strict=True) if v <= 0]
    trainee = dict(rep.trainee)
    trainee["enrolled_on"] = _day(trainee.get("enrolled_on"))
    return (
        _env()
        .get_template("trainee.html")
        .render(
            t=trainee,
            s={**s, "ce_hours": _num(s["ce_hours"]), "ce_required": _num(s["ce_required"])},
            policy_name=p.name,
            as_of=rep.as_of.isoformat(),
            verified_total=_num(rep.verified_total),
            self_reported_total=_num(rep.self_reported_total) if rep.self_reported_total else "",
            planned_total=_num(rep.hours["planned"].sum()),
            minimum_hours=_num(p.training.minimum_core_hours),
            every_domain=p.training.every_domain_required,
            missing=missing,
            hours=hours,
            charts=pics,
            series_message=exam_sentence(rep.series, p),
            sitting_keys=[f"{d} (form {f})" for d, f in keys],
            sittings=rows,
            pass_pct=_num(p.exam.section_pass_pct),
            window_days=p.retake.window_days,
            max_sittings=p.retake.max_sittings_per_series,
            certs=certs,
            complaints=[
                {
                    "number": c.complaint_id,
                    "received_on": _day(c.received_on),
                    "stage": c.stage,
                    "due_on": _day(c.due_on) if c.due_on else "",
                    "overdue": c.overdue,
                    "next_action": c.next_action,
                }
                for c in rep.complaints
            ],
            cycle_start=_day(rep.cycle_start),
            ce=ce,
            grandfathered=bool(s.get("grandfathered", False)),
            grandfathered_on=_day(p.grandfathering.employed_on),
            special_form=p.grandfathering.exam_form,
            generated=_generated(),
        )
    )


# --------------------------------------------------------------------------- cohort


def cohort_title(cohort: str | None) -> str:
    """Heading of a cohort report."""
    return f"Cohort {cohort}" if cohort else "All trainees"


COHORT_CHARTS = ("stages", "heatmap", "sections")


def cohort_charts(
    rep: CohortReport,
    *,
    overall: CohortReport | None = None,
    which: tuple[str, ...] = COHORT_CHARTS,
    dpi: int = 110,
) -> dict[str, str]:
    """The cohort charts as data URIs (``which`` picks some of them)."""
    whole = overall or rep
    labels = dict(zip(rep.status["trainee_id"], rep.status["name"], strict=True))
    make = {
        "stages": lambda: charts.stage_chart(whole.stage_counts),
        "heatmap": lambda: charts.hours_heatmap(rep.domain_hours, labels),
        "sections": lambda: charts.section_pass_chart(rep.sections),
    }
    return {k: charts.to_data_uri(make[k](), dpi) for k in which}


def cohort_html(
    rep: CohortReport,
    *,
    stage: str | None = None,
    overall: CohortReport | None = None,
    pics: dict[str, str] | None = None,
    dpi: int = 110,
) -> str:
    """The cohort overview as an HTML fragment (charts embedded as PNG).

    With a stage filter, ``rep`` holds only that stage's trainees while ``overall`` (the
    whole cohort) still feeds the stage chart and the headline numbers. ``pics`` passes
    charts drawn already; a chart missing from it shows as "being drawn" (the dashboard
    paints the page first and the slower charts a moment later).
    """
    whole = overall or rep
    if pics is None:
        pics = cohort_charts(rep, overall=overall, dpi=dpi)
    act = rep.needing_action
    rows = act.head(MAX_HTML_ROWS).to_dict("records")

    def pct(v: float) -> str:
        return "" if v != v else f"{v:.0f}%"

    sections = [
        {
            "name": r.name,
            "sat": f"{r.sat:,}",
            "first": f"{r.passed_first:,} ({pct(r.first_pct)})" if r.sat else "",
            "passed": f"{r.passed:,} ({pct(r.pass_pct)})" if r.sat else "",
            "mean": "" if r.mean != r.mean else f"{r.mean:.1f}%",
        }
        for r in rep.sections.itertuples()
    ]
    # The heatmap's text alternative: per domain, how many trainees have verified hours.
    names = charts.domain_names()
    n = len(rep.domain_hours)
    domain_rows = [
        {
            "name": names.get(col, col),
            "with_hours": f"{int((rep.domain_hours[col] > 0).sum()):,} of {n:,}",
            "mean": f"{rep.domain_hours[col].mean():.1f}" if n else "",
        }
        for col in rep.domain_hours.columns
    ]
    summary = dict(whole.summary)
    summary["mean_core_hours"] = f"{summary['mean_core_hours']:.1f}"
    for k in ("trainees", "current_certificates", "renewal_due", "in_training"):
        summary[k] = f"{summary[k]:,}"
    return (
        _env()
        .get_template("cohort.html")
        .render(
            heading=cohort_title(rep.cohort),
            as_of=rep.as_of.isoformat(),
            stage=stage,
            summary=summary,
            charts=pics,
            stage_counts=[(s, f"{n:,}") for s, n in whole.stage_counts.items()],
            action_total=f"{len(act):,}",
            action_rows=rows,
            action_more=f"{len(act) - len(rows):,}" if len(act) > len(rows) else "",
            sections=sections,
            domain_rows=domain_rows,
            generated=_generated(),
        )
    )


def cohort_table(rep: CohortReport) -> pd.DataFrame:
    """One row per trainee: status columns, then verified core hours per domain."""
    hours = rep.domain_hours.add_prefix("verified_hours_").reset_index()
    return rep.status.merge(hours, on="trainee_id", how="left")


def _excel(rep: CohortReport, path: Path) -> None:
    names = {d.id: d.name for d in load_framework().domains}
    action_cols = ["trainee_id", "name", "stage", "due", "next_action"]
    # XlsxWriter (twice as fast as openpyxl on 10,000 trainees), every text a string cell.
    with excel_writer(path) as xl:
        pd.DataFrame(
            {"stage": rep.stage_counts.index, "trainees": rep.stage_counts.to_numpy()}
        ).to_excel(xl, sheet_name="Stages", index=False)
        rep.needing_action[action_cols].to_excel(xl, sheet_name="Needing action", index=False)
        rep.status.to_excel(xl, sheet_name="Trainees", index=False)
        rep.domain_hours.rename(columns=names).reset_index().to_excel(
            xl, sheet_name="Verified hours by domain", index=False
        )
        rep.sections.to_excel(xl, sheet_name="Exam sections", index=False)


# --------------------------------------------------------------------------- files


def html_to_pdf(html: str, path: Path) -> Path:
    """Render an HTML page to PDF with WeasyPrint."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        raise PdfUnavailable(
            "PDF output needs WeasyPrint and the Pango library: "
            "pip install weasyprint; apt-get install libpango-1.0-0 libpangoft2-1.0-0"
        ) from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html).write_pdf(path)
    return path


def reports_dir() -> Path:
    """Default output folder: ``gradebook/reports/`` in the course directory (git-ignored)."""
    from ppskit.db import course_root

    return course_root() / "gradebook" / "reports"


@dataclass
class Written:
    """Files a report command wrote, and a one-line summary for the terminal."""

    paths: list[Path] = field(default_factory=list)
    summary: str = ""


def write_trainee_report(
    trainee_id: str,
    *,
    as_of: date | None = None,
    db: str | None = None,
    out: Path | None = None,
    pdf: bool = False,
    snapshot: Snapshot | None = None,
) -> Written:
    """Write one trainee's transcript (HTML, or PDF with ``pdf=True``)."""
    snap = snapshot or load_snapshot(as_of=as_of, db=db)
    rep = trainee_report(snap, trainee_id)
    html = page(f"Transcript {trainee_id}", trainee_html(rep, dpi=150 if pdf else 110))
    suffix = ".pdf" if pdf else ".html"
    path = out or reports_dir() / f"transcript-{trainee_id}-{snap.as_of.isoformat()}{suffix}"
    if pdf:
        html_to_pdf(html, path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    return Written([path], f"Transcript for {trainee_id} ({rep.status['stage']}): {path}")


def write_cohort_report(
    *,
    cohort: str | None = None,
    as_of: date | None = None,
    db: str | None = None,
    out_dir: Path | None = None,
    pdf: bool = False,
    csv: bool = False,
    excel: bool = False,
    snapshot: Snapshot | None = None,
) -> Written:
    """Write the cohort overview as HTML (always), plus PDF, CSV and Excel on request."""
    snap = snapshot or load_snapshot(as_of=as_of, cohort=cohort, db=db)
    rep = cohort_report(snap)
    folder = out_dir or reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"cohort-{rep.cohort or 'all'}-{rep.as_of.isoformat()}"
    html = page(cohort_title(rep.cohort), cohort_html(rep))
    written = Written()
    html_path = folder / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    written.paths.append(html_path)
    if pdf:
        written.paths.append(html_to_pdf(html, folder / f"{stem}.pdf"))
    if csv:
        path = folder / f"{stem}.csv"
        write_csv(cohort_table(rep), path)
        written.paths.append(path)
    if excel:
        path = folder / f"{stem}.xlsx"
        _excel(rep, path)
        written.paths.append(path)
    n_act = len(rep.needing_action)
    written.summary = (
        f"{cohort_title(rep.cohort)} as of {rep.as_of}: {len(rep.status):,} "
        f"trainee{'' if len(rep.status) == 1 else 's'}, "
        f"{n_act:,} needing action. Report: {html_path}"
    )
    return written


def renewals_html(table: pd.DataFrame, *, as_of: date, within: int) -> str:
    """The renewals list as an HTML fragment."""
    rows = [
        {
            **r,
            "ce_hours": _num(r["ce_hours"]),
            "ce_required": _num(r["ce_required"]),
            "ce_shortfall": _num(r["ce_shortfall"]),
            "short": r["ce_shortfall"] > 0,
        }
        for r in table.to_dict("records")
    ]
    return (
        _env()
        .get_template("renewals.html")
        .render(
            rows=rows,
            within=within,
            as_of=as_of.isoformat(),
            short=sum(1 for r in rows if r["short"]),
            generated=_generated(),
        )
    )


def renewals_report(
    within: int, *, as_of: date | None = None, db: str | None = None
) -> tuple[pd.DataFrame, date]:
    """The renewals table and its as-of date."""
    check_within(within)  # before reading the ledger: a bad window is the user's to fix
    snap = load_snapshot(as_of=as_of, db=db)
    return renewals(snap, within), snap.as_of
