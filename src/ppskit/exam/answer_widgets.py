"""Answering the exam by clicking: the panels a trainee's kernel shows (ipywidgets 8).

The exam notebook stays an ordinary nbgrader notebook; this is a layer over it, used
only in a trainee's kernel (``runtime.check`` and friends never call it while nbgrader
grades):

* the **header panel** (setup cell) and the **review panel** (end of the exam): how
  many questions are answered, the time left, and which questions are unanswered or
  marked to come back to;
* a **choice panel** under every multiple-choice question: radio buttons A-D (native
  radio inputs, big targets, letters as visible text), a "Mark to come back to this
  question" box and a status line ("Saved: B. 3 of 12 answered. Time left: 2 h 41 min");
* a **written-answer panel** under every written question: a text box saved as the
  trainee types.

Every change is saved at once to ``answers.json`` beside the notebook (the kernel's
working directory; ``runtime.write_answers``), so nothing depends on saving the
notebook, and running the notebook again restores every panel. The time limit comes
from the notebook's ``metadata.ppskit`` manifest (``time_limit_minutes``, plus
``extra_time_pct`` for a trainee's accommodation) and runs from the first time the exam
was opened (``started_at``); at zero the panels lock and say the answers are saved.

Everything a panel does can be driven without a browser (:class:`ExamSession` and the
panels' ``choose`` / ``mark`` / ``write``), which is how the tests check it.
"""

from __future__ import annotations

import glob
import html
import json
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import ipywidgets as w

from ppskit.exam.runtime import LETTERS, normalize, read_answers, write_answers

_FULL = w.Layout(width="100%")
_CARD = w.Layout(border="1px solid #c8c8c8", padding="6px 14px", margin="8px 0", width="100%")
# Big targets: each letter is a framed button-sized label around a native radio input
# (so Tab, Space and the screen reader's radio handling work), the letter in bold text
# next to it; the chosen one is framed thicker and bold, so colour is never the only
# signal. ipywidgets puts the letter before the input: row-reverse shows the circle first.
STYLE = """<style>
.ppskit-answer .widget-radio-box { flex-wrap: wrap; gap: 0.6em; }
.ppskit-answer .widget-radio-box label {
  display: inline-flex; flex-direction: row-reverse; align-items: center; gap: 0.5em;
  font-size: 1.3em; font-weight: 600; min-width: 3.2em; min-height: 2.4em;
  padding: 0.2em 0.9em; border: 2px solid #777; border-radius: 8px; cursor: pointer;
  background: #fff; color: #111;
}
.ppskit-answer .widget-radio-box label:has(input:checked) {
  border: 4px solid #1a5fb4; background: #e6f0fb; text-decoration: underline;
}
.ppskit-answer .widget-radio-box input[type=radio] { width: 1.3em; height: 1.3em; margin: 0; }
.ppskit-answer .widget-radio-box input:focus-visible { outline: 3px solid #1a5fb4; }
.ppskit-mark label, .ppskit-mark input { font-size: 1.1em; cursor: pointer; }
.ppskit-mark input[type=checkbox] { width: 1.2em; height: 1.2em; }
.ppskit-written textarea { font-size: 1.1em; line-height: 1.5; }
.jp-Cell:has(.ppskit-panel) .jp-InputPlaceholder,
.jp-Cell:has(+ .jp-Cell .ppskit-choice-panel) .jp-InputPlaceholder { display: none; }
</style>"""


