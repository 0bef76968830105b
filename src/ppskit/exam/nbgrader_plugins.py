"""ppskit's preprocessors inside nbgrader's own pipeline (wired in ``nbgrader_config.py``).

* :class:`GuardSubmission` (autograde, sanitize step, before nbgrader's
  ``OverwriteCells``): nbgrader silently restores an edited locked or test cell and only
  logs a warning. This preprocessor *records* every such change in the graded
  notebook (``metadata.ppskit.integrity`` and a visible note for the formgrader),
  puts back deleted cells, restores nbgrader metadata a trainee edited, and
  neutralises code a trainee added, including extra code typed into an answer box.
  Grading therefore always runs the exam's own code against the trainee's letters.
* :class:`ApplyClickedAnswers` (autograde, sanitize step, before ``GuardSubmission``):
  writes answers a trainee clicked (saved in ``answers.json`` beside the notebook) into
  the blank answer boxes, so they are graded exactly as typed answers.
* :class:`AddRubrics` (autograde, last step): shows each scenario item's model answer
  and rubric (from the source notebook) under the trainee's answer, for the trainer
  grading in the formgrader.
* :class:`CleanFeedback` (generate_feedback): removes hidden tests, their error
  traces, rubrics and grader notes' internals, so feedback shows scores and the
  trainee's own answers only.
* :class:`SectionFeedback` (generate_feedback, after ``CleanFeedback``): when the
  trainee's profile asks for section feedback (the default), replaces every cell with
  the section results, so no question-level score or answer is on the page.

This module imports nbgrader; only nbgrader (or ``ppskit exam`` commands that grade)
loads it.
"""

from __future__ import annotations

import ast
import json
import os
import re

from nbformat.notebooknode import NotebookNode, from_dict
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from ppskit.exam.runtime import normalize, read_answers

BEGIN_HIDDEN = "BEGIN HIDDEN TESTS"
END_HIDDEN = "END HIDDEN TESTS"
ROLE_NOTE = "integrity-note"
ROLE_RUBRIC = "rubric"
ROLE_SECTION_FEEDBACK = "section-feedback"
LETTERS = ("A", "B", "C", "D")
_ANSWER_VAR = re.compile(r"^(answer_[0-9]+)\s*=", re.M)
_QUESTION = re.compile(r"^answer_([0-9]+)$")
# Findings about what a trainee typed into an answer box: notes, never tampering.
ANSWER_KINDS = frozenset({"unreadable", "malformed"})


def strip_hidden_tests(source: str) -> str:
    """The source as nbgrader releases it: hidden-test regions removed."""
    out, hidden = [], False
    for line in source.split("\n"):
        if BEGIN_HIDDEN in line:
            hidden = True
        elif END_HIDDEN in line:
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


def _literal(node: ast.expr) -> bool:
    # A value Python reads without running anything: "BC", 3, -1, None, ["A"].
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def read_answer(source: str, var: str) -> tuple[str, str | None, str]:
    """What an answer box held: ``(source to grade, problem kind, what was typed)``.

    The kind is None (a clean box, left exactly as written), ``"unreadable"`` (Python
    could not read it, as the trainee saw at the time: graded as no answer),
    ``"malformed"`` (an answer the trainee meant to give that is not a letter A-D:
    ``answer_9 = c``, ``"BC"``, ``3``, or a stray ``B`` without ``answer_9 =``; graded
    as wrong) or ``"extra-code"`` (real code in the box, e.g. ``import os`` or a
    function call: tampering; only the last answer is kept). "What was typed" is the
    malformed text, for the trainer's note.
    """
    from ppskit.exam.runtime import BLANK, normalize

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return f'{var} = ""', "unreadable", ""
    values: list[str] = []  # each answer as Python that runs nothing
    typed: list[str] = []
    extra = False
    for stmt in tree.body:
        text = (ast.get_source_segment(source, stmt) or "").strip()
        is_answer = (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == var
        )
        value = stmt.value if isinstance(stmt, ast.Assign | ast.Expr) else None
        if is_answer and isinstance(value, ast.Constant) and isinstance(value.value, str):
            values.append(json.dumps(value.value))
            if normalize(value.value) is None and value.value.strip() not in ("", BLANK):
                typed.append(text)  # "BC", "maybe": a string, but not one letter
        elif is_answer and isinstance(value, ast.Name) and value.id in LETTERS:
            values.append(json.dumps(value.id))
        elif is_answer and isinstance(value, ast.Name):
            # A bare name other than A-D (answer_9 = c) failed when the trainee ran it;
            # whatever the name may refer to at grading time must not become the answer.
            values.append(f"None  # typed: {value.id} (not a letter between quotes)")
            typed.append(text)
        elif is_answer and _literal(value):
            values.append(ast.unparse(value))
            typed.append(text)
        elif isinstance(stmt, ast.Expr) and (isinstance(value, ast.Name) or _literal(value)):
            typed.append(text)  # a letter or word without "answer_9 =": no answer given
        else:
            extra = True
    last = values[-1] if values else '""'
    if extra:
        return f"{var} = {last}", "extra-code", ""
    if typed:
        return f"{var} = {last}", "malformed", "; ".join(typed)[:120]
    return source, None, ""


