"""Helpers the exam notebook calls while a trainee answers and while nbgrader grades it.

A trainee's answer cell holds one line, ``answer_7 = "B"``; the locked cell under it
calls :func:`check`, which says at once, in plain words, whether the answer is one of
the letters A-D. During autograding the same locked cell also runs a hidden test,
:func:`grade_answer`, which looks the item's key up in the trainer's key file. The
notebook itself names only the item: no key, and nothing a key could be derived from,
is in any notebook, release or feedback page. The key file
(``gradebook/exam/keys.json``, written by ``ppskit exam build``, readable by the
trainer only) is found through ``PPSKIT_EXAM_KEYS``, which the course's
``nbgrader_config.py`` sets in the grading process; a trainee's kernel has no such
file, and files handed in with a notebook cannot change a grader's environment.

A trainee may also answer by clicking: in a trainee's kernel (not while nbgrader grades)
:func:`check` shows an answer panel under the question instead of the typing hint, and
:func:`write_box` a box for a written answer (see ``answer_widgets.py``). Every click is
saved at once to ``answers.json`` beside the notebook (:func:`write_answers`); nbgrader's
sanitize step writes those answers into the blank answer boxes of the hand-in
(``ApplyClickedAnswers`` in ``nbgrader_plugins.py``), so they are graded exactly as
typed answers. This module reads and writes that file; it never grades from it.

Standard library only: this module is imported by the exam's first cell (the widgets
module is imported only when a trainee's kernel shows a panel).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

LETTERS = ("A", "B", "C", "D")
BLANK = "_"

# A bare capital letter (answer_7 = B, without quotes) still means the letter, so a
# trainee who forgets the quotes is not told off by Python.
A, B, C, D = LETTERS


KEYS_ENV = "PPSKIT_EXAM_KEYS"
_keys_cache: dict[str, tuple[float, dict[str, str]]] = {}


class KeysUnavailable(RuntimeError):
    """The grader has no key file: grading must stop, not score every answer wrong."""


def _keys() -> dict[str, str]:
    path = os.environ.get(KEYS_ENV, "")
    if not path:
        raise KeysUnavailable(f"{KEYS_ENV} is not set: grade with the course's nbgrader_config.py")
    try:
        stamp = os.stat(path).st_mtime
        cached = _keys_cache.get(path)
        if cached is None or cached[0] != stamp:
            with open(path, encoding="utf-8") as fh:
                _keys_cache[path] = (stamp, json.load(fh))
    except (OSError, ValueError) as exc:
        raise KeysUnavailable(f"the key file {path} cannot be read ({exc})") from None
    return _keys_cache[path][1]


def normalize(value: object) -> str | None:
    """The letter a trainee meant (``" b "`` -> ``"B"``), or None when it is not A-D."""
    if not isinstance(value, str):
        return None
    letter = value.strip().strip("\"'").strip().upper()
    return letter if letter in LETTERS else None


_MISSING = object()


def _lookup(name: str) -> object:
    # The caller is the notebook cell; its globals are the notebook's variables.
    return sys._getframe(2).f_globals.get(name, _MISSING)


def _number(name: str) -> str:
    return name.rsplit("_", 1)[-1]


def _trainee_kernel() -> bool:
    """True in a trainee's Jupyter kernel, where answer panels can be shown (never while
    nbgrader grades, and not in a plain Python or terminal IPython session)."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


def check(name: str) -> None:
    """Show the answer panel for ``name`` (a trainee's kernel), or print whether the
    answer stored in the variable ``name`` is well formed (while grading, or when
    widgets cannot be shown)."""
    value = _lookup(name)
    n = _number(name)
    if _trainee_kernel():
        from ppskit.exam import answer_widgets

        typed = None if value is _MISSING else value
        if answer_widgets.show_choice(int(n), typed):
            return
    if value is _MISSING:
        print(
            f"Question {n} has no answer yet. Click in the answer box just above, "
            "then press Shift+Enter to save it."
        )
        return
    letter = normalize(value)
    if letter is not None:
        print(f"Your answer to question {n} is {letter} — thank you.")
        print("You can change it at any time until you hand in the exam.")
    elif isinstance(value, str) and value.strip() in ("", BLANK):
        print(
            f"Question {n} has no answer yet: type one letter, A, B, C or D, between "
            f'the quotes above (like this: {name} = "B"), then press Shift+Enter.'
        )
    else:
        shown = value if isinstance(value, str) else repr(value)
        print(
            f'"{shown}" is not one of the letters A, B, C or D. Type just one letter '
            f'between the quotes, like this: {name} = "B", then press Shift+Enter.'
        )