# The whole answer card of a multiple-choice question as one small anywidget: one
# widget model per question instead of about a dozen (a 120-question exam otherwise
# makes JupyterLab build some 1,500 widget models on Run All Cells). The letters are
# one native radio group: a <fieldset> whose <legend> names it for screen readers
# ("Your answer to question 7"), radio inputs sharing one name, so Tab reaches the group
# and the arrow keys move between letters (ipywidgets' RadioButtons gives its inputs no
# name, so arrow keys do nothing there, and no group name).
_CARD_ESM = """
function render({ model, el }) {
  const card = document.createElement("div");
  card.className = "ppskit-card";
  // Keys pressed here are the trainee's, not JupyterLab's: without this, command mode
  // takes the arrow keys (move between cells) and letters ("D D" deletes a cell).
  // JupyterLab reads shortcuts as the key event bubbles up to the document; the
  // browser's own handling (arrow keys between radios, Space) is left alone.
  card.setAttribute("data-lm-suppress-shortcuts", "true");
  card.addEventListener("keydown", (event) => {
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey;
    if (plain && (event.key.startsWith("Arrow") || event.key.length === 1)) {
      event.stopPropagation();
    }
  });
  const fieldset = document.createElement("fieldset");
  fieldset.className = "ppskit-letters";
  const legend = document.createElement("legend");
  fieldset.appendChild(legend);
  // One name per view: two views of one question must not share a radio group.
  const name = "ppskit-" + Math.random().toString(36).slice(2);
  const inputs = model.get("options").map((letter) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = name;
    input.value = letter;
    input.addEventListener("change", () => {
      if (input.checked) {
        model.set("value", letter);
        model.save_changes();
      }
    });
    const text = document.createElement("span");
    text.textContent = letter;
    label.append(input, text);
    fieldset.appendChild(label);
    return input;
  });
  const hint = document.createElement("div");
  hint.className = "ppskit-hint";
  const markLabel = document.createElement("label");
  markLabel.className = "ppskit-mark";
  const mark = document.createElement("input");
  mark.type = "checkbox";
  mark.addEventListener("change", () => {
    model.set("marked", mark.checked);
    model.save_changes();
  });
  const markText = document.createElement("span");
  markText.textContent = "Mark to come back to this question";
  markLabel.append(mark, markText);
  const status = document.createElement("div");
  status.className = "ppskit-status";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  card.append(fieldset, hint, markLabel, status);
  function update() {
    legend.textContent = model.get("label");
    hint.textContent = model.get("hint");
    for (const input of inputs) {
      input.checked = input.value === model.get("value");
      input.disabled = model.get("disabled");
    }
    mark.checked = model.get("marked");
    status.textContent = model.get("status");
  }
  model.on("change", update);
  update();
  el.appendChild(card);
}
export default { render };
"""

_CARD_CSS = """
.ppskit-card { border: 1px solid #c8c8c8; padding: 6px 14px; margin: 8px 0; }
.ppskit-letters { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap;
  gap: 0.6em; align-items: center; }
.ppskit-letters legend { font-weight: 600; font-size: 1.1em; padding: 0; margin-bottom: 0.4em;
  width: 100%; }
.ppskit-letters label { display: inline-flex; align-items: center; gap: 0.5em;
  font-size: 1.3em; font-weight: 600; min-width: 3.2em; min-height: 2.4em;
  padding: 0.2em 0.9em; border: 2px solid #777; border-radius: 8px; cursor: pointer;
  background: #fff; color: #111; }
.ppskit-letters label:has(input:checked) { border: 4px solid #1a5fb4; background: #e6f0fb;
  text-decoration: underline; }
.ppskit-letters label:has(input:disabled) { cursor: not-allowed; opacity: 0.7; }
.ppskit-letters input[type=radio] { width: 1.3em; height: 1.3em; margin: 0; }
.ppskit-letters label:has(input:focus-visible) { outline: 3px solid #1a5fb4;
  outline-offset: 2px; }
.ppskit-hint { color: #444; margin: 0.4em 0; }
.ppskit-card .ppskit-mark { display: inline-flex; align-items: center; gap: 0.5em;
  font-size: 1.1em; cursor: pointer; }
.ppskit-card .ppskit-mark input { width: 1.2em; height: 1.2em; margin: 0; }
.ppskit-status { line-height: 1.5; margin-top: 0.3em; }
.jp-Cell:has(.ppskit-panel) .jp-InputPlaceholder,
.jp-Cell:has(+ .jp-Cell .ppskit-choice-panel) .jp-InputPlaceholder { display: none; }
"""

_HINT = "Click one letter. (With the keyboard: Tab to the letters, then the arrow keys.)"
_card_class: type | None = None


def _anywidget_card() -> type | None:
    """The anywidget class of the answer card (made once), or None without anywidget."""
    global _card_class
    if _card_class is None:
        try:
            import anywidget
            import traitlets
        except ImportError:
            return None

        class AnswerCard(anywidget.AnyWidget):
            _esm = _CARD_ESM
            _css = _CARD_CSS
            options = traitlets.List(traitlets.Unicode()).tag(sync=True)
            value = traitlets.Unicode(None, allow_none=True).tag(sync=True)
            label = traitlets.Unicode("").tag(sync=True)
            hint = traitlets.Unicode("").tag(sync=True)
            marked = traitlets.Bool(False).tag(sync=True)
            status = traitlets.Unicode("").tag(sync=True)
            disabled = traitlets.Bool(False).tag(sync=True)

        _card_class = AnswerCard
    return _card_class