def clean_answer(source: str, var: str) -> tuple[str, str | None]:
    """Keep only the answer of an answer box: ``(source to grade, problem kind)``; see
    :func:`read_answer` for the kinds."""
    cleaned, problem, _typed = read_answer(source, var)
    return cleaned, problem


class GuardSubmission(NbGraderPreprocessor):
    """Record and neutralise changes a trainee made outside their answer boxes."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            try:
                notebook = gb.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return nb, resources
            source = {
                c.name: {
                    "cell_type": c.cell_type,
                    "locked": bool(c.locked),
                    "source": c.source,
                    "checksum": c.checksum,
                }
                for c in notebook.source_cells
            }
            listed_order = [c.name for c in notebook.source_cells]
            points = {c.name: float(c.max_score) for c in notebook.grade_cells}
            solutions = {c.name for c in notebook.solution_cells}
        order = self._release_order(info) or listed_order
        variables = {
            name: m.group(1)
            for name, cell in source.items()
            if name in solutions and cell["cell_type"] == "code"
            for m in [_ANSWER_VAR.search(cell["source"])]
            if m
        }
        labels: dict[str, str] = {}
        for name, var in variables.items():
            n = _QUESTION.match(var).group(1)
            item = name.removesuffix("-answer")
            labels[name] = f"question {n} (answer box)"
            labels[item] = f"question {n} (the line under the answer box)"
            labels[f"{item}-question"] = f"question {n} (the question text)"
        flags: list[dict] = []

        def flag(gid: str | None, kind: str, detail: str) -> None:
            flags.append({"cell": gid, "kind": kind, "detail": detail})
            self.log.warning("Integrity: %s: %s", gid or "added cell", detail)

        seen: set[str] = set()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            gid = meta.get("grade_id") if meta else None
            if gid is None or gid not in source or gid in seen:
                if (meta is not None and not meta) or gid in seen:
                    # nbgrader's DeduplicateIds empties the metadata of repeated cells.
                    flag(None, "duplicate", "a copy of an exam cell was found; it was not run")
                elif gid is not None:
                    flag(gid, "unknown-cell", f"a cell with the unknown id {gid!r} was not run")
                elif meta:
                    flag(None, "edited-metadata", "an exam cell lost its id; the original was used")
                elif cell.cell_type == "code" and cell.source.strip():
                    flag(None, "extra-code", "a code cell was added; it was not run")
                # Not an exam cell (any more): nbgrader must not treat it as one, and
                # none of its code may run.
                cell.metadata.pop("nbgrader", None)
                if cell.cell_type == "code":
                    cell.source = ""
                continue
            seen.add(gid)
            expected = source[gid]
            where = labels.get(gid, gid)
            if cell.cell_type != expected["cell_type"]:
                flag(gid, "changed-type", f"{where}: the cell type was changed")
            restored = {
                "grade": gid in points,
                "solution": gid in solutions,
                "locked": expected["locked"],
            }
            if gid in points:
                restored["points"] = points[gid]
            for key, value in restored.items():
                current = meta.get(key, False if key != "points" else None)
                if (
                    float(current) if key == "points" and current is not None else current
                ) != value:
                    flag(gid, "edited-metadata", f"{where}: its '{key}' setting was changed")
                    meta[key] = value
            if not meta.get("grade"):
                meta.pop("points", None)
            if expected["locked"] and cell.source != strip_hidden_tests(expected["source"]):
                flag(
                    gid,
                    "edited-locked",
                    f"{where}: a locked cell was edited; graded from the original",
                )
            if gid in variables:
                # Also when the box was turned into markdown: OverwriteCells turns it back
                # into code, and only the answer may run.
                cleaned, problem, typed = read_answer(cell.source, variables[gid])
                if problem == "malformed":
                    flag(
                        gid,
                        problem,
                        f"{where}: the answer typed was `{typed}`, not one of the letters "
                        "A, B, C or D (graded as wrong)",
                    )
                elif problem == "extra-code":
                    flag(
                        gid,
                        problem,
                        f"{where}: the answer box held more than the answer; only it was kept",
                    )
                elif problem == "unreadable":
                    flag(
                        gid, problem, f"{where}: the answer could not be read (graded as no answer)"
                    )
                cell.source = cleaned
        self._restore_missing(nb, order, source, points, solutions, seen, labels, flag)
        problems = [f for f in flags if f["kind"] not in ANSWER_KINDS]
        answers = [f for f in flags if f["kind"] == "malformed"]
        nb.metadata.setdefault("ppskit", {})
        nb.metadata["ppskit"]["integrity"] = flags
        if answers:
            # Not tampering: a note for the trainer (and in the feedback, for the trainee)
            # of what was typed; the submission is not flagged.
            nb.cells.insert(
                0,
                from_dict(
                    {
                        "cell_type": "markdown",
                        "id": "ppskit-answer-note",
                        "metadata": {"ppskit": {"role": ROLE_NOTE}},
                        "source": (
                            "**Note from the grader:** some answers were not one of the "
                            "letters A, B, C or D and were graded as wrong.\n\n"
                            + "\n".join(f"- {f['detail']}" for f in answers)
                        ),
                    }
                ),
            )
        if problems:
            self._flag_in_formgrader(info)
            note = "\n".join(f"- {f['detail']}" for f in problems)
            nb.cells.insert(
                0,
                from_dict(
                    {
                        "cell_type": "markdown",
                        "id": "ppskit-integrity-note",
                        "metadata": {"ppskit": {"role": ROLE_NOTE}},
                        "source": (
                            "**Note from the grader:** this exam was changed outside its "
                            "answer boxes. It was marked from the original exam.\n\n" + note
                        ),
                    }
                ),
            )
        return nb, resources

    @staticmethod
    def _flag_in_formgrader(info: dict) -> None:
        # nbgrader's own "flagged" mark: the formgrader lists the submission as flagged.
        with Gradebook(info["db_url"]) as gb:
            try:
                submitted = gb.find_submission_notebook(
                    info["notebook"], info["assignment"], info["student"]
                )
            except MissingEntry:
                return
            submitted.flagged = True
            gb.db.commit()

    @staticmethod
    def _release_order(info: dict) -> list[str]:
        # nbgrader runs converters from the course root, so the release is reachable.
        path = os.path.join("release", info["assignment"], f"{info['notebook']}.ipynb")
        try:
            with open(path, encoding="utf-8") as fh:
                cells = json.load(fh)["cells"]
        except (OSError, ValueError, KeyError):
            return []
        return [
            c["metadata"]["nbgrader"]["grade_id"]
            for c in cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        ]

    def _restore_missing(self, nb, order, source, points, solutions, seen, labels, flag) -> None:  # noqa: ANN001, PLR0913
        missing = [gid for gid in order if gid in source and gid not in seen]
        for gid in missing:
            expected = source[gid]
            meta = {
                "grade": gid in points,
                "grade_id": gid,
                "locked": expected["locked"],
                "schema_version": 3,
                "solution": gid in solutions,
                "task": False,
            }
            if gid in points:
                meta["points"] = points[gid]
            taken = {c.get("id") for c in nb.cells}
            cell_id = f"restored-{gid}"[:64]
            while cell_id in taken:
                cell_id = f"r{len(taken)}-{cell_id}"[:64]
            cell = {
                "cell_type": expected["cell_type"],
                "id": cell_id,
                "metadata": {"nbgrader": meta},
                "source": expected["source"],
            }
            if expected["cell_type"] == "code":
                cell.update(execution_count=None, outputs=[])
            # Put it after the nearest earlier exam cell that is present.
            position = 0
            before = order[: order.index(gid)]
            present = {
                c.metadata.get("nbgrader", {}).get("grade_id"): n for n, c in enumerate(nb.cells)
            }
            for prev in reversed(before):
                if prev in present:
                    position = present[prev] + 1
                    break
            nb.cells.insert(position, from_dict(cell))
            seen.add(gid)
            flag(gid, "deleted", f"{labels.get(gid, gid)}: a cell was deleted; it was put back")


class AddRubrics(NbGraderPreprocessor):
    """Show each manually graded answer's model answer and rubric to the trainer."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        path = os.path.join("source", info["assignment"], f"{info['notebook']}.ipynb")
        try:
            with open(path, encoding="utf-8") as fh:
                source_cells = json.load(fh)["cells"]
        except (OSError, ValueError, KeyError):
            return nb, resources
        reference = {}
        for c in source_cells:
            meta = c.get("metadata", {}).get("nbgrader", {})
            if meta.get("solution") and meta.get("grade") and c["cell_type"] == "markdown":
                text = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                reference[meta["grade_id"]] = text
        cells = []
        for cell in nb.cells:
            cells.append(cell)
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in reference:
                cells.append(
                    from_dict(
                        {
                            "cell_type": "markdown",
                            "id": f"ppskit-rubric-{gid}"[:64],
                            "metadata": {"ppskit": {"role": ROLE_RUBRIC}},
                            "source": "#### For the trainer (not shown to the trainee)\n\n"
                            + reference[gid],
                        }
                    )
                )
        nb.cells = cells
        return nb, resources


