"""The trainee workspace: what `ppskit workspace install` writes, and what a real
JupyterLab started in that home folder then serves (no news, the Start button, the Exams
menu, nbgrader's instructor parts off and the assignment list on)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.workspace import TARGETS, install
from ppskit.workspace.startup import START, LazyModule

REPO = Path(__file__).resolve().parents[1]


def test_install_writes_every_file_and_keeps_the_persons_settings(tmp_path):
    own = tmp_path / TARGETS["notification.jupyterlab-settings"]
    own.parent.mkdir(parents=True)
    own.write_text(json.dumps({"doNotDisturbMode": True}))
    written = install(tmp_path)
    assert sorted(written) == sorted(tmp_path / rel for rel in TARGETS.values())
    notification = json.loads(own.read_text())
    assert notification == {
        "doNotDisturbMode": True,
        "fetchNews": "false",
        "checkForUpdates": False,
    }
    page = json.loads((tmp_path / TARGETS["page_config.json"]).read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert "@jupyter/nbgrader:assignment-list" not in page["disabledExtensions"]
    again = install(tmp_path)  # safe to run twice
    assert json.loads(own.read_text()) == notification and len(again) == len(written)


def test_cli_install(tmp_path):
    result = CliRunner().invoke(app, ["workspace", "install", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Trainee workspace written" in result.output
    assert (tmp_path / TARGETS["panel.jupyterlab-settings"]).is_file()


def test_exercise_cell_before_the_first_cell_explains_instead_of_name_error(monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    view = LazyModule().exercise("communication-reflect-choice")
    assert repr(view) == START and "Start button" in START
    path = REPO / "modules" / "01-communication" / "01-communication.ipynb"
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    module = LazyModule()
    shown = module.exercise("communication-reflect-choice")
    assert type(shown).__name__ == "ChoiceView" and module.id == "communication"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@pytest.mark.browser
def test_a_real_jupyterlab_in_the_trainee_home(tmp_path):
    from conftest_browser import course_copy, lab_command, server

    from ppskit.reports.serve import free_port

    home = tmp_path / "home"
    install(home)
    course = course_copy(tmp_path / "course")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER_", "JUPYTERLAB_")) and k != "HOME"
    }
    env.update(HOME=str(home), PPSKIT_DB=f"sqlite:///{tmp_path / 'ledger.db'}")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [c for c in lab_command(course, port) if not c.startswith("--LabApp.")]
    with server(cmd, url=f"{base}/api/status", env=env, cwd=course, log=tmp_path / "lab.log"):
        status, body = _get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification")
        assert status == 200 and '"fetchNews": "false"' in json.loads(body)["raw"]
        status, body = _get(f"{base}/lab/api/settings/@jupyterlab/notebook-extension:panel")
        assert "ppskit-start" in json.loads(body)["raw"]
        status, page = _get(f"{base}/lab")
        assert status == 200 and "@jupyter/nbgrader:formgrader" in page
        assert _get(f"{base}/formgrader")[0] == 404  # the instructor's grader is off
        # The assignment list (how a trainee fetches an exam) still answers.
        assert _get(f"{base}/assignments?course_id=")[0] != 404
