"""``ppskit exam build``: nbgrader source notebooks from the bank, then nbgrader's release.

One notebook per sitting (``exam.ipynb``): a full sitting is the nbgrader assignment
``exam-<form>``; a partial retake is ``retake-<trainee>-<n>`` (see ``retake.py``). The
notebook shows the profile's scored sections (a section may group several domains).
Every graded cell's ``grade_id`` is the item id, which starts with the domain id, so
section scores are sums of nbgrader's per-cell grades; the notebook's
``metadata.ppskit`` lists the items, their domain, section and points (never keys).

A multiple-choice item is three cells:

* the question (markdown, locked);
* the answer box, an nbgrader solution cell the trainee edits: ``answer_7 = "_"``;
* a locked autograded cell that runs ``check("answer_7")`` (visible: says at once
  whether the answer is a letter A-D) and, inside ``BEGIN/END HIDDEN TESTS``, the
  hidden test ``grade_answer("answer_7", "<item id>")``, which looks the key up in the
  trainer's key file (``gradebook/exam/keys.json``, see ``runtime.py``) while nbgrader
  grades. nbgrader strips the hidden test from ``release/``; no notebook holds a key.

A scenario item is the question (locked markdown), a locked code cell
``write_box("<item id>", <number>)`` (not graded: it shows the box a trainee types the
written answer into) and a manually graded markdown answer cell whose source version
holds the model answer and rubric; nbgrader replaces it with the answer prompt in
``release/``.

Trainees answer by clicking: in a trainee's kernel ``check`` shows radio buttons under
the question and ``write_box`` a text box, and every click is saved to ``answers.json``
beside the notebook (``answer_widgets.py``); grading writes those answers into the blank
answer boxes (``ApplyClickedAnswers``). The setup cell shows a header (answered count,
time left) and a locked ``review()`` cell before the ending lists the questions still
unanswered or marked. Every code cell's source is hidden (``metadata.jupyter
.source_hidden``): a trainee sees questions and panels, not code; anyone who prefers to
type can still open an answer box and type the letter. The manifest's
``time_limit_minutes`` is the profile's ``exam_rules.minutes`` for a full sitting and
its share by number of items for a partial retake.

Building is deterministic: cell ids are derived from grade ids and nothing depends on
the clock, so the same bank gives byte-identical ``source/`` and ``release/`` files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ppskit.exam.bank import Bank, MCItem, ScenarioItem, load_bank
from ppskit.exam.course import Course, failure_summary, full_assignment, run_converter
from ppskit.exam.integrity import scan_release
from ppskit.framework import load_framework
from ppskit.policies import Policy, load_policy

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class BuildError(RuntimeError):
    """The exam could not be built; the message says why in plain words."""


def _meta(grade_id: str, *, locked=False, solution=False, grade=False, points=0) -> dict:
    nb = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        nb["points"] = points
    return {"nbgrader": nb}


def _cell(kind: str, cell_id: str, source: str, metadata: dict | None = None) -> dict:
    cell = {"cell_type": kind, "id": cell_id, "metadata": metadata or {}, "source": source}
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
        # JupyterLab shows only the cell's output (the panels), not its code.
        cell["metadata"]["jupyter"] = {"source_hidden": True}
    return cell


def _locked_md(grade_id: str, text: str) -> dict:
    return _cell("markdown", grade_id, text, _meta(grade_id, locked=True))


def _md(text: str) -> str:
    """Item text for a markdown cell: a dollar sign stays a dollar sign (not math)."""
    return text.strip().replace("$", r"\$")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _count_line(items: list) -> str:
    mc = sum(1 for i in items if i.type == "mc")
    sc = sum(1 for i in items if i.type == "scenario")
    parts = []
    if mc:
        parts.append(_plural(mc, "multiple-choice question"))
    if sc:
        parts.append(_plural(sc, "written answer"))
    points = sum(i.points for i in items)
    return f"{' and '.join(parts)}, {_plural(points, 'point')} in all."


def _section_header(
    section: str, label: str, index: int, total: int, items: list, domains: list[str]
) -> dict:
    text = f"## Section {index} of {total}: {label}\n\n{_count_line(items)}"
    if len(domains) > 1:
        names = ", ".join(load_framework().domain(d).name for d in domains)
        text += f" It covers {names}; you need the pass mark in the section as a whole."
    return _locked_md(f"{section}-header", text)


def _domain_header(domain: str) -> dict:
    # Within a grouped section each domain keeps its own heading (and grade id prefix).
    return _locked_md(f"{domain}-header", f"### {load_framework().domain(domain).name}")


def _mc_cells(item: MCItem, number: int) -> list[dict]:
    var = f"answer_{number}"
    options = "\n".join(f"**{letter}.** {_md(text)}  " for letter, text in item.options.items())
    question = f"### Question {number}\n\n{_md(item.stem)}\n\n{options.rstrip()}"
    # The solution region is empty: nbgrader puts its code stub (the typing hint set
    # in nbgrader_config.py) there, above the blank answer line.
    answer = f'### BEGIN SOLUTION\n### END SOLUTION\n{var} = "_"'
    test = (
        f'check("{var}")\n'
        "### BEGIN HIDDEN TESTS\n"
        f'grade_answer("{var}", "{item.id}")\n'
        "### END HIDDEN TESTS"
    )
    return [
        _locked_md(f"{item.id}-question", question),
        _cell("code", f"{item.id}-answer", answer, _meta(f"{item.id}-answer", solution=True)),
        _cell(
            "code",
            item.id,
            test,
            _meta(item.id, locked=True, grade=True, points=item.points),
        ),
    ]


def _scenario_cells(item: ScenarioItem, number: int) -> list[dict]:
    question = (
        f"### Question {number} — written answer ({_plural(item.points, 'point')})\n\n"
        f"{_md(item.stem)}\n\n"
        "Type your answer in the box below, in your own words. It is saved as you type. "
        "A trainer reads and marks it."
    )
    rubric = "\n".join(
        f"- {_md(line.criterion)} — {_plural(line.points, 'point')}" for line in item.rubric
    )
    reference = (
        f"**Model answer (trainers only):** {_md(item.model_answer)}\n\n"
        f"**Rubric ({_plural(item.points, 'point')}):**\n\n{rubric}"
    )
    write = f'write_box("{item.id}", {number})'
    return [
        _locked_md(f"{item.id}-question", question),
        _cell("code", f"{item.id}-write", write, _meta(f"{item.id}-write", locked=True)),
        _cell(
            "markdown",
            item.id,
            reference,
            _meta(item.id, solution=True, grade=True, points=item.points),
        ),
    ]


def _intro(title: str, sections: list[str], policy: Policy, extra: str) -> str:
    names = ", ".join(policy.section_label(s) for s in sections)
    return (
        f"# {title}\n\n"
        f"{extra}"
        f"This exam has {_plural(len(sections), 'section')}: {names}.\n\n"
        "**How to answer**\n\n"
        "1. Open the **Run** menu at the top of the page and choose **Run All Cells** "
        "(or click the ▸▸ button in the toolbar). The exam gets ready; this takes a few "
        "seconds.\n"
        "2. Under each question, click the letter of your answer: A, B, C or D. For a "
        "written answer, type in the box under the question. Every answer is saved at "
        "once; you do not need to save the notebook.\n"
        "3. Not sure yet? Tick **Mark to come back to this question**. The box just "
        "below this text and the list at the end show how many questions you have "
        "answered, which ones are still open or marked, and the time left.\n"
        "4. You can close the exam and come back: choose **Run All Cells** again and "
        "your answers are still there.\n"
        "5. When you have finished, hand in the exam the way your trainer explained.\n\n"
        f"**Passing:** you need at least {policy.exam.section_pass_pct:g}% in every "
        "section. If you do not reach it in a section, you can retake just that section "
        f"within {policy.retake.window_days} days, with different questions."
    )


# The first two lines keep files handed in beside the notebook (a folder named ppskit,
# say) from standing in for the exam's code while nbgrader grades it.
SETUP = (
    "# Gets the exam ready: Run > Run All Cells.\n"
    "import os, sys\n"
    'sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]\n'
    "from ppskit.exam.runtime import A, B, C, D, check, grade_answer, review, setup, write_box\n"
    "\n"
    "setup()"
)

ENDING = (
    "## You have reached the end\n\n"
    "The list just above shows any question still without an answer and the ones you "
    "marked to come back to. Your answers are saved as you click; when you are done, "
    "hand in the exam the way your trainer explained. Thank you, and good luck!"
)


def sitting_notebook(
    bank: Bank,
    form: str,
    *,
    assignment: str,
    title: str,
    sections: list[str] | None = None,
    policy: Policy | None = None,
    intro_extra: str = "",
    manifest_extra: dict | None = None,
) -> dict:
    """The nbgrader source notebook (as a JSON-ready dict) of one sitting on ``form``.

    ``sections`` limits the sitting to some sections (a partial retake); None means the
    full exam.
    """
    policy = policy or load_policy()
    groups = _sections_of(bank, policy)
    sections = list(groups) if sections is None else [s for s in groups if s in sections]
    cells = [
        _locked_md("exam-intro", _intro(title, sections, policy, intro_extra)),
        _cell("code", "exam-setup", SETUP, _meta("exam-setup", locked=True)),
    ]
    listed = []
    number = 0
    for index, section in enumerate(sections, start=1):
        domains = groups[section]
        in_section = bank.form_items(form, domains)
        label = policy.section_label(section)
        cells.append(_section_header(section, label, index, len(sections), in_section, domains))
        for domain in domains:
            if len(domains) > 1:
                cells.append(_domain_header(domain))
            for item in bank.form_items(form, [domain]):
                number += 1
                if item.type == "mc":
                    cells += _mc_cells(item, number)
                else:
                    cells += _scenario_cells(item, number)
                listed.append(
                    {
                        "id": item.id,
                        "section": section,
                        "domain": domain,
                        "type": item.type,
                        "points": item.points,
                        "question": number,
                    }
                )
    cells.append(_cell("code", "exam-review", "review()", _meta("exam-review", locked=True)))
    cells.append(_locked_md("exam-end", ENDING))
    manifest = {
        "assignment": assignment,
        "form": form,
        "profile": policy.id,
        "sections": sections,
        "items": listed,
        **_time_limit(bank, form, groups, len(listed), policy),
        **(manifest_extra or {}),
    }
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": dict(KERNELSPEC),
            "language_info": {"name": "python"},
            "ppskit": manifest,
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _time_limit(
    bank: Bank, form: str, groups: dict[str, list[str]], count: int, policy: Policy
) -> dict:
    """``time_limit_minutes`` of a sitting: the profile's time for a full sitting, its
    share by number of items for a partial one (rounded up); none without a profile
    time."""
    if policy.exam_rules.minutes is None:
        return {}
    minutes = policy.exam_rules.minutes.at()
    full = sum(len(bank.form_items(form, domains)) for domains in groups.values())
    if full and count < full:
        minutes = -(-minutes * count // full)
    return {"time_limit_minutes": minutes}


def _sections_of(bank: Bank, policy: Policy) -> dict[str, list[str]]:
    """The profile's scored sections, each with the bank's domains it holds (in the
    blueprint's order)."""
    order = bank.blueprint.section_order
    out = {}
    for section, domains in policy.section_domains.items():
        held = [d for d in order if d in domains]
        if held:
            out[section] = held
    return out


def keys_path(course: Course) -> Path:
    """The trainer's key file the hidden tests read while nbgrader grades."""
    return course.state_dir / "keys.json"


def write_keys(course: Course, bank: Bank) -> Path:
    """Write every multiple-choice item's key to :func:`keys_path`, readable by the
    trainer only (mode 0600), replacing the old file in one step."""
    import os
    import tempfile

    path = keys_path(course)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = {i.id: i.key for i in bank.items if i.type == "mc"}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keys-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp creates it 0600
            json.dump(keys, fh, indent=0, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def missing_keys(course: Course, assignments: list[str]) -> list[str]:
    """Items of these assignments' source notebooks that the key file lacks (all of
    them when there is no key file)."""
    path = keys_path(course)
    try:
        keys = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        keys = {}
    out = []
    for assignment in assignments:
        try:
            items = manifest(course.notebook("source", assignment)).get("items", [])
        except (OSError, ValueError, KeyError):
            continue  # not a sitting ppskit built: it has no keys to look up
        out += [i["id"] for i in items if i.get("type") == "mc" and i["id"] not in keys]
    return out


def dumps_notebook(nb: dict) -> str:
    """Serialise a notebook exactly as nbformat (and so nbgrader) writes one."""
    import nbformat

    return nbformat.writes(nbformat.from_dict(nb), version=4) + "\n"


def manifest(path: Path) -> dict:
    """The ``metadata.ppskit`` manifest of a sitting notebook (source or release)."""
    return json.loads(path.read_text(encoding="utf-8"))["metadata"]["ppskit"]


@dataclass
class BuildReport:
    """What ``build`` did."""

    assignments: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    items: int = 0


def _submission_count(course: Course, assignment: str) -> int:
    from nbgrader.api import MissingEntry

    from ppskit.exam.course import gradebook

    if not course.gradebook_path.exists():
        return 0
    with gradebook(course) as gb:
        try:
            return len(gb.find_assignment(assignment).submissions)
        except MissingEntry:
            return 0


def release_assignment(course: Course, assignment: str) -> None:
    """Run nbgrader's ``generate_assignment`` for one assignment (source -> release)."""
    result = run_converter(course, "GenerateAssignment", assignment, force=True)
    if not result["success"]:
        raise BuildError(f"nbgrader could not generate {assignment}: {failure_summary(result)}")


def build(course: Course | None = None) -> BuildReport:
    """Validate the bank, write ``source/exam-<form>/exam.ipynb`` for every form, and run
    nbgrader to produce ``release/``.

    A form that trainees have already sat is never changed under them: if its items
    differ from the existing source notebook and nbgrader holds submissions for it, the
    build stops and asks for a new form instead.
    """
    course = course or Course.find()
    bank = load_bank(course.assessments)
    write_keys(course, bank)
    report = BuildReport(items=len(bank.items))
    planned: dict[str, str] = {}
    for form in bank.blueprint.forms:
        assignment = full_assignment(form)
        nb = sitting_notebook(
            bank,
            form,
            assignment=assignment,
            title=f"PPSS certification exam — form {form}",
        )
        planned[assignment] = dumps_notebook(nb)
    for assignment, text in planned.items():
        path = course.notebook("source", assignment)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old is not None and old != text and _submission_count(course, assignment):
            raise BuildError(
                f"{assignment} has already been sat and its questions would change. "
                "Changing a form after trainees took it would mix up their grades: add "
                "the new items as a new form in the blueprint instead."
            )
        if old != text:
            report.changed.append(assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for assignment in planned:
        release_assignment(course, assignment)
        report.assignments.append(assignment)
    hits = scan_release(course.root, bank)
    if hits:
        raise BuildError(
            "release/ would show trainees trainer-only text; fix the bank or the build:\n"
            + "\n".join(f"  {h}" for h in hits[:20])
        )
    return report
