"""The notebook's side of the progress service: the same methods as the ledger backend.

:func:`ppskit.exercises.backend.default_backend` returns a :class:`RemoteBackend` when
the hub's spawner set ``$PPSKIT_PROGRESS_URL``. Each call is one ``POST`` to the service
with the server's hub token (``$JUPYTERHUB_API_TOKEN``); only the standard library is
used, so opening a module stays light. Failures come back as
:class:`~ppskit.exercises.module.LedgerProblem` with a sentence a trainee can act on.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

from ppskit.exercises.backend import METHODS, SERVICE_ENV

#: Where the hub puts the token of the trainee's server (and so of its kernels).
TOKEN_ENV = "JUPYTERHUB_API_TOKEN"
#: Seconds to wait for the service; a ledger write takes well under a second.
DEFAULT_TIMEOUT = 30.0

_UNREACHABLE = (
    "The training record on the hub could not be reached, so nothing was saved. "
    "Please try again in a minute, or tell your trainer."
)


def _problem(message: str) -> Exception:
    from ppskit.exercises.module import LedgerProblem

    return LedgerProblem(message)


class RemoteBackend:
    """The progress service at ``url`` (default ``$PPSKIT_PROGRESS_URL``)."""

    def __init__(
        self, url: str | None = None, *, token: str | None = None, timeout: float | None = None
    ):
        self.url = (url or os.environ.get(SERVICE_ENV, "")).strip().rstrip("/") + "/"
        self.token = token if token is not None else os.environ.get(TOKEN_ENV, "")
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout

    def call(self, method: str, trainee_id: str | None, **kwargs):  # noqa: ANN201
        """Run ``method`` on the service; the result, or ``LedgerProblem`` in words."""
        if method not in METHODS:
            raise ValueError(f"{method!r} is not one of the backend methods {METHODS}")
        if not self.token:
            raise _problem(
                "This notebook is not running on the hub, so it cannot reach the training "
                "record. Please tell your trainer."
            )
        body = {**kwargs, "trainee_id": trainee_id} if trainee_id else dict(kwargs)
        request = urllib.request.Request(
            f"{self.url}api/{method}",
            data=json.dumps(body).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"token {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as refusal:
            raise _problem(self._refusal_message(refusal)) from None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError):
            raise _problem(_UNREACHABLE) from None
        if not isinstance(payload, dict) or "result" not in payload:
            raise _problem(_UNREACHABLE)
        return payload["result"]

    @staticmethod
    def _refusal_message(refusal: urllib.error.HTTPError) -> str:
        # The service words its refusals; a proxy or hub error page has no "error" key.
        try:
            said = json.loads(refusal.read().decode("utf-8")).get("error")
        except (ValueError, AttributeError, OSError):
            said = None
        if isinstance(said, str) and said:
            return said
        if refusal.code in (401, 403):
            return "The hub did not let this notebook reach your training record. Sign in again."
        return _UNREACHABLE

    # --- the Backend methods -----------------------------------------------------------
    def who(self, trainee_id: str) -> dict | None:
        """The trainee the hub user is: ``{"trainee_id", "name", "profile"}``."""
        return self.call("who", trainee_id)

    def progress(self, trainee_id: str) -> dict[str, list[str]]:
        """Done exercise ids per module."""
        return self.call("progress", trainee_id)

    def answers(self, trainee_id: str, module_id: str) -> dict[str, dict]:
        """The latest saved answer of each exercise of one module."""
        return self.call("answers", trainee_id, module_id=module_id)

    def mark_done(
        self, trainee_id: str, module_id: str, exercise_id: str, answer: dict | None = None
    ) -> None:
        """Note an exercise finished (idempotent) and save its answer."""
        self.call(
            "mark_done", trainee_id, module_id=module_id, exercise_id=exercise_id, answer=answer
        )

    def record_hours(
        self, trainee_id: str, module_id: str, active_minutes: float | None = None
    ) -> str:
        """Record the module's hours once; the ledger's message."""
        return self.call(
            "record_hours", trainee_id, module_id=module_id, active_minutes=active_minutes
        )

    def my_training(self, trainee_id: str) -> dict:
        """What the "My training" page shows."""
        return self.call("my_training", trainee_id)