def grade_answer(name: str, item_id: str) -> None:
    """Hidden test: fail (raise) unless the answer in ``name`` is the item's key."""
    key = _keys().get(item_id)
    if key is None:
        raise KeysUnavailable(f"no key for {item_id} in {os.environ.get(KEYS_ENV)}")
    if normalize(_lookup(name)) != key:
        raise AssertionError(f"question {_number(name)}: not the keyed answer")


def write_box(item_id: str, number: int) -> None:
    """Show the box for a written answer (a trainee's kernel only; nothing while
    grading: the written answer is graded from its markdown answer cell)."""
    if _trainee_kernel():
        from ppskit.exam import answer_widgets

        answer_widgets.show_written(item_id, number)


def review() -> None:
    """Show the review list at the end of the exam (a trainee's kernel only)."""
    if _trainee_kernel():
        from ppskit.exam import answer_widgets

        answer_widgets.show_review()


# --- answers.json: the clicked answers, saved beside the notebook --------------------

ANSWERS_FILE = "answers.json"
# A written answer longer than this is cut when read back (a guard against a huge file
# handed in, far above any real answer).
MAX_TEXT = 20_000


def read_answers(folder: str | os.PathLike) -> dict:
    """The clicked answers saved in ``folder``: ``answers`` (``{"answer_7": "B"}``,
    values as saved, even ones that are not A-D), ``marked`` (question numbers),
    ``written`` (item id -> text) and ``started_at`` (ISO time or None). A missing or
    unreadable file, or parts of the wrong shape, read as empty."""
    state = {"answers": {}, "marked": [], "written": {}, "started_at": None}
    try:
        with open(os.path.join(folder, ANSWERS_FILE), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return state
    if not isinstance(data, dict):
        return state
    answers = data.get("answers")
    if isinstance(answers, dict):
        state["answers"] = {
            k: v[:100]
            for k, v in answers.items()
            if isinstance(k, str) and k.startswith("answer_") and isinstance(v, str)
        }
    marked = data.get("marked")
    if isinstance(marked, list):
        state["marked"] = sorted({m for m in marked if isinstance(m, int) and m > 0})
    written = data.get("written")
    if isinstance(written, dict):
        state["written"] = {
            k: v[:MAX_TEXT] for k, v in written.items() if isinstance(k, str) and isinstance(v, str)
        }
    if isinstance(data.get("started_at"), str):
        state["started_at"] = data["started_at"]
    return state


def write_answers(folder: str | os.PathLike, state: dict) -> None:
    """Save ``state`` (as :func:`read_answers` returns it) to ``folder/answers.json`` in
    one step: a crash or a full disk mid-write leaves the previous file whole."""
    data = {
        "version": 1,
        "started_at": state.get("started_at"),
        "answers": dict(sorted(state.get("answers", {}).items())),
        "marked": sorted(state.get("marked", [])),
        "written": dict(sorted(state.get("written", {}).items())),
    }
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".answers-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, os.path.join(folder, ANSWERS_FILE))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def setup() -> None:
    """Run by the exam's first cell: plain-language messages instead of tracebacks, and
    (in a trainee's Jupyter kernel) the exam's header panel with the answered count and
    the time left.

    Only while a trainee works; during autograding (nbgrader sets
    ``NBGRADER_EXECUTION``) errors must stay errors, because that is how nbgrader
    scores a cell.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        return
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to soften
        return
    shell = get_ipython()
    if shell is None:
        return

    def _plain_syntax(*_args, **_kwargs):  # noqa: ANN002, ANN003
        print(
            "Python could not read that cell: a quote may be missing. An answer looks "
            'like this: answer_1 = "B" (one letter between two quotes). Fix it and '
            "press Shift+Enter again."
        )

    def _plain(_shell, etype, value, _tb, tb_offset=None):  # noqa: ANN001
        if issubclass(etype, SyntaxError):
            _plain_syntax()
        else:
            print(
                "Python could not read that cell. For an answer, type one letter between "
                'the quotes, like this: answer_1 = "B", then press Shift+Enter. '
                "If this keeps happening, ask your trainer."
            )
        print(f"(Details for your trainer: {etype.__name__}: {value})")

    shell.set_custom_exc((Exception,), _plain)
    shell.showsyntaxerror = _plain_syntax
    if _trainee_kernel():
        from ppskit.exam import answer_widgets

        if answer_widgets.show_header():
            return
    print("Ready. Scroll down to the first question.")
