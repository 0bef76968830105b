"""Where a module notebook reads and writes a trainee's progress.

Two backends with the same methods:

* :class:`LocalBackend` talks to the ledger directly (a trainer's laptop, a single-user
  JupyterLab, the tests);
* on JupyterHub the trainee's kernel holds no database credentials: it calls the
  progress service with its hub token (:mod:`ppskit.hub`), and the service runs the same
  :class:`LocalBackend` methods for the trainee the hub user is linked to, never another.

:data:`METHODS` is the whole interface: the service dispatches exactly these names. Every
method takes the trainee id first; the service replaces it with the hub user's own.
"""

from __future__ import annotations

import os
from typing import Protocol

#: Environment variable holding the progress service's URL (set by the hub's spawner).
SERVICE_ENV = "PPSKIT_PROGRESS_URL"

#: The methods a backend offers, and the only ones the hub service runs.
METHODS = ("who", "progress", "answers", "mark_done", "record_hours", "my_training")


class Backend(Protocol):
    """What a notebook may ask about its own trainee."""

    def who(self, trainee_id: str) -> dict | None:
        """``{"trainee_id", "name", "profile"}`` of a registered trainee, else None."""

    def progress(self, trainee_id: str) -> dict[str, list[str]]:
        """Done exercise ids per module."""

    def answers(self, trainee_id: str, module_id: str) -> dict[str, dict]:
        """The latest saved answer of each exercise of one module."""

    def mark_done(
        self, trainee_id: str, module_id: str, exercise_id: str, answer: dict | None = None
    ) -> None:
        """Note an exercise finished (idempotent) and save its answer."""

    def record_hours(
        self, trainee_id: str, module_id: str, active_minutes: float | None = None
    ) -> str:
        """Record the module's hours once, with the active time measured; the message."""

    def my_training(self, trainee_id: str) -> dict:
        """What the "My training" page shows: modules, hours, exam status, next step."""


class LocalBackend:
    """The ledger itself (``db``: a SQLAlchemy URL, default the ledger's own)."""

    def __init__(self, db: str | None = None):
        self.db = db

    def who(self, trainee_id: str) -> dict | None:
        from ppskit.ledger.progress import trainee_card

        return trainee_card(trainee_id, db=self.db)

    def progress(self, trainee_id: str) -> dict[str, list[str]]:
        from ppskit.ledger.api import exercise_progress

        return {m: sorted(e) for m, e in exercise_progress(trainee_id, db=self.db).items()}

    def answers(self, trainee_id: str, module_id: str) -> dict[str, dict]:
        from ppskit.ledger.progress import saved_answers

        return saved_answers(trainee_id, module_id, db=self.db)

    def mark_done(
        self, trainee_id: str, module_id: str, exercise_id: str, answer: dict | None = None
    ) -> None:
        from ppskit.ledger.progress import exercise_finished

        exercise_finished(trainee_id, module_id, exercise_id, answer, db=self.db)

    def record_hours(
        self, trainee_id: str, module_id: str, active_minutes: float | None = None
    ) -> str:
        from ppskit.ledger.api import record_module_hours

        return record_module_hours(
            trainee_id, module_id, active_minutes=active_minutes, db=self.db
        ).message

    def my_training(self, trainee_id: str) -> dict:
        from ppskit.my_training import my_training

        return my_training(trainee_id, db=self.db)


def default_backend(db: str | None = None) -> Backend:
    """The hub's progress service when ``$PPSKIT_PROGRESS_URL`` is set, else the ledger."""
    url = os.environ.get(SERVICE_ENV, "").strip()
    if url and db is None:
        from ppskit.hub.client import RemoteBackend

        return RemoteBackend(url)
    return LocalBackend(db)
