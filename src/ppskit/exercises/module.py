"""One module as a trainee meets it in a notebook: its exercises, progress and hours.

Progress lives in memory until the notebook knows who the trainee is (``$PPSKIT_TRAINEE``,
``$JUPYTERHUB_USER`` or the "Your trainee ID" box); from then on each completed exercise
is also written to the ledger. The ledger is only touched from button handlers, and only
imported when it is first needed, so opening a module stays fast and a headless run
writes nothing.
"""

from __future__ import annotations

from ppskit.exercises import storage
from ppskit.exercises._render import indent
from ppskit.exercises.loader import PROBLEM_MARKER, module_title
from ppskit.exercises.schema import ModuleContent
from ppskit.exercises.widgets import VIEWS, ExerciseView, FinishView
from ppskit.framework import Module as ModuleInfo
from ppskit.framework import load_framework


class LedgerProblem(ValueError):
    """The ledger could not be reached or refused the entry; the message is a plain sentence."""


def _friendly(exc: Exception) -> str:
    # A ledger refusal lists its reasons; the trainee needs them as sentences, without the
    # CLI's line and column details.
    reasons = getattr(exc, "errors", None)
    if isinstance(reasons, list) and reasons:
        said = []
        for reason in reasons:
            if getattr(reason, "column", "") == "trainee_id":
                said.append(
                    "this trainee ID is not registered yet. Check the ID, or ask your "
                    "trainer to register you"
                )
            else:
                said.append(str(getattr(reason, "message", reason)))
        return "Nothing was recorded: " + "; ".join(dict.fromkeys(said)) + "."
    # ppskit's own other errors are written for people; anything else is a technical
    # fault (database locked, disk full), which the trainee can only report.
    if type(exc).__module__.startswith("ppskit"):
        return str(exc)
    return (
        "Something went wrong while saving to the hours record, so nothing was saved "
        f"({type(exc).__name__}). Please try again later, or tell your trainer."
    )


def _ledger(name: str, *args, **kwargs):
    """Call one function of ``ppskit.ledger.api``, turning failures into plain sentences."""
    try:
        from ppskit.ledger import api
    except ImportError:
        raise LedgerProblem(
            "The hours record is not set up on this computer yet, so nothing was saved. "
            "Please tell your trainer."
        ) from None
    try:
        return getattr(api, name)(*args, **kwargs)
    except Exception as exc:
        raise LedgerProblem(_friendly(exc)) from exc


class Problem:
    """Shown in place of an exercise or module that cannot be opened."""

    def __init__(self, text: str):
        self.text = text

    def plain_text(self) -> str:
        """Plain text, starting with :data:`PROBLEM_MARKER`."""
        return f"{PROBLEM_MARKER} {self.text}"

    def __repr__(self) -> str:
        return self.plain_text()

    def _repr_mimebundle_(self, include=None, exclude=None):
        from ppskit.exercises._render import esc

        html = f"<div style='border-left:4px solid #a33a12;padding:4px 10px'>{esc(self.text)}</div>"
        return {"text/plain": self.plain_text(), "text/html": html}


