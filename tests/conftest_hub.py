"""A real JupyterHub on 127.0.0.1 for tests: Unix accounts, the hub's REST API, kernels.

Not a pytest conftest (the lead owns ``tests/conftest.py``): test files import it.

:func:`running_hub` starts ``jupyterhub`` with the ``jupyterhub_config.py`` that
``ppskit hub config`` writes, plus what only a test needs: the hub's dummy
authenticator, free ports, a service token for the test itself (to make users' tokens
and start their servers), and a Python the test accounts can run. Trainees are real
Unix accounts made with ``useradd`` (we are root) and removed afterwards; their servers
run as them through LocalProcessSpawner, so what a kernel can read is what that account
can read. :meth:`Hub.run` executes code in a kernel on a user's server through the
server's REST API and kernel websocket, as JupyterLab does.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The service the test talks to the hub as (not part of a real deployment).
TEST_SERVICE = "ppskit-test"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def hub_missing_reason() -> str | None:
    """Why a real hub cannot be started here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root, to create the trainees' Unix accounts"
    for tool in ("useradd", "userdel", "runuser"):
        if shutil.which(tool) is None:
            return f"needs {tool}, to create the trainees' Unix accounts"
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub is not installed (pip install jupyterhub)"
    if shutil.which("configurable-http-proxy") is None:
        return "configurable-http-proxy is not installed (npm install -g configurable-http-proxy)"
    return None


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def make_account(name: str) -> None:
    """A fresh Unix account with a private home (a hub machine sets HOME_MODE 0700)."""
    _run("userdel", "-r", name)  # left behind by an interrupted run
    made = _run("useradd", "--create-home", "--user-group", "--shell", "/bin/sh", name)
    if made.returncode != 0:
        raise RuntimeError(made.stderr)
    os.chmod(pwd.getpwnam(name).pw_dir, 0o700)


def remove_account(name: str) -> None:
    """Remove an account made by :func:`make_account`, with its home."""
    _run("userdel", "-r", name)


def trainee_python(work: Path, user: str) -> tuple[str, dict[str, str]]:
    """A Python the test accounts can run, and the environment it needs.

    This interpreter when they can run it (a hub image); when it lives where they cannot
    reach (pyenv under /root, mode 0700, as on this project's machines) a hard-linked
    mirror of it beside the test files: no copy, the same files.
    """
    if _run("runuser", "-u", user, "--", sys.executable, "-c", "pass").returncode == 0:
        return sys.executable, {}
    if sys.prefix != sys.base_prefix:
        raise RuntimeError("the test accounts cannot run this virtualenv's Python")
    mirror = work / "python"
    if _run("cp", "-al", sys.prefix, str(mirror)).returncode != 0:
        raise RuntimeError(f"the test accounts cannot run {sys.executable}")
    exe = mirror / Path(sys.executable).relative_to(sys.prefix)
    return str(exe), {"LD_LIBRARY_PATH": str(mirror / "lib")}


