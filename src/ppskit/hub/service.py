"""The progress service: a JupyterHub service that keeps the ledger away from trainees.

On a hub the trainee's kernel holds no database credentials. The notebook calls this
service instead (:class:`ppskit.hub.client.RemoteBackend`), with the token the hub gave
its server (``$JUPYTERHUB_API_TOKEN``). For every request the service

1. asks the hub whose token it is (``jupyterhub.services.auth.HubAuth``) and checks the
   token may use this service (``access:services!service=ppskit-progress``);
2. finds the trainee that hub user is (:func:`ppskit.hub.accounts.trainee_for_account`);
3. runs the :data:`~ppskit.exercises.backend.METHODS` method named in the URL on the
   ledger (:class:`~ppskit.exercises.backend.LocalBackend`) for that trainee only.

``POST {prefix}api/<method>`` with a JSON object of keyword arguments answers
``{"result": ...}``; a refusal answers ``{"error": "<plain sentence>"}`` with a 4xx
code. The trainee id a client sends may be left out; if sent, it must be the hub
user's own (their account name or linked trainee id), else 403: nobody reads or writes
another trainee's progress through this door.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
import logging
import os
from urllib.parse import urlsplit

from tornado import web

from ppskit.exercises.backend import METHODS, LocalBackend

#: The service's name in ``jupyterhub_config.py`` (also the last part of its URL prefix).
SERVICE_NAME = "ppskit-progress"
#: The scope a token needs to call the service.
ACCESS_SCOPE = f"access:services!service={SERVICE_NAME}"
DEFAULT_PREFIX = f"/services/{SERVICE_NAME}/"
DEFAULT_PORT = 10111

log = logging.getLogger("ppskit.hub.progress")

NOT_LINKED = "This hub account is not linked to a trainee yet; ask your trainer."
NOT_YOURS = "You can only see and record your own training, not another trainee's."


class Refused(Exception):
    """A request the service answers with a 4xx code and a plain sentence."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _jsonable(value):  # noqa: ANN001, ANN202
    # Ledger functions answer with sets and dates here and there; JSON has neither.
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "__dict__"):
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    raise TypeError(f"{type(value).__name__} is not JSON")


def _plain(exc: Exception) -> str:
    # The same sentences the notebook shows when it writes to the ledger itself.
    from ppskit.exercises.module import _friendly

    return _friendly(exc)


