"""What ``ppskit demo`` adds from the reporting side: a cohort report of the demo data."""

from __future__ import annotations

from pathlib import Path


def write_demo_report(db: str | None = None, out_dir: Path | None = None) -> str:
    """Write the cohort report (HTML, CSV and Excel) under ``gradebook/reports/`` and
    return one line saying where it is."""
    from ppskit.reports.render import write_cohort_report

    written = write_cohort_report(db=db, out_dir=out_dir, csv=True, excel=True)
    html = written.paths[0]
    return (
        f"Cohort report: {html} (open it in a browser; CSV and Excel beside it). "
        "Live view: ppskit dashboard"
    )
