"""Reports for supervisors and certifying bodies: transcripts, cohort overviews, renewals,
printable certificates and the read-only Voila dashboard.

Everything here *reads* the ledger through :mod:`ppskit.ledger.api` and the status engine;
nothing in this package writes to it. The layers are:

* :mod:`ppskit.reports.data` — one consistent snapshot of the ledger as of a date, and the
  tables each report shows (pandas);
* :mod:`ppskit.reports.charts` — matplotlib figures with titles, labelled axes, domain
  names and a colour-blind-safe palette;
* :mod:`ppskit.reports.render` — self-contained HTML (Jinja2 templates), PDF (WeasyPrint,
  from the same HTML), CSV and Excel files;
* :mod:`ppskit.reports.certificate` — the printable certificate and ``ppskit verify``;
* :mod:`ppskit.reports.dashboard` — the ipywidgets dashboard Voila serves.

A *cohort* is the trainees who enrolled in the same period: ``--cohort 2026`` is everyone
enrolled in 2026, ``--cohort 2026-11`` in November 2026, ``--cohort 2026-11-23`` on that day.
"""
