"""Helpers the exam notebook calls while a trainee answers and while nbgrader grades it.

A trainee's answer cell holds one line, ``answer_7 = "B"``; the locked cell under it
calls :func:`check`, which says at once, in plain words, whether the answer is one of
the letters A-D. During autograding the same locked cell also runs a hidden test,
:func:`grade_answer`, which compares a salted hash of the answer with the stored hash
of the key, so the key letter itself never appears in any notebook.

Standard library only: this module is imported by the exam's first cell.
"""

from __future__ import annotations

import hashlib
import os
import sys

LETTERS = ("A", "B", "C", "D")
BLANK = "_"

# A bare capital letter (answer_7 = B, without quotes) still means the letter, so a
# trainee who forgets the quotes is not told off by Python.
A, B, C, D = LETTERS


def answer_digest(item_id: str, letter: str) -> str:
    """The hash stored in the hidden test for an item's key (first 16 hex digits)."""
    text = f"ppskit-exam:{item_id}:{letter.strip().upper()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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


def check(name: str) -> None:
    """Print whether the answer stored in the variable ``name`` is well formed."""
    value = _lookup(name)
    n = _number(name)
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


def grade_answer(name: str, item_id: str, digest: str) -> None:
    """Hidden test: fail (raise) unless the answer in ``name`` is the item's key."""
    letter = normalize(_lookup(name))
    if letter is None or answer_digest(item_id, letter) != digest:
        raise AssertionError(f"question {_number(name)}: not the keyed answer")


def setup() -> None:
    """Run by the exam's first cell: plain-language messages instead of tracebacks.

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
    print("Ready. Scroll down to the first question.")
