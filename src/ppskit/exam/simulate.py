"""Simulated trainee submissions, for the tests, the benchmark and trainer demos.

A simulated trainee opens the released notebook, types letters into the answer boxes
and text into the written-answer boxes (:func:`fill`) or clicks them (:func:`click`:
the ``answers.json`` the answer panels save), and hands it in; the notebook lands where
nbgrader expects a collected submission: ``submitted/<trainee>/<assignment>/``.
"""

from __future__ import annotations

import copy
import json
import random
import re
from datetime import UTC, datetime
from pathlib import Path

from ppskit.exam.bank import Bank
from ppskit.exam.course import Course

_ANSWER_LINE = re.compile(r'^(answer_[0-9]+) = "_"$', re.M)


def _text(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def fill(release_nb: dict, answers: dict[str, str | None], written: dict[str, str]) -> dict:
    """A copy of a released notebook with answers typed in.

    ``answers`` maps item id -> what the trainee types between the quotes (None leaves
    the box untouched); ``written`` maps scenario item id -> the trainee's text.
    """
    nb = copy.deepcopy(release_nb)
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("-answer") and gid.removesuffix("-answer") in answers:
            typed = answers[gid.removesuffix("-answer")]
            if typed is not None:
                cell["source"] = _ANSWER_LINE.sub(
                    lambda m, t=typed: f"{m.group(1)} = {json.dumps(t)}", _text(cell)
                )
        elif gid in written:
            cell["source"] = written[gid]
    return nb


def click(
    release_nb: dict,
    answers: dict[str, str | None],
    written: dict[str, str],
    *,
    marked: list[int] | None = None,
    started_at: str = "2026-01-01T09:00:00+00:00",
) -> dict:
    """The ``answers.json`` content a trainee leaves by clicking instead of typing.

    ``answers`` maps item id -> the value the panel saved (normally a letter; None: not
    clicked); ``written`` maps scenario item id -> the text typed into its box.
    """
    number = {i["id"]: i["question"] for i in release_nb["metadata"]["ppskit"]["items"]}
    return {
        "version": 1,
        "started_at": started_at,
        "answers": {f"answer_{number[i]}": v for i, v in answers.items() if v is not None},
        "marked": sorted(marked or []),
        "written": dict(written),
    }


def answers_for(
    bank: Bank, release_nb: dict, *, correct: float, seed: int | str = 0
) -> dict[str, str]:
    """Letters for every multiple-choice item of a sitting: each right with probability
    ``correct`` (1.0 all right, 0.0 all wrong), deterministic for a given ``seed``."""
    rng = random.Random(str(seed))
    out = {}
    for entry in release_nb["metadata"]["ppskit"]["items"]:
        if entry["type"] != "mc":
            continue
        key = bank.item(entry["id"]).key
        if rng.random() < correct:
            out[entry["id"]] = key
        else:
            out[entry["id"]] = rng.choice([x for x in "ABCD" if x != key])
    return out


def submit(
    course: Course,
    trainee_id: str,
    assignment: str,
    nb: dict | str | bytes,
    *,
    at: datetime | None = None,
    clicked: dict | None = None,
) -> Path:
    """Place a trainee's notebook where nbgrader collects it, with its hand-in time and,
    for clicked answers, the ``answers.json`` beside it (see :func:`click`)."""
    folder = course.folder("submitted", assignment, trainee_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "exam.ipynb"
    if isinstance(nb, dict):
        path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    elif isinstance(nb, bytes):
        path.write_bytes(nb)
    else:
        path.write_text(nb, encoding="utf-8")
    if clicked is not None:
        (folder / "answers.json").write_text(json.dumps(clicked, indent=1), encoding="utf-8")
    at = at or datetime.now(UTC)
    stamp = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    (folder / "timestamp.txt").write_text(stamp + "\n", encoding="utf-8")
    return path


def load_release(course: Course, assignment: str) -> dict:
    """The released notebook of an assignment, as a dict."""
    return json.loads(course.notebook("release", assignment).read_text(encoding="utf-8"))