def _now() -> datetime:
    return datetime.now(UTC)


def _questions(numbers: list[int]) -> str:
    if not numbers:
        return ""
    word = "question" if len(numbers) == 1 else "questions"
    return f"{word} {', '.join(str(n) for n in numbers)}"


def duration_text(left: timedelta) -> str:
    """A time left as a parent reads it: ``2 h 41 min``, ``41 min``, ``less than a
    minute``. Whole minutes are rounded up, so a fresh three-hour exam says 3 h."""
    seconds = left.total_seconds()
    if seconds < 60:
        return "less than a minute"
    minutes = -int(-seconds // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def find_manifest(folder: str, session_path: str | None = None) -> dict:
    """The ``metadata.ppskit`` manifest of the exam notebook open in this kernel.

    The kernel only knows its folder (and, in JupyterLab, the notebook's path as
    ``__session__``): the notebook is read from disk, trying that path, then
    ``exam.ipynb`` (nbgrader's notebook name), then any notebook with a manifest.
    Empty when none is found (the panels then count only the questions they show).
    """
    candidates = []
    if session_path and session_path.endswith(".ipynb"):
        candidates.append(os.path.join(folder, os.path.basename(session_path)))
    candidates.append(os.path.join(folder, "exam.ipynb"))
    candidates += sorted(glob.glob(os.path.join(folder, "*.ipynb")))
    for path in candidates:
        try:
            with open(path, encoding="utf-8") as fh:
                meta = json.load(fh).get("metadata", {}).get("ppskit")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(meta, dict) and isinstance(meta.get("items"), list):
            return meta
    return {}


class ExamSession:
    """The trainee's answers in this kernel, kept in step with ``answers.json``.

    ``folder`` is where ``answers.json`` lives (the notebook's folder); ``manifest`` the
    notebook's ``metadata.ppskit``; ``now`` the clock (tests pass their own).
    """

    def __init__(self, folder: str, manifest: dict, *, now: Callable[[], datetime] = _now) -> None:
        self.folder = folder
        self.now = now
        self.state = read_answers(folder)
        self.typed: dict[int, str | None] = {}  # question -> letter typed in its box
        self.choice_numbers: set[int] = set()
        self.written_numbers: dict[str, int] = {}  # item id -> question number
        self.total_known = 0
        for item in manifest.get("items", []):
            if not isinstance(item, dict) or not isinstance(item.get("question"), int):
                continue
            self.total_known += 1
            if item.get("type") == "scenario":
                self.written_numbers[str(item.get("id"))] = item["question"]
            else:
                self.choice_numbers.add(item["question"])
        limit = manifest.get("time_limit_minutes")
        extra = manifest.get("extra_time_pct") or 0
        self.limit_minutes = limit if isinstance(limit, int | float) and limit > 0 else None
        self.extra_pct = extra if isinstance(extra, int | float) and extra > 0 else 0
        # Panels to refresh after a change, by what they show: running a cell again
        # replaces its panel instead of adding another.
        self.listeners: dict[str, Callable[[], None]] = {}
        if not self.state["started_at"]:
            # The clock starts the first time the exam is opened, and keeps running
            # across reopening (it is saved with the answers).
            self.state["started_at"] = self.now().isoformat(timespec="seconds")
            self.save()

    # --- what the trainee did ---------------------------------------------------------
    def save(self) -> None:
        """Write the answers to ``answers.json`` now."""
        write_answers(self.folder, self.state)

    def letter(self, number: int) -> str | None:
        """The clicked letter of question ``number`` (None when not answered by clicking)."""
        return normalize(self.state["answers"].get(f"answer_{number}"))

    def choose(self, number: int, letter: str | None) -> bool:
        """Save ``letter`` (A-D, or None to clear) for question ``number``; False (and
        nothing saved) once the time is up."""
        if self.time_up:
            return False
        self.choice_numbers.add(number)
        if letter is None:
            self.state["answers"].pop(f"answer_{number}", None)
        else:
            self.state["answers"][f"answer_{number}"] = normalize(letter) or letter
        self._changed()
        return True

    def mark(self, number: int, marked: bool) -> None:
        """Mark (or unmark) question ``number`` to come back to."""
        marks = set(self.state["marked"])
        marks.add(number) if marked else marks.discard(number)
        self.state["marked"] = sorted(marks)
        self._changed()

    def write(self, item_id: str, text: str) -> bool:
        """Save the written answer of ``item_id``; False once the time is up."""
        if self.time_up:
            return False
        self.state["written"][item_id] = text
        self._changed()
        return True

    def note_typed(self, number: int, value: object) -> None:
        """Question ``number`` was answered by typing in its box (counts as answered
        when it is a letter A-D; a typed answer is what nbgrader grades)."""
        self.choice_numbers.add(number)
        self.typed[number] = normalize(value)
        self._changed(save=False)

    def _changed(self, *, save: bool = True) -> None:
        if save:
            self.save()
        for refresh in list(self.listeners.values()):
            refresh()

    # --- what the panels show ---------------------------------------------------------
    def answered(self, number: int) -> bool:
        """Whether multiple-choice question ``number`` has a letter (typed or clicked)."""
        return bool(self.typed.get(number) or self.letter(number))

    @property
    def total(self) -> int:
        """How many questions the exam has."""
        return max(self.total_known, len(self.choice_numbers) + len(self.written_numbers))

    @property
    def unanswered(self) -> list[int]:
        """Question numbers without an answer yet, in order."""
        out = [n for n in self.choice_numbers if not self.answered(n)]
        out += [
            n
            for item, n in self.written_numbers.items()
            if not self.state["written"].get(item, "").strip()
        ]
        return sorted(out)

    @property
    def answered_count(self) -> int:
        """How many questions have an answer."""
        return self.total - len(self.unanswered)

    @property
    def marked(self) -> list[int]:
        """Question numbers marked to come back to."""
        return list(self.state["marked"])

    def time_left(self) -> timedelta | None:
        """Time left before the limit (never below zero), or None without a limit."""
        if self.limit_minutes is None:
            return None
        try:
            started = datetime.fromisoformat(self.state["started_at"])
        except (TypeError, ValueError):
            started = self.now()
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        allowed = timedelta(minutes=self.limit_minutes * (1 + self.extra_pct / 100))
        return max(started + allowed - self.now(), timedelta(0))

    @property
    def time_up(self) -> bool:
        """True once the time limit has run out."""
        left = self.time_left()
        return left is not None and left <= timedelta(0)

    def count_text(self) -> str:
        """``3 of 12 answered.``"""
        return f"{self.answered_count} of {self.total} answered."

    def time_text(self) -> str:
        """``Time left: 2 h 41 min (includes 50 % extra time).`` or empty without a limit."""
        left = self.time_left()
        if left is None:
            return ""
        if left <= timedelta(0):
            return "Time is up: your answers are saved. Hand in the exam now."
        extra = f" (includes {self.extra_pct:g} % extra time)" if self.extra_pct else ""
        return f"Time left: {duration_text(left)}{extra}."

    def summary_lines(self) -> list[str]:
        """The header's and the review panel's text, one line each."""
        lines = [" ".join(x for x in (self.count_text(), self.time_text()) if x)]
        unanswered = self.unanswered
        lines.append(
            f"Not answered yet: {_questions(unanswered)}."
            if unanswered
            else "Every question has an answer."
        )
        if self.marked:
            lines.append(f"Marked to come back to: {_questions(self.marked)}.")
        return lines

    def status_text(self, number: int) -> str:
        """The line under one multiple-choice panel."""
        letter = self.letter(number)
        saved = f"Saved: {letter}." if letter else "Not answered yet."
        return " ".join(x for x in (saved, self.count_text(), self.time_text()) if x)


def _status_html(text: str) -> str:
    # role=status: a screen reader reads the new line after each click.
    return (
        f'<div role="status" aria-live="polite" style="line-height:1.5">{html.escape(text)}</div>'
    )


class ChoicePanel:
    """The answer panel under one multiple-choice question.

    One anywidget card (letters, "come back to" box, status line) where anywidget is
    installed; otherwise the same made of ipywidgets (RadioButtons: mouse, Tab and
    Space, no arrow keys). Either way ``radio`` has ``value`` and ``disabled``.
    """

    def __init__(self, session: ExamSession, number: int) -> None:
        self.session = session
        self.number = number
        label = f"Your answer to question {number}"
        card = _anywidget_card()
        if card is not None:
            self.card = card(
                options=list(LETTERS),
                value=session.letter(number),
                label=label,
                hint=_HINT,
                marked=number in session.marked,
            )
            self.radio = self.widget = self.card
            self.card.observe(lambda ch: self.mark(ch["new"]), names="marked")
        else:
            self.card = None
            self.radio = w.RadioButtons(
                options=list(LETTERS),
                value=session.letter(number),
                description=label,
                orientation="horizontal",
                tooltip=label,
                style={"description_width": "initial"},
                layout=w.Layout(width="auto"),
            )
            self.radio.add_class("ppskit-answer")
            self.mark_box = w.Checkbox(
                value=number in session.marked,
                description="Mark to come back to this question",
                indent=False,
                layout=w.Layout(width="auto"),
            )
            self.mark_box.add_class("ppskit-mark")
            self.mark_box.observe(lambda ch: self.mark(ch["new"]), names="value")
            self.status = w.HTML(layout=_FULL)
            hint = w.HTML(f"<div style='color:#444'>{html.escape(_HINT)}</div>", layout=_FULL)
            self.widget = w.VBox(
                [w.HTML(STYLE), self.radio, hint, self.mark_box, self.status], layout=_CARD
            )
        self.radio.observe(self._on_choice, names="value")
        self.widget.add_class("ppskit-panel")
        self.widget.add_class("ppskit-choice-panel")
        self.widget.add_class(f"ppskit-q{number}")  # a handle for tests and styling
        session.listeners[f"choice-{number}"] = self.refresh
        self.refresh()

    def _on_choice(self, change: dict) -> None:
        if not self.session.choose(self.number, change["new"]):
            self.radio.value = self.session.letter(self.number)  # time is up: undo

    def choose(self, letter: str | None) -> None:
        """What clicking a letter does."""
        self.radio.value = letter

    @property
    def marked(self) -> bool:
        """Whether the "come back to" box is ticked."""
        return self.card.marked if self.card is not None else self.mark_box.value

    def mark(self, marked: bool) -> None:
        """What ticking the "come back to" box does."""
        if self.card is not None:
            self.card.marked = marked
        else:
            self.mark_box.value = marked
        if (self.number in self.session.marked) != marked:
            self.session.mark(self.number, marked)

    def refresh(self) -> None:
        """Show the saved state, the count and the clock; lock when the time is up."""
        text = self.session.status_text(self.number)
        if self.card is not None:
            self.card.status = text
        else:
            self.status.value = _status_html(text)
        self.radio.disabled = self.session.time_up

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        return self.session.status_text(self.number)


class WrittenPanel:
    """The box for one written answer, saved as the trainee types."""

    def __init__(self, session: ExamSession, item_id: str, number: int) -> None:
        self.session = session
        self.item_id = item_id
        self.number = number
        session.written_numbers[item_id] = number
        title = w.HTML(
            f"<div style='font-weight:600;font-size:1.1em'>Your written answer to question "
            f"{number}</div><div style='color:#444'>Type your answer in this box, in your "
            "own words. It is saved as you type.</div>",
            layout=_FULL,
        )
        self.text = w.Textarea(
            value=session.state["written"].get(item_id, ""),
            placeholder=f"Your answer to question {number}",
            tooltip=f"Your written answer to question {number}",
            rows=10,
            layout=_FULL,
        )
        self.text.add_class("ppskit-written")
        self.text.observe(self._on_text, names="value")
        self.status = w.HTML(layout=_FULL)
        self.widget = w.VBox([w.HTML(STYLE), title, self.text, self.status], layout=_CARD)
        self.widget.add_class("ppskit-panel")
        self.widget.add_class("ppskit-written-panel")
        self.widget.add_class(f"ppskit-q{number}")
        session.listeners[f"written-{item_id}"] = self.refresh
        self.refresh()

    def _on_text(self, change: dict) -> None:
        if not self.session.write(self.item_id, change["new"]):
            self.text.value = self.session.state["written"].get(self.item_id, "")

    def write(self, text: str) -> None:
        """What typing in the box does."""
        self.text.value = text

    def refresh(self) -> None:
        """Show the count and the clock; lock when the time is up."""
        saved = self.session.state["written"].get(self.item_id, "").strip()
        head = "Saved." if saved else "Not answered yet."
        parts = (head, self.session.count_text(), self.session.time_text())
        self.status.value = _status_html(" ".join(x for x in parts if x))
        self.text.disabled = self.session.time_up


class SummaryPanel:
    """The header (top of the exam) or the review list (end of the exam)."""

    def __init__(self, session: ExamSession, heading: str, advice: str, name: str) -> None:
        self.session = session
        self.heading = heading
        self.advice = advice
        self.body = w.HTML(layout=_FULL)
        self.widget = w.VBox([self.body], layout=_CARD)
        self.widget.add_class("ppskit-panel")
        self.widget.add_class("ppskit-summary")
        self.widget.add_class(f"ppskit-{name}")
        session.listeners[name] = self.refresh
        self.refresh()

    @property
    def text(self) -> str:
        """What the panel says, as plain text."""
        return "\n".join([self.heading, *self.session.summary_lines(), self.advice])

    def refresh(self) -> None:
        """Show the current count, clock and lists."""
        lines = "".join(f"<div>{html.escape(line)}</div>" for line in self.session.summary_lines())
        self.body.value = (
            f"<div style='font-weight:600;font-size:1.15em'>{html.escape(self.heading)}</div>"
            f'<div role="status" aria-live="polite" style="line-height:1.6;font-size:1.05em">'
            f"{lines}</div><div style='color:#444'>{html.escape(self.advice)}</div>"
        )


# --- one session per kernel ------------------------------------------------------------
_session: ExamSession | None = None
_clock: threading.Thread | None = None
_CLOCK_SECONDS = 20


def current() -> ExamSession:
    """This kernel's exam session (created from the working directory on first use)."""
    global _session
    if _session is None:
        start()
    return _session


def start(folder: str | None = None) -> ExamSession:
    """A fresh session for the notebook in ``folder`` (default: the working directory),
    reading back what ``answers.json`` holds; starts the clock thread once."""
    global _session, _clock
    folder = folder or os.getcwd()
    session_path = None
    try:
        from IPython import get_ipython

        session_path = (get_ipython().user_ns or {}).get("__session__")
    except Exception:  # noqa: BLE001  (no IPython: the folder is enough)
        session_path = None
    _session = ExamSession(folder, find_manifest(folder, session_path))
    if _clock is None or not _clock.is_alive():
        _clock = threading.Thread(target=_tick, name="ppskit-exam-clock", daemon=True)
        _clock.start()
    return _session


def _tick() -> None:
    # The clock moves on screen even when the trainee does nothing; at zero the panels'
    # refresh locks them.
    while True:
        time.sleep(_CLOCK_SECONDS)
        session = _session
        if session is not None and session.limit_minutes is not None:
            try:
                for refresh in list(session.listeners.values()):
                    refresh()
            except Exception:  # noqa: BLE001, S112  (a closed kernel: try again next tick)
                continue


def _display(widget: w.Widget) -> bool:
    try:
        from IPython.display import display
    except ImportError:
        return False
    display(widget)
    return True


def show_header() -> bool:
    """Start the session (reading ``answers.json``) and show the header panel."""
    session = start()
    panel = SummaryPanel(
        session,
        "Your exam",
        "Click a letter under each question. Every click is saved at once.",
        "header",
    )
    return _display(w.VBox([w.HTML(STYLE), panel.widget]))


def show_choice(number: int, typed: object = None) -> bool:
    """Show the answer panel of question ``number``. When the trainee typed an answer
    in the box instead, record it for the count and show no panel (False): the typed
    answer is what is graded, and ``check`` prints what it says."""
    session = current()
    if isinstance(typed, str) and typed.strip() in ("", "_"):
        typed = None
    if typed is not None:
        session.note_typed(number, typed)
        return False
    session.choice_numbers.add(number)
    return _display(ChoicePanel(session, number).widget)


def show_written(item_id: str, number: int) -> bool:
    """Show the box for the written answer of ``item_id`` (question ``number``)."""
    return _display(WrittenPanel(current(), item_id, number).widget)


def show_review() -> bool:
    """Show the review list at the end of the exam."""
    panel = SummaryPanel(
        current(),
        "Before you hand in",
        "To change an answer, scroll up to its question and click another letter. Your "
        "answers are saved; hand in the exam the way your trainer explained.",
        "review",
    )
    return _display(panel.widget)
