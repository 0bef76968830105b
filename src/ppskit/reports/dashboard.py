"""The supervisor dashboard Voila serves from ``gradebook/dashboard.ipynb``.

Pick a cohort (enrolment period), filter by stage, pick a trainee: the page shows the same
charts and tables as ``ppskit report cohort`` and ``ppskit report trainee``.

Read-only by construction: this module imports only the ledger's readers (through
:mod:`ppskit.reports.data`) and no write function; on top of that, the database engine
of the dashboard's kernel refuses every statement that could change data (SQLite
``PRAGMA query_only``, PostgreSQL read-only sessions, and a check of each statement).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import date
from html import escape
from importlib.resources import files
from pathlib import Path

import ipywidgets as w
from sqlalchemy import event
from sqlalchemy.engine import make_url

from ppskit.db import get_engine, resolve_url
from ppskit.reports.data import (
    cohort_report,
    cohorts,
    exam_holds,
    load_snapshot,
    select_cohort,
    select_stage,
    trainee_report,
)
from ppskit.reports.office import office_html
from ppskit.reports.render import cohort_charts, cohort_html, report_css, trainee_html
from ppskit.status import STAGES

# Statements a reader needs; anything else (INSERT, UPDATE, DELETE, CREATE, ...) is refused.
_READ_VERBS = (
    "SELECT",
    "WITH",
    "PRAGMA",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "SET",
    "SHOW",
)


def dashboard_css() -> str:
    """The dashboard's own stylesheet (tab label contrast, visible keyboard focus)."""
    return files("ppskit.reports").joinpath("templates/dashboard.css").read_text(encoding="utf-8")


class ReadOnlyViolation(PermissionError):
    """Something tried to write to the ledger from the dashboard."""


