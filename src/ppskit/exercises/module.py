"""One module as a trainee meets it in a notebook: who is signed in, the exercises,
progress that comes back, and hours.

The trainee is known at open (:mod:`ppskit.exercises.identity`: the hub account, an id
set for the computer, or the sign-in remembered from an earlier module) or signs in on
the module's header; every id is checked against the registry first. From then on the
module reads the trainee's finished exercises and saved answers from the ledger (through
:mod:`ppskit.exercises.backend`: the ledger itself, or the hub's progress service) and
writes each finished exercise with its answer. Work done before sign-in is kept in
memory and goes to the trainee who signs in.
"""

from __future__ import annotations

from collections.abc import Callable

from ppskit.exercises import identity
from ppskit.exercises._render import indent
from ppskit.exercises.activity import ActivityTracker
from ppskit.exercises.backend import Backend, default_backend
from ppskit.exercises.loader import PROBLEM_MARKER, module_title
from ppskit.exercises.schema import ModuleContent
from ppskit.exercises.widgets import VIEWS, ExerciseView, FinishView, HeaderView
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


def _call(backend, name: str, *args, **kwargs):  # noqa: ANN001, ANN202
    """Call one backend method, turning failures into plain sentences."""
    try:
        return getattr(backend, name)(*args, **kwargs)
    except LedgerProblem:
        raise
    except ImportError:
        raise LedgerProblem(
            "The hours record is not set up on this computer yet, so nothing was saved. "
            "Please tell your trainer."
        ) from None
    except Exception as exc:
        raise LedgerProblem(_friendly(exc)) from exc