class Module:
    """A module opened in a notebook: ``exercise(id)`` shows one, ``finish()`` closes."""

    ok = True

    def __init__(
        self,
        info: ModuleInfo,
        content: ModuleContent,
        *,
        trainee: str | None = None,
        db: str | None = None,
    ):
        self.info = info
        self.content = content
        self.db = db
        self.trainee: str | None = None
        candidate = trainee if trainee is not None else storage.trainee_from_env()
        if candidate is not None:
            try:
                self.trainee = storage.check_trainee_id(candidate)
            except ValueError:
                # An unusable name from the environment: ask in the notebook instead.
                self.trainee = None
        self.done: set[str] = set()
        self._unsynced: set[str] = set()

    # --- facts from the framework ------------------------------------------------------
    @property
    def id(self) -> str:
        """The module id."""
        return self.info.id

    @property
    def title(self) -> str:
        """A readable module title."""
        return module_title(self.info)

    @property
    def hours(self) -> float:
        """Hours the module counts for."""
        return self.info.hours

    @property
    def hours_kind(self) -> str:
        """What the hours count toward, in words."""
        if self.info.category == "core":
            return f"core training ({load_framework().domain(self.info.domain).name})"
        return "continuing education (CE)"

    @property
    def exercise_ids(self) -> list[str]:
        """Ids of the module's exercises, in file order."""
        return self.content.ids

    # --- exercises ---------------------------------------------------------------------
    def exercise(self, exercise_id: str) -> ExerciseView | Problem:
        """The exercise with this id, ready to display (the notebook's exercise cells)."""
        try:
            spec = self.content.get(exercise_id)
        except KeyError:
            return Problem(
                f"This notebook asks for an exercise called {exercise_id!r}, which the module "
                f"{self.id!r} does not have. Please tell your trainer."
            )
        return VIEWS[spec.kind](spec, self)

    def mark_done(self, exercise_id: str) -> None:
        """Record that an exercise is complete: in memory, and in the ledger if possible."""
        self.done.add(exercise_id)
        self._unsynced.add(exercise_id)
        if self.trainee is not None:
            try:
                self._flush()
            except LedgerProblem:
                # Kept in memory; "Record my hours" tries again and explains any problem.
                pass

    def _flush(self) -> None:
        for exercise_id in sorted(self._unsynced):
            _ledger("mark_exercise_done", self.trainee, self.id, exercise_id, db=self.db)
            self._unsynced.discard(exercise_id)

    def set_trainee(self, value: str) -> None:
        """Use this trainee id from now on (raises ``ValueError`` with a plain reason)."""
        self.trainee = storage.check_trainee_id(value)
        try:
            self._flush()
        except LedgerProblem:
            pass

    def sync(self) -> None:
        """Write pending progress to the ledger and add what was recorded in earlier sessions."""
        if self.trainee is None:
            raise ValueError("Please type your trainee ID first. Your trainer gave it to you.")
        self._flush()
        try:
            earlier = _ledger("exercise_progress", self.trainee, db=self.db).get(self.id, set())
        except LedgerProblem as exc:
            from ppskit.db import LedgerNotFound

            if not isinstance(exc.__cause__, LedgerNotFound):
                raise
            earlier = set()  # no ledger yet: nothing was recorded in earlier sessions
        self.done |= set(earlier) & set(self.exercise_ids)

    def checklist(self) -> list[tuple[str, str, bool]]:
        """``(exercise id, title, done)`` for every exercise, in file order."""
        return [(e.id, e.title, e.id in self.done) for e in self.content.exercises]

    def remaining(self) -> list[tuple[str, str]]:
        """``(exercise id, title)`` of the exercises not done yet."""
        return [(i, t) for i, t, done in self.checklist() if not done]

    def record_hours(self) -> str:
        """Record this module's hours for the trainee (once); return the ledger's message."""
        if self.trainee is None:
            raise ValueError("Please type your trainee ID first. Your trainer gave it to you.")
        outcome = _ledger("record_module_hours", self.trainee, self.id, db=self.db)
        return outcome.message

    def finish(self) -> FinishView:
        """The closing panel with progress and the "Record my hours" button."""
        return FinishView(self)

    def __repr__(self) -> str:
        done = len(self.done & set(self.exercise_ids))
        return f"Module {self.id}: {done} of {len(self.exercise_ids)} exercises done"

    def state_law(self, topic_id: str):  # noqa: ANN201 - a display object for the cell
        """The state law panel for ``topic_id``, for this trainee's certification profile.

        The profile is looked up in the ledger only when the trainee is known; otherwise
        the default profile's state is shown, saying so. Never raises: a missing topic
        is a plain message.
        """
        from ppskit.statelaw.render import state_law_panel

        return state_law_panel(topic_id, trainee=self.trainee, db=self.db)


class BrokenModule:
    """Returned by ``open_module`` when a module cannot be opened: explains, never crashes."""

    ok = False

    def __init__(self, module_id: str, reason: str):
        self.id = module_id
        self.problem = Problem(
            f"The exercises of module {module_id!r} could not be opened. {reason} "
            "Please tell your trainer."
        )

    def exercise(self, exercise_id: str) -> Problem:
        """The same explanation, in place of every exercise."""
        return self.problem

    def finish(self) -> Problem:
        """The same explanation, in place of the finish panel."""
        return self.problem

    def __repr__(self) -> str:
        return indent(self.problem.plain_text(), "")