def read_only_engine(db: str | None = None):  # noqa: ANN201
    """The ledger engine for ``db``, switched to read-only for this process.

    Raises ``FileNotFoundError`` for a SQLite ledger that does not exist yet, rather than
    creating an empty one.
    """
    url = make_url(resolve_url(db))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).is_file():
            raise FileNotFoundError(
                f"There is no training ledger at {url.database} yet. Load trainees with "
                "'ppskit trainees import FILE' (or try 'ppskit demo'), then reload this page."
            )
    engine = get_engine(db)
    if getattr(engine, "_ppskit_read_only", False):
        return engine
    dialect = engine.dialect.name

    @event.listens_for(engine, "connect")
    def _read_only_session(dbapi_conn, _record):  # noqa: ANN001
        cur = dbapi_conn.cursor()
        if dialect == "sqlite":
            cur.execute("PRAGMA query_only = ON")
        elif dialect == "postgresql":
            cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cur.close()

    @event.listens_for(engine, "before_cursor_execute")
    def _refuse_writes(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if verb not in _READ_VERBS:
            raise ReadOnlyViolation("The dashboard is read-only; it cannot change the ledger.")

    # Connections opened before the guard (schema check) don't have it: drop them.
    engine.dispose()
    engine._ppskit_read_only = True
    return engine


def _soon(fn: Callable[[], None]) -> None:
    """Run ``fn`` once the kernel is idle again (after the cell, or the click, that asked
    for it), so the page paints before the slower charts; at once outside a kernel."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        fn()
        return
    loop.call_soon(fn)


def _message(text: str) -> w.HTML:
    return w.HTML(f'<div class="ppskit-report"><div class="action">{text}</div></div>')


def holds_html(holds) -> str:  # noqa: ANN001  (the frame of reports.data.exam_holds)
    """The held exam sittings as an HTML fragment: the counts, then one line each.

    Names and ids are typed by people, so every value is escaped."""
    if holds.empty:
        return (
            '<div class="ppskit-report"><p class="meta">Exam sittings held out of the '
            "tracker: none.</p></div>"
        )
    flagged = int((holds["state"] == "held-flagged").sum())
    pending = len(holds) - flagged
    items = "".join(
        f"<li><b>{escape(r.trainee_id)}</b> {escape(r.name)} — {escape(r.assignment)} "
        f"(form {escape(r.form)}, handed in {r.handed_in}): {escape(r.what)}</li>"
        for r in holds.itertuples()
    )
    return (
        '<div class="ppskit-report"><h2>Exam sittings held out of the tracker</h2>'
        f"<p>{flagged} flagged, awaiting review; {pending} awaiting manual grading. "
        "Their scores count only once a trainer has graded the written answers or "
        "reviewed the flagged sitting (<code>ppskit exam review</code>) and run "
        f"<code>ppskit exam results</code>.</p><ul>{items}</ul></div>"
    )


class Dashboard:
    """The widgets and their wiring; ``widget`` is what the notebook displays."""

    def __init__(self, *, db: str | None = None, as_of: date | None = None):
        self.db, self.as_of = db, as_of
        self.style = w.HTML(f"<style>{report_css()}{dashboard_css()}</style>")
        self.heading = w.HTML()
        self.cohort = w.Dropdown(description="Cohort", layout=w.Layout(width="280px"))
        self.stage = w.Dropdown(description="Stage", layout=w.Layout(width="280px"))
        self.trainee = w.Dropdown(description="Trainee", layout=w.Layout(width="420px"))
        self.reload = w.Button(
            description="Reload data",
            icon="refresh",
            tooltip="Read the ledger again (nothing is changed).",
        )
        self.holds_view = w.HTML()
        self.cohort_view = w.HTML()
        self.trainee_view = w.HTML()
        self.office_view = w.HTML()
        self.tabs = w.Tab(children=[self.cohort_view, self.trainee_view, self.office_view])
        self.tabs.set_title(0, "Cohort overview")
        self.tabs.set_title(1, "Trainee transcript")
        self.tabs.set_title(2, "Office")
        self._office_shown = False
        self._busy = False
        self._generation = 0
        self._transcript_for: str | None = None
        controls = w.HBox(
            [self.cohort, self.stage, self.trainee, self.reload],
            layout=w.Layout(flex_flow="row wrap"),
        )
        self.widget = w.VBox([self.style, self.heading, controls, self.holds_view, self.tabs])
        self.widget.add_class("ppskit-dashboard")  # scopes dashboard.css
        self.load()
        self.cohort.observe(self._on_filter, names="value")
        self.stage.observe(self._on_filter, names="value")
        self.trainee.observe(self._on_trainee, names="value")
        self.tabs.observe(self._on_tab, names="selected_index")
        self.reload.on_click(lambda _b: self.load())

    # -- data
    def load(self) -> None:
        """Read the ledger (again) and redraw everything."""
        self.snapshot = load_snapshot(as_of=self.as_of, db=self.db)
        self.heading.value = (
            '<div class="ppskit-report"><h1>Supervisor dashboard</h1>'
            f'<p class="meta">Parent Peer Support Specialist training ledger, as of '
            f"{self.snapshot.as_of.isoformat()}. This page only shows data: to change "
            "anything, use the ppskit command line.</p></div>"
        )
        self._busy = True
        keep = self.cohort.value
        self.cohort.options = [("Everyone", "")] + [
            (f"Enrolled {m}", m) for m in cohorts(self.snapshot)
        ]
        self.cohort.value = keep if keep in {v for _, v in self.cohort.options} else ""
        self._busy = False
        self._refresh()

    def _cohort_snapshot(self):  # noqa: ANN202
        return select_cohort(self.snapshot, self.cohort.value or None)

    def _refresh(self) -> None:
        self._busy = True
        snap = self._cohort_snapshot()
        counts = snap.status["stage"].value_counts()
        keep = self.stage.value
        self.stage.options = [("All stages", "")] + [
            (f"{s} ({counts[s]})", s) for s in STAGES if counts.get(s, 0)
        ]
        self.stage.value = keep if keep in {v for _, v in self.stage.options} else ""
        filtered = select_stage(snap, self.stage.value or None)
        st = filtered.status
        options = [
            (f"{n} — {t} ({s})", t)
            for t, n, s in zip(st["trainee_id"], st["name"], st["stage"], strict=True)
        ]
        keep_t = self.trainee.value
        self.trainee.options = options or [("(nobody at this stage)", "")]
        values = {v for _, v in self.trainee.options}
        self.trainee.value = keep_t if keep_t in values else self.trainee.options[0][1]
        self._busy = False
        self.holds_view.value = holds_html(exam_holds(filtered))
        overall = cohort_report(snap)
        rep = cohort_report(filtered) if self.stage.value else overall
        args = {"stage": self.stage.value or None, "overall": overall}
        self._generation += 1
        generation = self._generation
        first = cohort_charts(rep, overall=overall, which=("stages",))
        self.cohort_view.value = cohort_html(rep, pics=first, **args)

        def rest() -> None:
            if generation != self._generation:
                return  # the filters changed meanwhile; a newer drawing is on its way
            more = cohort_charts(rep, overall=overall, which=("heatmap", "sections"))
            if generation == self._generation:
                self.cohort_view.value = cohort_html(rep, pics={**first, **more}, **args)

        _soon(rest)
        self._transcript_for = None
        self._office_shown = False
        if self.tabs.selected_index == 1:
            self._show_trainee()
        elif self.tabs.selected_index == 2:
            self._show_office()

    def _show_trainee(self) -> None:
        tid = self.trainee.value
        if tid == self._transcript_for:
            return
        self._transcript_for = tid
        if not tid:
            self.trainee_view.value = _message("Pick a trainee above to see their transcript.")
            return
        self.trainee_view.value = trainee_html(trainee_report(self.snapshot, tid))

    def _show_office(self) -> None:
        # Read when the tab is opened: the cohort view paints first.
        if not self._office_shown:
            self._office_shown = True
            self.office_view.value = office_html(self.snapshot.as_of, self.db)

    # -- events
    def _on_filter(self, _change) -> None:  # noqa: ANN001
        if not self._busy:
            self._refresh()

    def _on_trainee(self, _change) -> None:  # noqa: ANN001
        if self._busy:
            return
        # Picking someone is a request to see them.
        self.tabs.selected_index = 1
        self._show_trainee()

    def _on_tab(self, change) -> None:  # noqa: ANN001
        if change["new"] == 1:
            self._show_trainee()
        elif change["new"] == 2:
            self._show_office()


def build_dashboard(*, db: str | None = None, as_of: date | None = None) -> w.Widget:
    """The dashboard widget, or a plain message when there is nothing to show yet."""
    try:
        read_only_engine(db)
        return Dashboard(db=db, as_of=as_of).widget
    except FileNotFoundError as exc:
        return _message(str(exc))


def _wait_for_visitor() -> None:
    # With Voila's pre-heated kernels (``ppskit dashboard`` uses them) the imports above
    # happen before anyone asks for the page; the ledger is read only once someone does,
    # so the page is fast and its data is fresh.
    if os.environ.get("VOILA_PREHEAT", "False") != "False":
        from voila.utils import wait_for_request

        wait_for_request()


def show_dashboard(*, db: str | None = None, as_of: date | None = None) -> None:
    """Display the dashboard (the one call in ``gradebook/dashboard.ipynb``)."""
    from IPython.display import display

    _wait_for_visitor()
    display(build_dashboard(db=db, as_of=as_of))
