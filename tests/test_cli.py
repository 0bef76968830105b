"""The command line as a trainer uses it: thin commands, plain errors, pinned formats."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date

import pytest
from conftest import HOURS_HEADER, TRAINEE_HEADER, write_csv
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.status import STAGES

runner = CliRunner()
PINNED = (
    "trainee_id,stage,core_hours,missing_domains,exam,certified_on,expires_on,"
    "ce_hours,ce_required,next_action"
)


def run(*args: str, db: str):
    return runner.invoke(app, [*args, "--db", db])


@pytest.fixture
def demo_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = run("demo", db=url)
    assert result.exit_code == 0, result.output
    return url, result.output


def test_demo_shows_every_stage_and_what_to_try(demo_db):
    url, output = demo_db
    assert "Try next" in output
    result = run("status", "--format", "csv", db=url)
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert {r["stage"] for r in rows} == set(STAGES)  # inactive too (DEMO-16)
    again = run("demo", db=url)  # a second run loads nothing new
    assert "already in" in again.output


def test_status_csv_has_the_pinned_columns(demo_db):
    url, _ = demo_db
    out = run("status", "--format", "csv", db=url).output
    # Added at the end: held exam sittings, then supervision flags.
    assert out.splitlines()[0] == PINNED + ",exam_holds,supervision"
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["trainee_id"] == "DEMO-04")
    assert row["exam"] == "retake-open"
    assert row["next_action"].startswith(
        "Retake sections Engaging families, Professional practice by "
    )
    assert row["certified_on"] == "" and row["expires_on"] == ""


def test_status_json_and_single_trainee(demo_db):
    url, _ = demo_db
    data = json.loads(run("status", "--format", "json", "--trainee", "DEMO-08", db=url).output)
    assert list(data[0]) == [*PINNED.split(","), "exam_holds", "supervision"]
    assert data[0]["stage"] == "renewal-due"
    missing = run("status", "--trainee", "NOPE", db=url)
    assert missing.exit_code == 1 and "unknown trainee 'NOPE'" in missing.output


def test_status_as_of_in_the_past(demo_db):
    url, _ = demo_db
    out = run("status", "--format", "csv", "--as-of", "2000-01-01", db=url).output
    assert all(
        r["stage"] in ("ineligible", "in-training", "grandfathered")
        for r in csv.DictReader(io.StringIO(out))
    )
    bad = run("status", "--as-of", "01/02/2020", db=url)
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output


def test_import_log_verify_void_certify(tmp_path):
    url = f"sqlite:///{tmp_path / 'l.db'}"
    t = write_csv(
        tmp_path / "t.csv",
        TRAINEE_HEADER,
        [["P1", "Pat", "1980-01-01", "yes", "ged", "yes", "", ""]],
    )
    assert "1 trainees written" in run("trainees", "import", str(t), db=url).output
    today = date.today().isoformat()
    out = run("hours", "log", "P1", "--date", today, "--hours", "2", "--topic", "culture", db=url)
    assert out.exit_code == 0 and "Logged entry 1" in out.output
    assert "Verified 1 entry" in run("hours", "verify", "1", "--by", "Tess", db=url).output
    again = run("hours", "verify", "1", "--by", "Tess", db=url)
    assert again.exit_code == 1 and "already verified" in again.output
    assert "Voided entry 1" in run("hours", "void", "1", "--reason", "typo", db=url).output
    refused = run("certify", "P1", "--on", today, db=url)
    assert refused.exit_code == 1 and "in-training" in refused.output


def test_bad_import_prints_a_report_not_a_traceback(tmp_path):
    url = f"sqlite:///{tmp_path / 'l.db'}"
    h = write_csv(
        tmp_path / "h.csv",
        HOURS_HEADER,
        [["X1", "2025-13-01", "-1", "core", "culture", "session", "yes", ""]],
    )
    result = run("hours", "import", str(h), db=url)
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert "line 2, column date" in result.output and "line 2, column hours" in result.output
    assert "Traceback" not in result.output


def test_status_help_does_not_import_grading_stack():
    code = (
        "import sys\n"
        "from ppskit.cli import app\n"
        "try:\n"
        "    app(['status', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('nbgrader', 'jupyter_server', 'notebook', 'pandas', 'sqlalchemy')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "HEAVY="


def test_python_dash_m_works():
    out = subprocess.run(
        [sys.executable, "-m", "ppskit", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "status" in out and "demo" in out
