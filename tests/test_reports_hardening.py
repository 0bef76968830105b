"""Reports hold up against what people type and what other people on the computer do:
formula-like names stay text in CSV and Excel exports, a name with ``$`` signs is drawn
as typed, the renewals window is checked, and the dashboard asks for a token."""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import shutil
import sys
import urllib.request
import uuid
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.framework import load_framework
from ppskit.policies import load_policy
from ppskit.records import HOURS_COLUMNS, TRAINEE_COLUMNS

TODAY = date(2026, 3, 2)
HOSTILE = {
    "H1": '=HYPERLINK("http://x","y")',
    "H2": "@SUM(1)",
    "H3": "-2+3",
    "H4": "+1 555 0100",
}
MATH_NAME = r"Sam $\foo{$ Lee"

runner = CliRunner()


def _csv_file(path: Path, header: list[str], rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows([[r.get(c, "") for c in header] for r in rows])
    return path


def make_ledger(url: str, tmp: Path, names: dict[str, str]) -> None:
    """Trainees with the given names, each with two verified core hours in the first
    domain, written through the same import functions as the CLI."""
    from ppskit.imports import import_hours, import_trainees

    people = [
        {
            "trainee_id": tid,
            "name": name,
            "birth_date": "1980-01-01",
            "lived_experience": "yes",
            "education": "high-school",
            "id_verified": "yes",
            "enrolled_on": "2026-01-05",
        }
        for tid, name in names.items()
    ]
    import_trainees(_csv_file(tmp / "t.csv", TRAINEE_COLUMNS, people), by="test", db=url)
    domain = load_framework().domain_ids[0]
    hours = [
        {
            "trainee_id": tid,
            "date": "2026-02-02",
            "hours": 2,
            "category": "core",
            "topic": domain,
            "source": "session",
            "verified": "yes",
            "note": "",
        }
        for tid in names
    ]
    import_hours(_csv_file(tmp / "h.csv", HOURS_COLUMNS, hours), by="test", db=url, today=TODAY)


@pytest.fixture
def hostile_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    make_ledger(url, tmp_path, {**HOSTILE, "OK1": "Ana Ruiz"})
    return url


# --------------------------------------------------------------------------- item 7


def test_cohort_csv_writes_formula_like_names_as_text(hostile_db, tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(
        app,
        ["report", "cohort", "--csv", "--as-of", str(TODAY), "--out-dir", str(out)]
        + ["--db", hostile_db],
    )
    assert r.exit_code == 0, r.output
    (path,) = out.glob("*.csv")
    rows = {row["trainee_id"]: row for row in csv.DictReader(path.open(encoding="utf-8"))}
    for tid, name in HOSTILE.items():
        assert rows[tid]["name"] == "'" + name
    assert rows["OK1"]["name"] == "Ana Ruiz"
    # Numbers stay numbers.
    hours_col = f"verified_hours_{load_framework().domain_ids[0]}"
    assert float(rows["OK1"][hours_col]) == 2.0
    assert not rows["OK1"]["core_hours"].startswith("'")


def test_cohort_excel_writes_formula_like_names_as_strings(hostile_db, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "out"
    r = runner.invoke(
        app,
        ["report", "cohort", "--excel", "--as-of", str(TODAY), "--out-dir", str(out)]
        + ["--db", hostile_db],
    )
    assert r.exit_code == 0, r.output
    (path,) = out.glob("*.xlsx")
    wb = load_workbook(path)
    assert not [
        c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    sheet = wb["Trainees"]
    header = [c.value for c in sheet[1]]
    names = {
        row[header.index("trainee_id")].value: row[header.index("name")]
        for row in sheet.iter_rows(min_row=2)
    }
    for tid, name in HOSTILE.items():
        cell = names[tid]
        assert cell.data_type == "s" and cell.value == name  # shown exactly as typed
    hours = sheet.cell(row=2, column=header.index("core_hours") + 1)
    assert hours.data_type in ("s", "n")  # pinned text or number, never a formula


def test_status_file_is_defused_but_screen_csv_stays_raw(hostile_db, tmp_path):
    screen = runner.invoke(app, ["status", "--format", "csv", "--db", hostile_db])
    assert screen.exit_code == 0, screen.output
    raw = {r["trainee_id"]: r for r in csv.DictReader(io.StringIO(screen.output))}

    target = tmp_path / "exports" / "status.csv"
    r = runner.invoke(
        app, ["status", "--format", "csv", "--output", str(target), "--db", hostile_db]
    )
    assert r.exit_code == 0, r.output
    assert str(target) in r.output and "5 trainees" in r.output
    text = target.read_text(encoding="utf-8")
    assert screen.output.splitlines()[0] == text.splitlines()[0]  # same pinned columns
    rows = {r["trainee_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == set(raw)
    assert rows["OK1"] == raw["OK1"]
    assert rows["OK1"]["core_hours"] == raw["OK1"]["core_hours"]

    as_json = tmp_path / "status.json"
    r = runner.invoke(app, ["status", "--format", "json", "-o", str(as_json), "--db", hostile_db])
    assert r.exit_code == 0, r.output
    assert len(json.loads(as_json.read_text(encoding="utf-8"))) == 5


def test_status_file_defuses_formula_like_cells(tmp_path):
    # The pinned status columns hold no names, so check the file writer on a next action
    # that starts like a formula: the writer defuses every text column.
    from ppskit.reports.safe_export import csv_text, defuse_cell

    df = pd.DataFrame(
        {
            "trainee_id": ["T1", "T2", "T3"],
            "next_action": ["=1+1", "\tcmd", "Log hours"],
            "core_hours": ["-0.12", "12", "3.5"],  # numbers pinned as text
            "r_pb": [-0.12, 0.5, float("nan")],  # a numeric column
        }
    )
    rows = list(csv.DictReader(io.StringIO(csv_text(df))))
    assert [r["next_action"] for r in rows] == ["'=1+1", "'\tcmd", "Log hours"]
    assert [r["core_hours"] for r in rows] == ["-0.12", "12", "3.5"]
    assert [r["r_pb"] for r in rows] == ["-0.12", "0.5", ""]
    assert defuse_cell("\r=cmd") == "'\r=cmd" and defuse_cell(-3) == -3


def test_renewals_csv_file_is_defused(tmp_path):
    from ppskit.imports import import_exam_results, import_hours
    from ppskit.ledger.certificates import certify
    from ppskit.records import EXAM_COLUMNS

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    make_ledger(url, tmp_path, {"H1": HOSTILE["H1"]})
    domains = load_framework().domain_ids
    hours = [
        {
            "trainee_id": "H1",
            "date": f"2025-0{1 + i // 9}-{1 + i % 9:02d}",
            "hours": 6,
            "category": "core",
            "topic": d,
            "source": "session",
            "verified": "yes",
        }
        for i, d in enumerate(domains)
    ]
    import_hours(_csv_file(tmp_path / "h2.csv", HOURS_COLUMNS, hours), by="t", db=url)
    exams = [
        {"trainee_id": "H1", "date": "2025-03-01", "form": "A", "section": s, "score_pct": 90}
        for s in load_policy("ca-ppss").sections
    ]
    import_exam_results(_csv_file(tmp_path / "e.csv", EXAM_COLUMNS, exams), by="t", db=url)
    out = certify("H1", on=date(2025, 3, 10), by="t", db=url)
    assert out.kind == "issued"
    target = tmp_path / "renewals.csv"
    args = ["report", "renewals", "--within", "36500", "--as-of", "2025-06-01"]
    args += ["--format", "csv", "--db", url]
    r = runner.invoke(app, [*args, "--out", str(target)])
    assert r.exit_code == 0, r.output
    (row,) = csv.DictReader(target.open(encoding="utf-8"))
    assert row["name"] == "'" + HOSTILE["H1"]
    assert float(row["ce_required"]) >= 0 and not row["days_left"].startswith("'")
    screen = runner.invoke(app, args)
    (raw,) = csv.DictReader(io.StringIO(screen.output))
    assert raw["name"] == HOSTILE["H1"]  # the screen keeps the raw data for pipes


def test_item_analysis_csv_and_chart_keep_bank_text_literal(tmp_path, monkeypatch):
    import ppskit.exam.analyze as analyze_mod

    items = ["=1+1", "@SUM(1)", r"$\foo{$", "ok-1"]
    matrix = {"t1": [1, 1, 0, 1], "t2": [1, 0, 1, 1], "t3": [0, 1, 1, 0], "t4": [1, 1, 1, 0]}
    rows = [
        ("exam-A", t, None, item, float(s), 1.0, False)
        for t, scores in matrix.items()
        for item, s in zip(items, scores, strict=True)
    ]
    cols = ["assignment", "trainee_id", "timestamp", "item_id", "score", "max_score"]
    scores = pd.DataFrame(rows, columns=[*cols, "needs_manual_grade"])
    manifest = {
        "form": "-2+3",
        "sections": ["s1"],
        "items": [{"id": i, "section": "s1", "type": "mc", "points": 1} for i in items],
    }
    monkeypatch.setattr(
        analyze_mod,
        "item_statistics",
        lambda course, assignments=None: analyze_mod.statistics(scores, {"exam-A": manifest}),
    )
    result = analyze_mod.analyze(object(), out=tmp_path)
    written = {r["item_id"]: r for r in csv.DictReader((tmp_path / "items.csv").open())}
    assert set(written) == {"'=1+1", "'@SUM(1)", r"$\foo{$", "ok-1"}
    assert {r["form"] for r in written.values()} == {"'-2+3"}
    # Negative correlations stay numbers.
    negative = [r["r_pb"] for r in written.values() if r["r_pb"].startswith("-")]
    assert negative and all(float(v) < 0 for v in negative)
    assert (tmp_path / "items.png").stat().st_size > 1000
    assert result.items["item_id"].tolist() == items  # the data itself is unchanged


# --------------------------------------------------------------------------- item 8


def test_name_with_dollar_signs_in_cohort_and_trainee_reports(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    make_ledger(url, tmp_path, {"M1": MATH_NAME, "M2": "Ana Ruiz"})
    out = tmp_path / "out"
    base = ["--as-of", str(TODAY), "--db", url]
    r = runner.invoke(app, ["report", "cohort", "--out-dir", str(out), *base])
    assert r.exit_code == 0, r.output
    (html,) = out.glob("cohort-*.html")
    # The heatmap (one row per trainee, labelled with the name) is on the page.
    assert 'alt="Verified core hours by domain"' in html.read_text(encoding="utf-8")
    transcript = tmp_path / "m1.html"
    r = runner.invoke(app, ["report", "trainee", "M1", "--out", str(transcript), *base])
    assert r.exit_code == 0, r.output
    assert f"Transcript: {MATH_NAME}" in transcript.read_text(encoding="utf-8")


def test_heatmap_draws_the_name_as_typed(tmp_path):
    from ppskit.reports import charts
    from ppskit.reports.data import cohort_report, load_snapshot

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    make_ledger(url, tmp_path, {"M1": MATH_NAME, "M2": "Ana Ruiz"})
    rep = cohort_report(load_snapshot(as_of=TODAY, db=url))
    fig = charts.hours_heatmap(rep.domain_hours, {"M1": MATH_NAME, "M2": "Ana Ruiz"})
    assert charts.to_png(fig).startswith(b"\x89PNG")
    label = fig.axes[0].get_yticklabels()[0]
    assert label.get_text() == MATH_NAME and label.get_parse_math() is False


# --------------------------------------------------------------------------- item 12


@pytest.mark.parametrize("within", ["99999999", "-1", "36501"])
def test_renewals_window_out_of_range_is_a_plain_error(hostile_db, within):
    r = runner.invoke(app, ["report", "renewals", "--within", within, "--db", hostile_db])
    assert r.exit_code == 1
    assert "--within must be between 0 and 36500 days" in r.output
    assert "Traceback" not in r.output


def test_renewals_largest_window_near_the_end_of_the_calendar(hostile_db):
    r = runner.invoke(
        app,
        ["report", "renewals", "--within", "36500", "--as-of", "9999-06-01", "--db", hostile_db],
    )
    assert r.exit_code == 0, r.output
    assert "No current certificate expires" in r.output


# --------------------------------------------------------------------------- item 9


def test_voila_command_carries_no_token_and_env_does():
    from ppskit.reports.serve import check_token, dashboard_env, new_token, voila_command

    token = new_token()
    assert len(token) >= 32 and new_token() != token
    cmd = voila_command(Path("dashboard.ipynb"), 9999)
    assert "--Voila.auto_token=True" in cmd
    assert not [a for a in cmd if token in a]  # command lines are visible to everyone
    env = dashboard_env("sqlite:////tmp/x.db", token)
    assert env["JUPYTER_TOKEN"] == token
    for bad in ("", "short", "has spaces in it, sixteen+", "a/b?c=d&e=ffffffffff"):
        with pytest.raises(ValueError, match="at least 16 characters"):
            check_token(bad)


def test_dashboard_refuses_a_weak_token(hostile_db):
    r = runner.invoke(app, ["dashboard", "--token", "1234", "--db", hostile_db])
    assert r.exit_code == 1
    assert "token must be at least 16 characters" in r.output


def _course(tmp: Path) -> Path:
    from conftest_browser import REPO

    course = tmp / "course"
    (course / "gradebook").mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copy2(REPO / "gradebook" / "dashboard.ipynb", course / "gradebook" / "dashboard.ipynb")
    return course


def _get(port: int, path: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Location") or "", resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


async def _widget_text(port: int, kernel_id: str, root_model: str, token: str | None) -> str:
    """Everything the dashboard's widgets hold, read over the kernel's websocket the way
    the page's JavaScript reads it (a state request per widget, following children)."""
    from datetime import UTC, datetime

    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {token}"} if token else {}
    ws = await websocket_connect(
        HTTPRequest(f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels", headers=headers)
    )
    session = uuid.uuid4().hex

    def ask(comm_id: str) -> str:
        header = {
            "msg_id": uuid.uuid4().hex,
            "msg_type": "comm_msg",
            "session": session,
            "username": "test",
            "version": "5.3",
            "date": datetime.now(UTC).isoformat(),
        }
        content = {"comm_id": comm_id, "data": {"method": "request_state"}}
        return json.dumps(
            {
                "header": header,
                "parent_header": {},
                "metadata": {},
                "content": content,
                "channel": "shell",
                "buffers": [],
            }
        )

    import asyncio

    seen, pending, text = {root_model}, 1, []
    await ws.write_message(ask(root_model))
    while pending:
        msg = await asyncio.wait_for(ws.read_message(), 60)
        if msg is None:
            break
        if isinstance(msg, bytes):
            continue
        data = json.loads(msg)
        if data.get("msg_type") != "comm_msg":
            continue
        pending -= 1
        part = json.dumps(data["content"])
        text.append(part)
        for ref in re.findall(r"IPY_MODEL_([0-9a-f]+)", part):
            if ref not in seen:
                seen.add(ref)
                pending += 1
                await ws.write_message(ask(ref))
    ws.close()
    return "".join(text)


@pytest.mark.slow
def test_dashboard_shows_nothing_without_its_token(tmp_path):
    import asyncio

    from conftest_browser import jupyter_env, server
    from tornado.httpclient import HTTPClientError

    from ppskit.reports.serve import free_port

    course = _course(tmp_path)
    url = f"sqlite:///{course / 'gradebook' / 'ledger.db'}"
    make_ledger(url, tmp_path, {"Z1": "Zelda Quartermain"})
    token = "test-token-" + uuid.uuid4().hex
    port = free_port()
    log = tmp_path / "dashboard.log"
    with server(
        [sys.executable, "-m", "ppskit", "dashboard", "--port", str(port), "--db", url],
        url=f"http://127.0.0.1:{port}/voila/static/",
        env=jupyter_env(course, url, PPSKIT_DASHBOARD_TOKEN=token),
        cwd=course,
        log=log,
    ):
        assert f"http://127.0.0.1:{port}/?token={token}" in log.read_text()
        # No token, or a wrong one: sent to a login page that shows no trainee.
        for path in ("/", "/?token=wrong-token-0123456789"):
            status, location, body = _get(port, path)
            assert status in (302, 401, 403) and "Zelda" not in body
            if status == 302:
                assert "/login" in location
                login = urllib.request.urlopen(f"http://127.0.0.1:{port}{location}").read()
                assert b"Zelda" not in login and b"token" in login.lower()
        # With the token: the dashboard page and, through the kernel, the ledger's data.
        status, _, page = _get(port, f"/?token={token}")
        assert status == 200
        kernel = re.search(r'kernelId": "([^"]+)', page).group(1)
        root = re.search(r'model_id": "([^"]+)', page).group(1)
        with pytest.raises(HTTPClientError) as refused:
            asyncio.run(_widget_text(port, kernel, root, None))
        assert refused.value.code == 403
        shown = asyncio.run(_widget_text(port, kernel, root, token))
        assert "Zelda Quartermain" in shown and "Supervisor dashboard" in shown