class _Base(web.RequestHandler):
    def initialize(self, hub_auth, backend, db) -> None:  # noqa: ANN001
        self.hub_auth = hub_auth
        self.backend = backend
        self.db = db

    def write_error(self, status_code: int, **kwargs) -> None:
        """Errors as ``{"error": ...}`` in plain words, never a traceback page."""
        self.set_header("Content-Type", "application/json; charset=utf-8")
        message = "The progress service could not answer. Please tell your trainer."
        if status_code == 404:
            message = "There is no such page in the progress service."
        elif status_code == 405:
            message = "The progress service only answers POST requests with JSON."
        self.finish(json.dumps({"error": message}))

    def answer(self, status: int, payload: dict) -> None:
        """Send ``payload`` as JSON with ``status``."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(payload, default=_jsonable, ensure_ascii=False))


class InfoHandler(_Base):
    """``GET {prefix}``: what this is (for a person who opens the address)."""

    def get(self) -> None:
        """Say what the service is and which methods it has."""
        self.answer(
            200,
            {
                "service": SERVICE_NAME,
                "about": "Saves trainees' module progress and hours; used by the notebooks.",
                "methods": list(METHODS),
            },
        )


class MethodHandler(_Base):
    """``POST {prefix}api/<method>``: run one backend method for the caller's trainee."""

    async def post(self, method: str) -> None:
        """Authenticate, map the hub user to a trainee and run ``method``."""
        try:
            user = await self._hub_user()
            kwargs = self._kwargs()
            if method not in METHODS:
                raise Refused(404, f"The progress service has no '{method}'.")
            trainee = await asyncio.to_thread(self._trainee_for, user["name"])
            sent = kwargs.pop("trainee_id", None)
            if sent not in (None, "", trainee, user["name"]):
                log.warning("hub user %s asked %s for trainee %r", user["name"], method, sent)
                raise Refused(403, NOT_YOURS)
            result = await asyncio.to_thread(self._call, method, trainee, kwargs)
        except Refused as refusal:
            self.answer(refusal.status, {"error": refusal.message})
            return
        self.answer(200, {"result": result})

    async def _hub_user(self) -> dict:
        token = self.hub_auth.get_token(self, in_cookie=False)
        if not token:
            raise Refused(
                401,
                "The progress service needs your hub sign-in. Open the notebook from "
                "JupyterHub, or ask your trainer.",
            )
        user = await self.hub_auth.user_for_token(token, sync=False)
        if user is None:
            raise Refused(401, "Your hub sign-in has expired. Sign in to JupyterHub again.")
        if user.get("kind") != "user":
            raise Refused(403, "Only trainees' own notebooks can use the progress service.")
        if not self.hub_auth.check_scopes(self.hub_auth.access_scopes, user):
            raise Refused(403, "Your hub account may not use the progress service.")
        return user

    def _kwargs(self) -> dict:
        body = self.request.body or b"{}"
        try:
            kwargs = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            kwargs = None
        if not isinstance(kwargs, dict):
            raise Refused(400, "The request must be a JSON object of named values.")
        return kwargs

    def _trainee_for(self, account: str) -> str:
        from ppskit.db import LedgerNotFound
        from ppskit.hub.accounts import trainee_for_account

        try:
            trainee = trainee_for_account(account, db=self.db)
        except LedgerNotFound:
            raise Refused(
                503, "The hours record is not set up on this hub yet. Please tell your trainer."
            ) from None
        if trainee is None:
            raise Refused(403, NOT_LINKED)
        return trainee

    def _call(self, method: str, trainee: str, kwargs: dict):  # noqa: ANN202
        fn = getattr(self.backend, method)
        try:
            bound = inspect.signature(fn).bind(trainee, **kwargs)
        except TypeError:
            raise Refused(
                400, f"The progress service cannot run '{method}' with {sorted(kwargs)}."
            ) from None
        try:
            return fn(*bound.args, **bound.kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence
            message = _plain(exc)
            technical = not type(exc).__module__.startswith("ppskit") and not isinstance(
                exc, ValueError | KeyError
            )
            if technical:
                log.exception("%s for trainee %s failed", method, trainee)
            raise Refused(500 if technical else 400, message) from None


def make_app(
    *,
    db: str | None = None,
    prefix: str | None = None,
    hub_auth=None,  # noqa: ANN001
    backend=None,  # noqa: ANN001
) -> web.Application:
    """The tornado application (``prefix`` default: ``$JUPYTERHUB_SERVICE_PREFIX``).

    ``hub_auth`` defaults to a ``HubAuth`` configured from the environment the hub gives
    a managed service; ``backend`` to the ledger at ``db``.
    """
    if hub_auth is None:
        from jupyterhub.services.auth import HubAuth

        hub_auth = HubAuth(access_scopes={ACCESS_SCOPE}, cache_max_age=60)
    prefix = prefix or os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or DEFAULT_PREFIX
    prefix = "/" + prefix.strip("/") + "/"
    args = {"hub_auth": hub_auth, "backend": backend or LocalBackend(db), "db": db}
    return web.Application(
        [
            (prefix, InfoHandler, args),
            (prefix + r"api/([a-z_]+)", MethodHandler, args),
        ],
        # Token in a header only: no cookies, so no cross-site request to guard against.
        xsrf_cookies=False,
    )


def bind_host(hostname: str | None) -> str:
    """The address to listen on for a service URL's host name.

    An IP address or ``localhost`` is this machine's own: listen there. Any other name
    (``hub`` on Kubernetes) names a load-balanced address that is not this machine's,
    so listen on all of them.
    """
    import ipaddress

    if not hostname or hostname == "localhost":
        return "127.0.0.1"
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return "0.0.0.0"
    return hostname


def listen_address(port: int | None = None, default: int = DEFAULT_PORT) -> tuple[str, int]:
    """Where to listen: from ``$JUPYTERHUB_SERVICE_URL`` (set by the hub), else
    127.0.0.1 and ``default``; ``port`` overrides the port."""
    url = urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", ""))
    return bind_host(url.hostname), port or url.port or default


def run_progress_service(*, db: str | None = None, port: int | None = None) -> None:
    """Serve until stopped (the hub starts and stops it as a managed service)."""
    from ppskit.db import require_ledger

    # One line per request and our own notes in the hub's log; nothing from libraries.
    logging.basicConfig(level=logging.WARNING, format="[ppskit-progress] %(message)s")
    for name in (log.name, "tornado.access"):
        logging.getLogger(name).setLevel(logging.INFO)
    resolved = require_ledger(db)
    host, port = listen_address(port)

    async def main() -> None:
        app = make_app(db=resolved)
        app.listen(port, host)
        log.info("listening on %s:%s", host, port)
        await asyncio.Event().wait()

    asyncio.run(main())