class CleanFeedback(NbGraderPreprocessor):
    """Feedback without hidden tests, error traces, rubrics or grading internals."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        kept = []
        for cell in nb.cells:
            role = cell.metadata.get("ppskit", {}).get("role")
            if role == ROLE_RUBRIC:
                continue
            if cell.cell_type == "code":
                cell.source = strip_hidden_tests(cell.source)
                meta = cell.metadata.get("nbgrader", {})
                outputs = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
                if meta.get("grade") and not meta.get("solution"):
                    # Only the trainee-facing check line's message stays.
                    outputs = [o for o in outputs if o.get("name") == "stdout"]
                cell.outputs = outputs
            kept.append(cell)
        nb.cells = kept
        nb.metadata.get("ppskit", {}).pop("integrity", None)
        return nb, resources


class SectionFeedback(NbGraderPreprocessor):
    """Section results instead of question scores, when the trainee's profile says so.

    Runs after ``CleanFeedback`` in ``GenerateFeedback``. With the profile's
    ``exam_rules.feedback: sections`` (the default) every cell is replaced by one
    summary (:func:`ppskit.exam.feedback.section_summary`): no question, answer or
    per-question score is left for nbgrader's page, whose contents list names graded
    cells only. With ``items``, and for assignments that are not ppskit exams, the
    notebook passes through unchanged. A page that cannot be written safely fails
    here, and nbgrader writes no page.
    """

    db = Unicode(
        "",
        help="The ppskit tracker's database URL (empty: $PPSKIT_DB or the default).",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        from ppskit.exam import feedback
        from ppskit.exam.course import Course

        info = resources["nbgrader"]
        # nbgrader converts from the course root (it changes directory there).
        course = Course.find()
        summary = feedback.section_summary(
            course, info["student"], info["assignment"], db=self.db or None
        )
        if summary is None:
            return nb, resources
        nb.cells = [
            from_dict(
                {
                    "cell_type": "markdown",
                    "id": "ppskit-section-feedback",
                    "metadata": {"ppskit": {"role": ROLE_SECTION_FEEDBACK}},
                    "source": summary,
                }
            )
        ]
        # The manifest lists every item id; nothing item-level stays with the page.
        nb.metadata.pop("ppskit", None)
        return nb, resources


class ApplyClickedAnswers(NbGraderPreprocessor):
    """Grade clicked answers exactly as typed ones (autograde, sanitize step, right
    before :class:`GuardSubmission`).

    A trainee who answers by clicking leaves the answer boxes as released
    (``answer_7 = "_"``); the letters are in ``answers.json``, which nbgrader hands in
    with the notebook (the submission's folder is ``resources["metadata"]["path"]``).
    For every answer box still blank this writes ``answer_7 = "B"`` into it, and puts
    a written answer into its markdown answer cell while that cell still holds the
    released prompt, so nbgrader's autograde and the formgrader see exactly what a
    typed answer gives. A typed answer always wins over the file. A clicked value that
    is not A-D is graded as no answer; the box says so in a comment, and
    ``metadata.ppskit.clicked`` lists it for the trainer (it is not a tamper flag).
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        folder = resources.get("metadata", {}).get("path") or ""
        if not os.path.isfile(os.path.join(folder, "answers.json")):
            return nb, resources
        clicked = read_answers(folder)
        info = resources["nbgrader"]
        variables, prompts = self._answer_cells(info)
        applied: dict[str, str] = {}
        notes: list[dict] = []
        for cell in nb.cells:
            gid = (cell.metadata.get("nbgrader") or {}).get("grade_id")
            if gid in variables and cell.cell_type == "code":
                var = variables[gid]
                if var not in clicked["answers"] or not _blank_box(cell.source, var):
                    continue
                value = clicked["answers"][var]
                letter = normalize(value)
                if letter is None:
                    notes.append({"cell": gid, "answer": var, "clicked": value})
                    cell.source = _with_line(
                        cell.source,
                        var,
                        f"# The clicked answer {json.dumps(value)} is not A, B, C or D: "
                        "graded as no answer.",
                        f'{var} = "_"',
                    )
                    continue
                cell.source = _with_line(cell.source, var, None, f"{var} = {json.dumps(letter)}")
                applied[var] = letter
            elif gid in prompts and cell.cell_type == "markdown":
                text = clicked["written"].get(gid, "")
                if text.strip() and cell.source.strip() in ("", prompts[gid].strip()):
                    cell.source = text
                    applied[gid] = "written"
        for note in notes:
            self.log.warning("Clicked answer for %s is not a letter A-D", note["answer"])
        nb.metadata.setdefault("ppskit", {})
        nb.metadata["ppskit"]["clicked"] = {"applied": applied, "notes": notes}
        return nb, resources

    @staticmethod
    def _answer_cells(info: dict) -> tuple[dict[str, str], dict[str, str]]:
        # The exam's own answer cells, from the gradebook (what the trainer built), never
        # from the hand-in: grade id -> answer variable, and written-answer grade id ->
        # the prompt nbgrader released in its place.
        with Gradebook(info["db_url"]) as gb:
            try:
                notebook = gb.find_notebook(info["notebook"], info["assignment"])
            except MissingEntry:
                return {}, {}
            solutions = {c.name for c in notebook.solution_cells}
            variables = {
                c.name: m.group(1)
                for c in notebook.source_cells
                if c.name in solutions and c.cell_type == "code"
                for m in [_ANSWER_VAR.search(c.source)]
                if m
            }
            written = {
                c.name
                for c in notebook.source_cells
                if c.name in solutions and c.cell_type == "markdown"
            }
        prompts = {}
        path = os.path.join("release", info["assignment"], f"{info['notebook']}.ipynb")
        try:
            with open(path, encoding="utf-8") as fh:
                released = json.load(fh)["cells"]
        except (OSError, ValueError, KeyError):
            released = []
        for c in released:
            gid = c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in written:
                src = c.get("source", "")
                prompts[gid] = src if isinstance(src, str) else "".join(src)
        return variables, prompts


def _blank_box(source: str, var: str) -> bool:
    """True when an answer box holds no typed answer: only comments and ``var = "_"``
    (or ``""``), as released."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False  # something was typed: GuardSubmission deals with it
    for stmt in tree.body:
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == var
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str)
            and stmt.value.value.strip() in ("", "_")
        ):
            return False
    return True


def _with_line(source: str, var: str, comment: str | None, line: str) -> str:
    """The box with its answer line(s) replaced by ``line`` (comments kept, so the
    formgrader shows the box as the trainee would have typed it)."""
    kept = [ln for ln in source.split("\n") if not re.match(rf"^\s*{var}\s*=", ln)]
    while kept and not kept[-1].strip():
        kept.pop()
    if comment:
        kept.append(comment)
    return "\n".join([*kept, line])