def readable_package(work: Path) -> Path:
    """A copy of the ppskit package that every account can import (the checkout may sit
    in a folder trainees cannot read, such as the course folder itself)."""
    import ppskit

    lib = work / "lib"
    shutil.copytree(
        Path(ppskit.__file__).parent,
        lib / "ppskit",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for folder, _dirs, files in os.walk(lib):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return lib


@dataclass
class KernelRun:
    """What one execution printed, and its error (traceback text) if it raised."""

    stdout: str
    error: str | None

    def json(self):  # noqa: ANN201
        """The last line printed, parsed as JSON (the test code prints its findings)."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert self.error is None and lines, self.error or "the kernel printed nothing"
        return json.loads(lines[-1])


@dataclass
class Hub:
    """A running hub: its public URL, the test's admin token and users' tokens."""

    url: str
    admin_token: str
    work: Path
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)
    kernels: dict[str, str] = field(default_factory=dict)

    def request(self, path: str, *, token: str | None = None, method: str = "GET", body=None):  # noqa: ANN001, ANN201
        """``(status, text)`` of one request to the hub's public URL."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if token:
            req.add_header("Authorization", f"token {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

    def api(self, path: str, *, method: str = "GET", body=None):  # noqa: ANN001, ANN201
        """The hub REST API as the test's service; the JSON answer."""
        status, text = self.request(
            "/hub/api" + path, token=self.admin_token, method=method, body=body
        )
        assert status < 400, f"{method} {path}: {status} {text}"
        return json.loads(text) if text else None

    def token(self, user: str) -> str:
        """An API token of ``user`` (with the user's own permissions)."""
        if user not in self.tokens:
            made = self.api(f"/users/{user}/tokens", method="POST", body={"note": "ppskit test"})
            self.tokens[user] = made["token"]
        return self.tokens[user]

    def start_servers(self, *users: str, timeout: float = 120) -> None:
        """Start these users' single-user servers together; wait until all are ready."""
        for user in users:
            self.api(f"/users/{user}/server", method="POST", body={})
        waiting = set(users)
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            for user in sorted(waiting):
                if self.api(f"/users/{user}")["servers"].get("", {}).get("ready"):
                    waiting.discard(user)
            time.sleep(0.5)
        if waiting:
            raise TimeoutError(f"{', '.join(sorted(waiting))}: no server; see {self.log}")

    def stop_server(self, user: str, timeout: float = 60) -> None:
        """Stop ``user``'s server (if running) and wait until it is gone."""
        status, _ = self.request(
            f"/hub/api/users/{user}/server", token=self.admin_token, method="DELETE"
        )
        deadline = time.monotonic() + timeout
        while status < 400 and time.monotonic() < deadline:
            if not self.api(f"/users/{user}")["servers"]:
                return
            time.sleep(0.5)

    def run(self, user: str, code: str, timeout: float = 120) -> KernelRun:
        """Execute ``code`` in a kernel on ``user``'s server (one kernel per user)."""
        token = self.token(user)
        if user not in self.kernels:
            status, text = self.request(
                f"/user/{user}/api/kernels",
                token=token,
                method="POST",
                body={"name": "python3"},
            )
            assert status < 400, f"starting a kernel for {user}: {status} {text}"
            self.kernels[user] = json.loads(text)["id"]
        ws = self.url.replace("http", "ws", 1)
        url = f"{ws}/user/{user}/api/kernels/{self.kernels[user]}/channels"
        return asyncio.run(_execute(url, token, code, timeout))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect (to the hub's login) is an answer the tests look at, not one to follow.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        return None


async def _execute(url: str, token: str, code: str, timeout: float) -> KernelRun:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(
        HTTPRequest(url, headers={"Authorization": f"token {token}"}, request_timeout=60)
    )
    msg_id = uuid.uuid4().hex
    conn.write_message(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "username": "ppskit-test",
                    "session": uuid.uuid4().hex,
                    "date": datetime.now(UTC).isoformat(),
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "channel": "shell",
                "buffers": [],
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            }
        )
    )
    out: list[str] = []
    error = None
    replied = idle = False
    try:
        while not (replied and idle):
            raw = await asyncio.wait_for(conn.read_message(), timeout)
            if raw is None:
                raise ConnectionError("the kernel's websocket closed")
            if isinstance(raw, bytes):
                continue  # binary frames carry buffers only
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                error = _ANSI.sub("", "\n".join(content.get("traceback") or []))
                error = error or f"{content.get('ename')}: {content.get('evalue')}"
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
    finally:
        conn.close()
    return KernelRun("".join(out), error)


def _wait_for(check, what: str, log: Path, timeout: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise TimeoutError(f"{what} did not come up in {timeout:.0f}s. Hub log:\n{tail}")


@contextmanager
def running_hub(
    work: Path,
    *,
    course: Path,
    db: str,
    trainees: list[str],
    trainers: list[str],
    timeout: float = 120,
    trainee_modules: Path | None = None,
) -> Iterator[Hub]:
    """Start JupyterHub for ``course`` and ``db`` with these accounts; stop it after.

    The accounts must exist (:func:`make_account`). ``work`` holds the hub's own files
    (root only) and what every account must reach (Python, the ppskit package).
    """
    from ppskit.hub.config import write_config

    work.chmod(0o755)
    python, python_env = trainee_python(work, trainees[0])
    lib = readable_package(work)
    hub_dir = work / "hub"
    hub_dir.mkdir(mode=0o700)
    port, admin = free_port(), secrets.token_hex(32)
    config = write_config(
        hub_dir / "jupyterhub_config.py",
        course=course,
        db=db,
        trainees=trainees,
        trainers=trainers,
        bind_url=f"http://127.0.0.1:{port}",
        progress_url=f"http://127.0.0.1:{port}/services/ppskit-progress/",
        progress_port=free_port(),
        dashboard_port=free_port(),
        trainee_modules=trainee_modules,
    )
    test_only = f"""
# --- added by tests/conftest_hub.py: what only a test needs ---
c.JupyterHub.authenticator_class = "dummy"
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.JupyterHub.db_url = "sqlite:///{hub_dir / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = "{hub_dir / "cookie_secret"}"
c.JupyterHub.pid_file = "{hub_dir / "jupyterhub.pid"}"
c.Spawner.cmd = [{python!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.environment.update({json.dumps(python_env)})
c.Spawner.start_timeout = {int(timeout)}
# Answer "started" at once, so several servers start together.
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.Spawner.http_timeout = {int(timeout)}
c.JupyterHub.services.append({{"name": "{TEST_SERVICE}", "api_token": "{admin}"}})
c.JupyterHub.load_roles.append(
    {{
        "name": "ppskit-test-admin",
        "services": ["{TEST_SERVICE}"],
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers",
                   "access:services", "list:users", "read:users"],
    }}
)
"""
    with config.open("a", encoding="utf-8") as fh:
        fh.write(test_only)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/root",
        "LANG": "C.UTF-8",
        # The hub's services import ppskit from here, and LocalProcessSpawner passes
        # PYTHONPATH on to the trainees' servers.
        "PYTHONPATH": str(lib),
        "PYTHONUNBUFFERED": "1",
        **python_env,
    }
    log = hub_dir / "hub.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=hub_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(url=f"http://127.0.0.1:{port}", admin_token=admin, work=work, log=log)
    try:
        _wait_for(lambda: hub.request("/hub/api/")[0] == 200, "JupyterHub", log, timeout)
        _wait_for(
            lambda: hub.request("/services/ppskit-progress/")[0] == 200,
            "the progress service",
            log,
            timeout,
        )
        yield hub
    finally:
        for user in trainees + trainers:
            try:
                hub.stop_server(user)
            except (AssertionError, OSError):
                pass
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
