"""Start the supervisor dashboard with Voila (``ppskit dashboard``).

Voila runs ``gradebook/dashboard.ipynb`` in its own kernel and shows only its outputs:
``strip_sources`` is Voila's default, so no code is ever on the page, and tracebacks are
not sent to the browser. The server listens on 127.0.0.1 only and asks for a token: other
people (or programs) on the same computer can reach the port, so without it they could read
every trainee's record. For a team, put it behind JupyterHub's login instead (see
``docs/dashboard.md``).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

NOTEBOOK = Path("gradebook") / "dashboard.ipynb"

#: Environment variable with a token to use instead of a new one per start.
TOKEN_ENV = "PPSKIT_DASHBOARD_TOKEN"

# Long enough not to be guessed, and safe in a URL without escaping.
_TOKEN = re.compile(r"^[A-Za-z0-9._~-]{16,}$")


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


def new_token() -> str:
    """A fresh random token for one start of the dashboard."""
    return secrets.token_urlsafe(32)


def check_token(token: str) -> str:
    """``token`` if it is usable (16 or more letters, digits or ``._~-``), else
    ``ValueError`` with a plain message."""
    if not _TOKEN.match(token or ""):
        raise ValueError(
            "The dashboard token must be at least 16 characters long, using only letters, "
            "digits and . _ ~ - (leave it out to get a new random one)."
        )
    return token


def voila_command(notebook: Path, port: int) -> list[str]:
    """The Voila command line: local address only, no browser, sources stripped, and a
    token required.

    The token itself is not on the command line (other users of the computer can list
    command lines): Voila reads it from ``JUPYTER_TOKEN`` in its environment, which
    :func:`dashboard_env` sets. Without that variable Voila makes up a token of its own.
    """
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        # Voila standalone asks for no token unless told to; with auto_token its login
        # (jupyter_server's) takes the token from $JUPYTER_TOKEN.
        "--Voila.auto_token=True",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        # One kernel is started and its imports done before anyone asks for the page; the
        # dashboard waits for the visitor before it reads the ledger (fresh data).
        "--preheat_kernel=True",
        "--pool_size=1",
    ]


def dashboard_env(db: str | None, token: str) -> dict[str, str]:
    """Environment for the Voila process: the ledger URL made absolute and the token."""
    from ppskit.db import resolve_url

    env = dict(os.environ)
    env["PPSKIT_DB"] = resolve_url(db)
    env["JUPYTER_TOKEN"] = check_token(token)
    env.pop("JUPYTER_TOKEN_FILE", None)
    env.pop(TOKEN_ENV, None)  # the kernel has no use for it
    return env


def dashboard_url(port: int, token: str) -> str:
    """The address to open: the local port with the token."""
    return f"http://127.0.0.1:{port}/?token={token}"


def run_dashboard(
    *,
    port: int = 8866,
    db: str | None = None,
    token: str | None = None,
    echo: Callable[[str], None] = print,
) -> int:
    """Run Voila in the foreground until Ctrl-C; returns its exit code.

    ``token`` (default: ``$PPSKIT_DASHBOARD_TOKEN``, else a new random one) is what a
    visitor must bring; the printed address carries it. ``LedgerNotFound`` when the
    ledger does not exist: nothing is created and no server starts.
    """
    from ppskit.db import require_ledger

    require_ledger(db)
    if token is None:
        token = os.environ.get(TOKEN_ENV) or new_token()
    check_token(token)
    try:
        notebook = dashboard_notebook()
    except FileNotFoundError as exc:
        raise ValueError(str(exc)) from exc
    if not port_is_free(port):
        new = free_port()
        echo(f"Port {port} is busy; using {new} instead.")
        port = new
    echo(f"Supervisor dashboard (read-only): {dashboard_url(port, token)}")
    echo(
        "Open that address in a browser on this computer; without its token the page shows "
        "nothing. Anyone with the address can read every trainee's record, so don't share "
        "it. Press Ctrl-C here to stop the dashboard."
    )
    proc = subprocess.Popen(voila_command(notebook, port), env=dashboard_env(db, token))
    previous = _stop_on_sigterm()
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop_on_sigterm():  # noqa: ANN202
    # A service manager (or `kill`) stops us with SIGTERM: treat it like Ctrl-C, so Voila
    # and its kernels stop too instead of serving on without us. Only the main thread
    # may set handlers; elsewhere the default stays (None is returned).
    def interrupt(_signum, _frame):  # noqa: ANN001, ANN202
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:
        return None