def _no_ledger(exc: LedgerProblem) -> bool:
    from ppskit.db import LedgerNotFound

    return isinstance(exc.__cause__, LedgerNotFound)


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
    """A module opened in a notebook: ``header()`` shows who is signed in,
    ``exercise(id)`` shows one exercise, ``finish()`` closes with the hours button."""

    ok = True

    def __init__(
        self,
        info: ModuleInfo,
        content: ModuleContent,
        *,
        trainee: str | None = None,
        db: str | None = None,
        backend: Backend | None = None,
    ):
        self.info = info
        self.content = content
        self.db = db
        self.backend = backend if backend is not None else default_backend(db)
        self.identity: identity.Identity | None = None
        #: A plain sentence about the sign-in or the progress, shown on the header.
        self.notice = ""
        self.done: set[str] = set()
        #: Saved answers by exercise id (restored on open, updated as exercises finish).
        self.saved: dict[str, dict] = {}
        self._unsynced: dict[str, dict | None] = {}
        self._listeners: list[Callable[[], None]] = []
        self.activity = ActivityTracker(info.id)
        self._resolve(trainee)

    # --- who ---------------------------------------------------------------------------
    @property
    def trainee(self) -> str | None:
        """The signed-in trainee's id, or None before sign-in."""
        return self.identity.trainee_id if self.identity else None

    def _card(self, trainee_id: str) -> dict | None:
        return _call(self.backend, "who", trainee_id)

    def _resolve(self, explicit: str | None) -> None:
        def who(trainee_id: str) -> dict | None:
            try:
                return self._card(trainee_id)
            except LedgerProblem as exc:
                # No ledger yet (a preview, a headless run): nothing to say.
                raise LookupError("" if _no_ledger(exc) else str(exc)) from exc

        found, self.notice = identity.resolve(who, explicit)
        if found is not None:
            notice = self.notice
            self._become(found)
            self.notice = notice or self.notice

    def _become(self, who: identity.Identity | None) -> None:
        self.identity = who
        self.activity.signed_in(self.trainee)
        self.done, self.saved = set(), {}
        if who is not None:
            self.notice = ""
            self._load()
        self._changed()

    def _load(self) -> None:
        """Done exercises and saved answers of the signed-in trainee, from the ledger."""
        try:
            done = _call(self.backend, "progress", self.trainee).get(self.id, [])
            saved = _call(self.backend, "answers", self.trainee, self.id)
        except LedgerProblem as exc:
            if not _no_ledger(exc):
                self.notice = "Your earlier progress could not be read just now. " + str(exc)
            return
        self.done |= set(done) & set(self.exercise_ids)
        self.saved.update({k: v for k, v in saved.items() if k in self.exercise_ids})

    def sign_in(self, value: str) -> str:
        """Sign in with a typed trainee id, checked against the registry at once and
        remembered on this computer. Raises ``ValueError`` with a plain reason."""
        if self.identity is not None and not self.identity.changeable:
            raise ValueError(f"You are signed in as {self.identity.label()} on this hub.")
        trainee_id = identity.checked_id(value)
        try:
            card = self._card(trainee_id)
        except LedgerProblem as exc:
            raise ValueError(str(exc)) from None
        if card is None:
            raise ValueError(identity.unknown_id_message(trainee_id))
        pending = dict(self._unsynced) if self.identity is None else {}
        done_before = set(self.done) if self.identity is None else set()
        self._unsynced = {}
        try:
            identity.remember(card["trainee_id"])
        except OSError:
            pass  # still signed in for this page; they sign in again next time
        self._become(identity.Identity(card["trainee_id"], card.get("name"), "signed in"))
        # Work done on this page before signing in goes to the trainee who signed in.
        for exercise_id in done_before:
            self.done.add(exercise_id)
            self._unsynced[exercise_id] = pending.get(exercise_id)
        try:
            self._flush()
        except LedgerProblem as exc:
            self.notice = str(exc)
        self._changed()
        return f"Signed in as {self.identity.label()}."

    def sign_out(self) -> None:
        """Forget the sign-in on this computer (to sign in as someone else)."""
        if self.identity is not None and not self.identity.changeable:
            raise ValueError("On the hub you are always signed in as your own account.")
        identity.forget()
        self._unsynced.clear()
        self._become(None)

    # --- listeners -------------------------------------------------------------------
    def on_change(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every sign-in and every finished exercise."""
        self._listeners.append(callback)

    def _changed(self) -> None:
        for callback in list(self._listeners):
            callback()

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
    def header(self) -> HeaderView:
        """The panel at the top: who is signed in (or the sign-in box) and progress."""
        return HeaderView(self)

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

    def mark_done(self, exercise_id: str, answer: dict | None = None) -> None:
        """Record that an exercise is complete (with the answer that completed it): in
        memory, and in the ledger once the trainee is signed in."""
        self.done.add(exercise_id)
        if answer is not None:
            self.saved[exercise_id] = answer
        self._unsynced[exercise_id] = answer
        if self.trainee is not None:
            try:
                self._flush()
            except LedgerProblem as exc:
                # Kept in memory; "Record my hours" tries again and explains any problem.
                self.notice = str(exc)
        self._changed()

    def _flush(self) -> None:
        if self.trainee is None:
            return
        for exercise_id in sorted(self._unsynced):
            answer = self._unsynced[exercise_id]
            _call(self.backend, "mark_done", self.trainee, self.id, exercise_id, answer)
            del self._unsynced[exercise_id]

    def sync(self) -> None:
        """Write pending progress to the ledger and add what was recorded in earlier sessions."""
        if self.trainee is None:
            raise ValueError("Please sign in first, at the top of this module.")
        try:
            self._flush()
        except LedgerProblem as exc:
            if not _no_ledger(exc):
                raise
        self._load()

    def checklist(self) -> list[tuple[str, str, bool]]:
        """``(exercise id, title, done)`` for every exercise, in file order."""
        return [(e.id, e.title, e.id in self.done) for e in self.content.exercises]

    def remaining(self) -> list[tuple[str, str]]:
        """``(exercise id, title)`` of the exercises not done yet."""
        return [(i, t) for i, t, done in self.checklist() if not done]

    def record_hours(self) -> str:
        """Record this module's hours for the trainee (once), with the active time
        measured; return the ledger's message."""
        if self.trainee is None:
            raise ValueError("Please sign in first, at the top of this module.")
        return _call(
            self.backend,
            "record_hours",
            self.trainee,
            self.id,
            round(self.activity.minutes, 1),
        )

    def finish(self) -> FinishView:
        """The closing panel with progress and the "Record my hours" button."""
        return FinishView(self)

    def __repr__(self) -> str:
        done = len(self.done & set(self.exercise_ids))
        return f"Module {self.id}: {done} of {len(self.exercise_ids)} exercises done"

    def requirements(self):  # noqa: ANN201
        """What the trainee's certification asks, in plain words, from their profile."""
        from ppskit.exercises.requirements_view import RequirementsView

        return RequirementsView(self)

    def sign_code(self):  # noqa: ANN201
        """The Code of Ethics signing panel (records the signature only on Sign)."""
        from ppskit.exercises.signing import SigningView

        return SigningView(self)

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

    def header(self) -> Problem:
        """The same explanation, in place of the sign-in header."""
        return self.problem

    def state_law(self, topic_id: str) -> Problem:
        """The same explanation, in place of a state law panel."""
        return self.problem

    def requirements(self) -> Problem:
        """The same explanation, in place of the requirements panel."""
        return self.problem

    def sign_code(self) -> Problem:
        """The same explanation, in place of the signing panel."""
        return self.problem

    def __repr__(self) -> str:
        return indent(self.problem.plain_text(), "")
