"""Reports: data behind them, charts, HTML/PDF/CSV/Excel files, certificates and their
verification, the dashboard widgets (read-only), and the CLI through its runner.

Everything runs on the demo cohort loaded with a fixed "today", so numbers are exact.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.demo import OTHER_BODIES, PEOPLE
from ppskit.framework import load_framework
from ppskit.policies import load_policy
from ppskit.reports import charts
from ppskit.reports.data import (
    cohort_report,
    load_snapshot,
    renewals,
    select_stage,
    trainee_report,
)
from ppskit.status import STAGES

TODAY = date(2026, 3, 2)
DEMO_SIZE = len(PEOPLE) + len(OTHER_BODIES)  # the demo cohort, across five profiles
DOMAIN_NAMES = [d.name for d in load_framework().domains]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    from ppskit.demo import build_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'demo.db'}"
    assert build_demo(db=url, today=TODAY) == DEMO_SIZE
    return url


@pytest.fixture(scope="module")
def snap(demo_db):
    return load_snapshot(as_of=TODAY, db=demo_db)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# --------------------------------------------------------------------------- data


def test_snapshot_covers_every_stage(snap):
    rep = cohort_report(snap)
    assert int(rep.stage_counts.sum()) == DEMO_SIZE
    assert list(rep.stage_counts.index) == STAGES
    assert (rep.stage_counts > 0).all()
    assert rep.summary["trainees"] == DEMO_SIZE
    # 07, 12 certified; 08 and 15 (CalMHSA) renewal due; 16's is held as Inactive
    assert rep.summary["current_certificates"] == 4


def _enrolled_in(demo_db, prefix: str) -> list[str]:
    from ppskit.ledger.api import trainees_frame

    tr = trainees_frame(db=demo_db)
    return sorted(tr.loc[tr["enrolled_on"].map(str).str.startswith(prefix), "trainee_id"])


def test_cohort_is_the_enrolment_period(snap, demo_db):
    # Demo trainees enrol two weeks before their first training day, over about 2.5 years.
    month = (TODAY - timedelta(days=14)).isoformat()[:7]
    in_month = _enrolled_in(demo_db, month)
    assert "DEMO-01" in in_month and len(in_month) < DEMO_SIZE
    got = load_snapshot(as_of=TODAY, cohort=month, db=demo_db).status["trainee_id"]
    assert sorted(got) == in_month
    year = TODAY.isoformat()[:4]
    got = load_snapshot(as_of=TODAY, cohort=year, db=demo_db).status["trainee_id"]
    assert sorted(got) == _enrolled_in(demo_db, year)
    assert load_snapshot(as_of=TODAY, cohort="1999-01", db=demo_db).status.empty
    with pytest.raises(ValueError, match="write it as 2026, 2026-11 or 2026-11-23"):
        load_snapshot(as_of=TODAY, cohort="DEMO", db=demo_db)


def test_hours_by_domain_are_verified_only(snap):
    hours = cohort_report(snap).domain_hours
    assert list(hours.columns) == load_framework().domain_ids
    assert hours.loc["DEMO-03"].sum() == 48  # 4 h in each of 12 domains
    # DEMO-02: 2.75 h verified in the first 8 domains; 3 self-reported advocacy hours
    # don't count.
    assert hours.loc["DEMO-02"].sum() == pytest.approx(22)
    assert hours.loc["DEMO-02", "advocacy"] == 0
    assert hours.loc["DEMO-14"].sum() == 0  # grandfathered, no core hours


def test_section_pass_rates(snap):
    sections = cohort_report(snap).sections.set_index("section")
    # ca-ppss's four sections, by the profile's labels (single-score profiles add none).
    assert list(sections.index) == load_policy("ca-ppss").sections
    assert sections.loc["engaging-families", "name"] == "Engaging families"
    # Ten trainees sat the exam; DEMO-04 and DEMO-13 failed the section holding culture
    # and never passed it.
    assert sections.loc["engaging-families", "sat"] == 10
    assert sections.loc["engaging-families", "passed_first"] == 8
    assert sections.loc["engaging-families", "passed"] == 8
    # DEMO-13 failed the section holding advocacy first, then passed it on form B.
    assert sections.loc["professional-practice", "passed_first"] == 8  # and DEMO-04
    assert sections.loc["professional-practice", "passed"] == 9
    assert sections.loc["systems-and-resources", "first_pct"] == 100


def test_needing_action_lists_who_must_act(snap):
    act = cohort_report(snap).needing_action
    ids = list(act["trainee_id"])
    for tid in ("DEMO-02", "DEMO-03", "DEMO-04", "DEMO-06", "DEMO-08", "DEMO-09", "DEMO-10"):
        assert tid in ids
    for tid in ("DEMO-01", "DEMO-07", "DEMO-11", "DEMO-12"):
        assert tid not in ids
    # Dated deadlines come first: DEMO-04's retake, then DEMO-08's expiry.
    assert ids[:2] == ["DEMO-04", "DEMO-08"]
    assert act.loc[0, "due"] == (TODAY - timedelta(days=10) + timedelta(days=30)).isoformat()


def test_trainee_report_contents(snap):
    rep = trainee_report(snap, "DEMO-02")
    assert rep.verified_total == pytest.approx(22)
    assert rep.self_reported_total == 3
    assert list(rep.hours["name"]) == DOMAIN_NAMES
    assert rep.sittings.empty and rep.series.exam == "none"

    rep = trainee_report(snap, "DEMO-04")
    failed = rep.sittings[~rep.sittings["passed"]]
    assert set(failed["section"]) == {"engaging-families", "professional-practice"}
    assert rep.series.exam == "retake-open"

    rep = trainee_report(snap, "DEMO-12")  # renewed: the new period starts at the old expiry
    assert list(rep.certificates["kind"]) == ["issued", "renewed"]
    first_expiry = rep.certificates.iloc[0]["expires_on"]
    assert rep.cycle_start == first_expiry
    assert rep.ce_entries.empty  # its CE hours belong to the first period

    rep = trainee_report(snap, "DEMO-07")
    assert rep.ce_entries["hours"].tolist() == [6.0]

    with pytest.raises(KeyError, match="unknown trainee 'NOPE'"):
        trainee_report(snap, "NOPE")


def test_renewals_within(snap):
    soon = renewals(snap, 90).set_index("trainee_id")
    assert list(soon.index) == ["DEMO-08", "DEMO-15"]
    row = soon.loc["DEMO-08"]
    assert (row["ce_hours"], row["ce_required"], row["ce_shortfall"]) == (14, 20, 6)
    assert soon.loc["DEMO-15", "ce_shortfall"] == 1  # CalMHSA: 19 of 20 hours
    later = renewals(snap, 900)
    assert list(later["trainee_id"]) == ["DEMO-08", "DEMO-15", "DEMO-07", "DEMO-12"]
    assert later["days_left"].is_monotonic_increasing
    with pytest.raises(ValueError):
        renewals(snap, -1)


def test_stage_filter(snap):
    only = select_stage(snap, "certified")
    assert sorted(only.status["trainee_id"]) == ["DEMO-07", "DEMO-12"]
    with pytest.raises(ValueError, match="not a stage"):
        select_stage(snap, "graduated")


# --------------------------------------------------------------------------- charts


def test_charts_are_labelled_with_names_and_safe_colours(snap):
    rep = cohort_report(snap)
    fig = charts.stage_chart(rep.stage_counts)
    ax = fig.axes[0]
    assert fig._suptitle.get_text().startswith("Trainees by stage")
    assert ax.get_xlabel() == "Number of trainees" and ax.get_ylabel() == "Stage"
    palette = {c.lower() for c in charts.OKABE_ITO.values()}
    from matplotlib.colors import to_hex

    assert {to_hex(b.get_facecolor()) for b in ax.patches} <= palette

    labels = dict(zip(rep.status["trainee_id"], rep.status["name"], strict=True))
    heat = charts.hours_heatmap(rep.domain_hours, labels).axes[0]
    assert [t.get_text() for t in heat.get_xticklabels()] == DOMAIN_NAMES
    assert "Grace Kim" in [t.get_text() for t in heat.get_yticklabels()]
    assert heat.get_xlabel() == "Core competency domain"

    big = pd.DataFrame(4.0, index=[f"T{i}" for i in range(100)], columns=rep.domain_hours.columns)
    banded = charts.hours_heatmap(big).axes[0]
    assert banded.get_ylabel() == "Verified hours per trainee"
    assert len(banded.get_yticklabels()) == 5

    hours = trainee_report(snap, "DEMO-02").hours
    t = charts.trainee_hours_chart(hours, 40, 22)
    ticks = [x.get_text() for x in t.axes[0].get_yticklabels()]
    assert "Role of Advocacy  (no verified hours yet)" in ticks
    assert "40 required" in t._suptitle.get_text()


# --------------------------------------------------------------------------- files


def _pdf_text_and_images(path: Path) -> tuple[int, str, int]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    # WeasyPrint may share one resource dictionary between pages: count distinct images.
    images = {hashlib.sha256(img.data).hexdigest() for p in reader.pages for img in p.images}
    return len(reader.pages), text, len(images)


def test_trainee_transcript_html_and_pdf(demo_db, tmp_path):
    from ppskit.reports.render import write_trainee_report

    html = write_trainee_report("DEMO-04", as_of=TODAY, db=demo_db, out=tmp_path / "t.html")
    page = html.paths[0].read_text()
    assert "Transcript: Dana Nguyen" in page
    assert 'alt="Core training hours by domain"' in page
    assert 'alt="Exam section scores by sitting"' in page
    assert "Sections still to pass: Engaging families, Professional practice" in page
    assert page.count("data:image/png;base64,") == 2  # hours, scores (no certificate)

    pdf = write_trainee_report(
        "DEMO-08", as_of=TODAY, db=demo_db, out=tmp_path / "t.pdf", pdf=True
    ).paths[0]
    pages, text, images = _pdf_text_and_images(pdf)
    assert pages >= 2
    assert "Transcript: Hector Ruiz" in text
    assert "Core training hours" in text and "Continuing education" in text
    assert "Next action" in text
    assert images == 3  # hours, exam scores, CE


def test_cohort_report_files(demo_db, tmp_path):
    from ppskit.reports.render import write_cohort_report

    w = write_cohort_report(
        as_of=TODAY, db=demo_db, out_dir=tmp_path, pdf=True, csv=True, excel=True
    )
    names = [p.name for p in w.paths]
    stem = f"cohort-all-{TODAY.isoformat()}"
    assert names == [f"{stem}.html", f"{stem}.pdf", f"{stem}.csv", f"{stem}.xlsx"]
    assert f"{DEMO_SIZE} trainees" in w.summary

    html = (tmp_path / f"{stem}.html").read_text()
    for alt in ("Trainees by stage", "Verified core hours by domain", "Exam pass rate by section"):
        assert f'alt="{alt}"' in html
    pages, text, images = _pdf_text_and_images(tmp_path / f"{stem}.pdf")
    assert pages >= 2 and images == 3
    assert "Needing action" in text and "Exam pass rates by section" in text

    table = pd.read_csv(tmp_path / f"{stem}.csv")
    assert len(table) == DEMO_SIZE
    assert {"trainee_id", "stage", "next_action", "verified_hours_culture"} <= set(table.columns)
    sheets = pd.read_excel(tmp_path / f"{stem}.xlsx", sheet_name=None)
    assert list(sheets) == [
        "Stages",
        "Needing action",
        "Trainees",
        "Verified hours by domain",
        "Exam sections",
    ]
    assert len(sheets["Trainees"]) == DEMO_SIZE
    assert "Communication Skills" in sheets["Verified hours by domain"].columns


def test_demo_hook_writes_cohort_report(demo_db, tmp_path):
    from ppskit.reports.demo_hook import write_demo_report

    message = write_demo_report(db=demo_db, out_dir=tmp_path)
    assert "Cohort report:" in message and str(tmp_path) in message
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".csv", ".html", ".xlsx"]


# --------------------------------------------------------------------------- certificates


def test_certificate_pdf_and_verification(demo_db, tmp_path):
    from ppskit.ledger.api import certificate_events_frame
    from ppskit.reports.certificate import (
        NoCurrentCertificate,
        verify_code,
        write_certificate,
    )

    codes = certificate_events_frame(db=demo_db).dropna(subset=["code"])
    code = dict(zip(codes["trainee_id"] + ":" + codes["kind"], codes["code"], strict=True))

    pdf = write_certificate("DEMO-12", out=tmp_path / "c.pdf", as_of=TODAY, db=demo_db).paths[0]
    pages, text, _ = _pdf_text_and_images(pdf)
    assert pages == 1
    assert "Lena Fischer" in text
    assert "California Parent Peer Support Specialist" in text
    assert code["DEMO-12:renewed"] in text
    assert "Last renewed" in text and "Valid until" in text

    with pytest.raises(NoCurrentCertificate, match="stage 'expired'"):
        write_certificate("DEMO-09", out=tmp_path / "x.pdf", as_of=TODAY, db=demo_db)

    ok = verify_code(code["DEMO-12:renewed"].lower(), as_of=TODAY, db=demo_db)
    assert ok.current and ok.message.startswith("VALID: Lena Fischer")
    old = verify_code(code["DEMO-12:issued"], as_of=TODAY, db=demo_db)
    assert old.current and old.message.startswith("REPLACED") and not old.valid
    assert ok.valid and ok.verdict == "VALID"
    assert verify_code(code["DEMO-09:issued"], as_of=TODAY, db=demo_db).message.startswith(
        "EXPIRED"
    )
    assert not verify_code(code["DEMO-11:issued"], as_of=TODAY, db=demo_db).current
    unknown = verify_code("PPSS-AAAA-BBBB", as_of=TODAY, db=demo_db)
    assert not unknown.found and "No certificate has the code" in unknown.message


# --------------------------------------------------------------------------- CLI


def test_cli_reports(runner, demo_db, tmp_path):
    day = TODAY.isoformat()
    month = (TODAY - timedelta(days=14)).isoformat()[:7]  # when the newest trainees enrolled
    r = runner.invoke(
        app,
        [
            "report",
            "trainee",
            "DEMO-06",
            "--as-of",
            day,
            "--db",
            demo_db,
            "--out",
            str(tmp_path / "t.html"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "Transcript for DEMO-06 (certifiable)" in r.output

    r = runner.invoke(
        app,
        [
            "report",
            "cohort",
            "--cohort",
            month,
            "--as-of",
            day,
            "--db",
            demo_db,
            "--out-dir",
            str(tmp_path),
            "--csv",
        ],
    )
    assert r.exit_code == 0, r.output
    n = len(_enrolled_in(demo_db, month))
    assert n > 0 and f"Cohort {month}" in r.output and f"{n} trainees" in r.output
    assert (tmp_path / f"cohort-{month}-{day}.csv").exists()

    r = runner.invoke(
        app,
        [
            "report",
            "renewals",
            "--within",
            "90",
            "--as-of",
            day,
            "--db",
            demo_db,
            "--format",
            "csv",
        ],
    )
    assert r.exit_code == 0
    assert r.output.splitlines()[1].startswith("DEMO-08,Hector Ruiz,renewal-due")


def test_cli_plain_errors(runner, demo_db, tmp_path):
    r = runner.invoke(app, ["report", "trainee", "NOPE", "--db", demo_db])
    assert r.exit_code == 1
    assert "unknown trainee 'NOPE'" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["report", "cohort", "--cohort", "spring", "--db", demo_db])
    assert r.exit_code == 1 and "is not a cohort" in r.output
    r = runner.invoke(
        app,
        [
            "certificate",
            "DEMO-02",
            "--as-of",
            TODAY.isoformat(),
            "--db",
            demo_db,
            "--out",
            str(tmp_path / "c.pdf"),
        ],
    )
    assert r.exit_code == 1 and "no certificate in force" in r.output


def test_cli_certificate_and_verify(runner, demo_db, tmp_path):
    from ppskit.ledger.api import certificate_events_frame

    ev = certificate_events_frame(db=demo_db)
    code = ev.loc[ev["trainee_id"] == "DEMO-07", "code"].iloc[0]
    day = TODAY.isoformat()
    out = tmp_path / "cert.pdf"
    r = runner.invoke(
        app, ["certificate", "DEMO-07", "--as-of", day, "--db", demo_db, "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"%PDF")
    r = runner.invoke(app, ["verify", code, "--as-of", day, "--db", demo_db])
    assert r.exit_code == 0 and "VALID: Grace Kim" in r.output
    r = runner.invoke(app, ["verify", "PPSS-ZZZZ-ZZZZ", "--db", demo_db])
    assert r.exit_code == 1


def test_report_cli_keeps_heavy_imports_out():
    code = (
        "import sys, ppskit.cli.report\n"
        "heavy = {'jupyter_server', 'voila', 'matplotlib', 'weasyprint', 'pandas'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- dashboard


@pytest.fixture
def dashboard_db(demo_db, tmp_path) -> str:
    # A copy, because the dashboard switches its process's engine to read-only.
    src = Path(demo_db.removeprefix("sqlite:///"))
    dst = tmp_path / "dash.db"
    shutil.copy2(src, dst)
    for side in ("-wal", "-shm"):
        if Path(f"{src}{side}").exists():
            shutil.copy2(f"{src}{side}", f"{dst}{side}")
    return f"sqlite:///{dst}"


def test_dashboard_widgets(dashboard_db):
    from ppskit.reports.dashboard import Dashboard, read_only_engine

    read_only_engine(dashboard_db)
    dash = Dashboard(db=dashboard_db, as_of=TODAY)
    html = dash.cohort_view.value
    assert 'alt="Trainees by stage"' in html and 'alt="Verified core hours by domain"' in html
    assert len(dash.trainee.options) == DEMO_SIZE
    stages = [v for _, v in dash.stage.options]
    assert stages[0] == "" and set(stages[1:]) == set(STAGES)

    dash.stage.value = "certified"
    assert [v for _, v in dash.trainee.options] == ["DEMO-07", "DEMO-12"]
    assert 'only trainees at stage "certified"' in dash.cohort_view.value
    # The stage table still counts the whole cohort; the lists below are filtered.
    assert "<td>revoked</td>" in dash.cohort_view.value
    assert "Needing action (0)" in dash.cohort_view.value

    dash.trainee.value = "DEMO-12"
    assert dash.tabs.selected_index == 1
    assert "Transcript: Lena Fischer" in dash.trainee_view.value

    dash.stage.value = ""
    dash.cohort.value = dash.cohort.options[1][1]
    assert len(dash.trainee.options) == len(_enrolled_in(dashboard_db, dash.cohort.options[1][1]))
    dash.reload.click()  # reads the ledger again; the choices stay
    assert dash.cohort.value == dash.cohort.options[1][1]
    assert 'alt="Trainees by stage"' in dash.cohort_view.value


def test_dashboard_cannot_write(dashboard_db):
    from sqlalchemy import text

    from ppskit.db import get_engine
    from ppskit.reports.dashboard import ReadOnlyViolation, read_only_engine

    engine = read_only_engine(dashboard_db)
    assert engine is get_engine(dashboard_db)
    with pytest.raises(ReadOnlyViolation):
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM trainees"))
    # Even a statement that slips past the check is refused by SQLite itself.
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
        assert conn.execute(text("SELECT COUNT(*) FROM trainees")).scalar() == DEMO_SIZE


def test_dashboard_module_imports_no_writer():
    import ast

    import ppskit.reports.dashboard as dash_mod
    import ppskit.reports.data as data_mod

    writers = {
        "write_transaction",
        "record_module_hours",
        "mark_exercise_done",
        "record_exam_results",
        "certify",
        "renew",
        "discipline",
        "import_hours",
        "import_trainees",
        "import_exam_results",
        "append_hours",
        "build_demo",
    }
    for mod in (dash_mod, data_mod):
        tree = ast.parse(Path(mod.__file__).read_text())
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom | ast.Import)
            for alias in node.names
        }
        assert not imported & writers, (mod.__name__, imported & writers)


def test_dashboard_missing_ledger_is_a_plain_message(tmp_path):
    from ppskit.reports.dashboard import build_dashboard

    widget = build_dashboard(db=f"sqlite:///{tmp_path / 'none.db'}")
    assert "There is no training ledger" in widget.value
    assert not (tmp_path / "none.db").exists()


def test_dashboard_notebook_is_thin_and_cleared():
    import nbformat
    from conftest_browser import REPO

    nb = nbformat.read(REPO / "gradebook" / "dashboard.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) == 1
    assert "show_dashboard()" in code[0].source
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_voila_command_is_local_and_strips_sources(tmp_path):
    from ppskit.reports.serve import voila_command

    cmd = voila_command(tmp_path / "dashboard.ipynb", 9999)
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=9999" in cmd
    assert "--VoilaConfiguration.strip_sources=True" in cmd
    assert "--no-browser" in cmd
