"""Start the supervisor dashboard with Voila (``ppskit dashboard``).

Voila runs ``gradebook/dashboard.ipynb`` in its own kernel and shows only its outputs:
``strip_sources`` is Voila's default, so no code is ever on the page, and tracebacks are
not sent to the browser. The server listens on 127.0.0.1 only; for other people, put it
behind JupyterHub's login (see ``docs/dashboard.md``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

NOTEBOOK = Path("gradebook") / "dashboard.ipynb"


def dashboard_notebook(root: Path | None = None) -> Path:
    """The dashboard notebook of the course directory; ``FileNotFoundError`` if absent."""
    from ppskit.db import course_root

    path = (root or course_root()) / NOTEBOOK
    if not path.is_file():
        raise FileNotFoundError(
            f"The dashboard notebook {path} is missing. Run 'ppskit dashboard' from the "
            "course folder (the one with nbgrader_config.py)."
        )
    return path


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the operating system says is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def voila_command(notebook: Path, port: int) -> list[str]:
    """The Voila command line: local address only, no browser, sources stripped."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        # One kernel is started and its imports done before anyone asks for the page; the
        # dashboard waits for the visitor before it reads the ledger (fresh data).
        "--preheat_kernel=True",
        "--pool_size=1",
    ]


def dashboard_env(db: str | None) -> dict[str, str]:
    """Environment for the Voila process: the ledger URL made absolute."""
    from ppskit.db import resolve_url

    env = dict(os.environ)
    env["PPSKIT_DB"] = resolve_url(db)
    return env


def run_dashboard(
    *, port: int = 8866, db: str | None = None, echo: Callable[[str], None] = print
) -> int:
    """Run Voila in the foreground until Ctrl-C; returns its exit code."""
    try:
        notebook = dashboard_notebook()
    except FileNotFoundError as exc:
        raise ValueError(str(exc)) from exc
    if not port_is_free(port):
        new = free_port()
        echo(f"Port {port} is busy; using {new} instead.")
        port = new
    echo(f"Supervisor dashboard (read-only): http://127.0.0.1:{port}/")
    echo("Open that address in a browser on this computer. Press Ctrl-C here to stop it.")
    proc = subprocess.Popen(voila_command(notebook, port), env=dashboard_env(db))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
