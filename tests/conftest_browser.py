"""Helpers for the browser tests and the report benchmark: Debian's chromium driven by
Playwright, and JupyterLab / Voila servers started on 127.0.0.1 for one test.

Not a pytest conftest (the lead owns ``tests/conftest.py``): test files import it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return "Debian's chromium is not installed (/usr/bin/chromium): apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    return None


def launch(playwright):  # noqa: ANN001, ANN201
    """Debian's chromium, headless, with no network chatter of its own."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def course_copy(dest: Path) -> Path:
    """A temporary course folder: the module notebooks, the dashboard notebook and
    nbgrader_config.py (the package itself is installed, so src/ is not needed)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "modules", dest / "modules")
    shutil.copy2(REPO / "nbgrader_config.py", dest / "nbgrader_config.py")
    (dest / "gradebook").mkdir(exist_ok=True)
    shutil.copy2(REPO / "gradebook" / "dashboard.ipynb", dest / "gradebook" / "dashboard.ipynb")
    return dest


def jupyter_env(course: Path, db_url: str, **extra: str) -> dict[str, str]:
    """Environment isolating Jupyter's settings, runtime files and the ledger."""
    jdir = course / ".jupyter-test"
    env = dict(os.environ)
    env.update(
        PPSKIT_DB=db_url,
        JUPYTER_CONFIG_DIR=str(jdir / "config"),
        JUPYTER_RUNTIME_DIR=str(jdir / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(jdir / "lab-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(jdir / "workspaces"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def lab_command(course: Path, port: int) -> list[str]:
    """JupyterLab on 127.0.0.1 with no token (the server lives only for one test)."""
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI runs as root
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={course}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]


@contextmanager
def server(cmd: list[str], *, url: str, env: dict, cwd: Path, log: Path, timeout: float = 180):
    """Start a server in its own process group, wait until ``url`` answers, and always
    stop the group (server and kernels) afterwards."""
    with log.open("w") as fh:
        proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except urllib.error.HTTPError:
                    break  # it answers: good enough
                except OSError as exc:
                    if time.monotonic() > deadline:
                        tail = log.read_text()[-3000:]
                        raise TimeoutError(f"{url} did not answer:\n{tail}") from exc
                    time.sleep(0.25)
            yield proc
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def screenshot(page, name: str) -> Path:  # noqa: ANN001
    """Save what the browser window shows under artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path))
    return path


def start_notebook(page, url: str) -> None:  # noqa: ANN001
    """Open the notebook at ``url`` (add ``?reset`` for it alone) as a trainee does in
    the trainee workspace: wait for its kernel, then press the toolbar's Start button
    (never Shift+Enter), taking the notebook's own kernel if JupyterLab asks."""
    import re

    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
    expect(page.get_by_role("button", name=re.compile(r"Python 3.*Idle")).first).to_be_visible()
    start = page.locator('[data-jp-item-name="ppskit-start"]').filter(visible=True).first
    expect(start).to_have_text("Start")
    start.click()
    dialog = page.get_by_role("dialog").filter(has_text="Select Kernel")
    try:
        dialog.wait_for(state="visible", timeout=3000)
        dialog.get_by_role("button", name=re.compile(r"^Select")).click()
    except PlaywrightTimeout:
        pass


def text_snippet(text: str) -> str:
    """A plain stretch of an option's words (no quotes or markdown) to find it on screen."""
    import re

    return " ".join(re.sub(r"[*_`\"“”]", "", text).split()[:6])
