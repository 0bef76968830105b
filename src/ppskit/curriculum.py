"""The curriculum: which modules exist, what a trainee has completed, and whether each
module notebook follows the pinned format.

Facts (modules, domains, hours, subtopics) come from the framework YAML and the exercise
files; this module only reads and compares them. Nothing here imports pandas, the ledger
or textstat until a function that needs them runs, so ``ppskit modules list`` is quick.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ppskit.exercises.loader import PROBLEM_MARKER, ContentError, load_content, module_title
from ppskit.exercises.storage import course_root as _find_root
from ppskit.framework import Module, load_framework

#: Folder of the module notebooks, relative to the course root.
MODULES_DIR = "modules"
#: Keys of ``metadata.ppskit`` in every module notebook, exactly.
METADATA_KEYS = frozenset(
    {"module", "domain", "category", "hours", "objectives", "version", "covers"}
)
#: The generic kernelspec every notebook is committed with.
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

_EXERCISE_CALL = re.compile(r"""module\.exercise\(\s*["']([^"']+)["']\s*\)""")
_EXERCISE_CELL = re.compile(r"""^module\.exercise\(\s*["']([^"']+)["']\s*\)$""")
#: A state law panel (ppskit.statelaw) right after the passage that needs a state's rule.
_STATE_LAW_CELL = re.compile(r"""^module\.state_law\(\s*["']([^"']+)["']\s*\)$""")
_SETUP = 'from ppskit.exercises import open_module\n\nmodule = open_module("{id}")'
#: Module panels a notebook may show between its exercises, each alone in its cell: the
#: trainee's certification requirements (orientation) and the code-of-ethics signing.
PANEL_CELLS = frozenset({"module.requirements()", "module.sign_code()"})


# --- where things are ----------------------------------------------------------------


def course_root() -> Path:
    """The course folder (holding ``nbgrader_config.py``), else the current folder."""
    return _find_root() or Path.cwd()


def notebook_path(module_id: str, root: Path | None = None) -> Path:
    """Path of a module's notebook (it may not exist yet)."""
    module = load_framework().module(module_id)
    return (root or course_root()) / MODULES_DIR / module.path


def load_notebook(path: Path) -> dict:
    """A notebook file as plain JSON (fast; no nbformat validation)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def markdown_cells(nb: dict) -> list[str]:
    """Sources of the markdown cells, in order."""
    return [_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "markdown"]


def code_cells(nb: dict) -> list[str]:
    """Sources of the code cells, in order."""
    return [_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]


def headings(nb: dict, level: int = 2) -> list[str]:
    """Text of the markdown headings of one level (``## `` by default), in order."""
    marker = "#" * level + " "
    found = []
    for text in markdown_cells(nb):
        for line in text.splitlines():
            if line.startswith(marker):
                found.append(line[len(marker) :].strip())
    return found


def exercise_calls(nb: dict) -> list[str]:
    """Exercise ids the notebook asks for with ``module.exercise("...")``, in order."""
    return [m for src in code_cells(nb) for m in _EXERCISE_CALL.findall(src)]


def notebook_title(nb: dict) -> str | None:
    """The ``# `` title of the first cell, if there is one."""
    cells = markdown_cells(nb)
    if not cells:
        return None
    for line in cells[0].splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def objectives_in_intro(nb: dict) -> list[str]:
    """The bullets that follow "Learning objectives" in the first cell."""
    cells = nb.get("cells", [])
    if not cells or cells[0].get("cell_type") != "markdown":
        return []
    bullets: list[str] = []
    inside = False
    for line in _source(cells[0]).splitlines():
        if "learning objectives" in line.lower():
            inside = True
            continue
        if not inside:
            continue
        item = re.match(r"^\s*[-*+]\s+(.*\S)\s*$", line)
        if item:
            bullets.append(item.group(1))
        elif bullets and line.strip():
            # The first non-bullet text after the list ends it.
            break
    return bullets


# --- the module list -----------------------------------------------------------------


def _counts_toward(module: Module) -> str:
    return module.domain if module.kind == "core" else module.specialty  # type: ignore[return-value]


def module_rows(root: Path | None = None, *, measured=None) -> list[dict]:  # noqa: ANN001
    """One row per module in framework order.

    Keys: ``id``, ``title`` (the notebook's title when it exists), ``kind``,
    ``category`` (``core``/``ce``), ``domain`` (domain id, or specialty id for CE),
    ``hours``, ``path``, ``notebook`` (the file exists), ``exercises`` (count, or None
    when the exercise file is missing or invalid), ``words`` (of teaching text, from
    ``measured`` — a :class:`ppskit.hours_rule.CurriculumHours` — else None).
    """
    root = root or course_root()
    words = {m.module_id: m.words for m in measured.modules} if measured is not None else {}
    rows = []
    for module in load_framework().modules:
        path = root / MODULES_DIR / module.path
        title = module_title(module)
        if path.is_file():
            try:
                title = notebook_title(load_notebook(path)) or title
            except (OSError, ValueError):
                pass
        try:
            count: int | None = len(load_content(module.id).exercises)
        except ContentError:
            count = None
        rows.append(
            {
                "id": module.id,
                "title": title,
                "kind": module.kind,
                "category": module.category,
                "domain": _counts_toward(module),
                "hours": module.hours,
                "path": f"{MODULES_DIR}/{module.path}",
                "notebook": path.is_file(),
                "exercises": count,
                "words": words.get(module.id),
            }
        )
    return rows


def session_rows() -> list[dict]:
    """One row per facilitated session guide: ``id``, ``category`` (core/ce), ``topic``,
    ``minutes`` and ``hours`` credited, ``skill_check`` (the guide has one)."""
    from ppskit.sessions import available_guides, load_guide

    rows = []
    for gid in available_guides():
        g = load_guide(gid)
        rows.append(
            {
                "id": g.id,
                "category": g.kind,
                "topic": g.topic,
                "minutes": g.minutes,
                "hours": g.hours,
                "skill_check": g.skill_check is not None,
            }
        )
    return rows


def modules_frame(root: Path | None = None):
    """:func:`module_rows` as a pandas DataFrame."""
    import pandas as pd

    return pd.DataFrame(module_rows(root))


# --- a trainee's progress ------------------------------------------------------------


def _module_hours_entries(trainee_id: str, db: str | None) -> dict[str, dict]:
    """Module id -> the trainee's live "Record my hours" entry (id, verified)."""
    from ppskit.ledger.api import hours_frame

    df = hours_frame(trainee=trainee_id, db=db)
    if df.empty or "note" not in df:
        return {}
    mine = df[(df["source"] == "module") & ~df["voided"]]
    found: dict[str, dict] = {}
    for row in mine.itertuples():
        # The ledger marks a module's entry with the note "module:<module id>".
        note = str(row.note or "")
        if note.startswith("module:"):
            found.setdefault(
                note.split(":", 1)[1], {"entry": int(row.entry_id), "verified": bool(row.verified)}
            )
    return found


def progress_rows(trainee_id: str, *, db: str | None = None) -> list[dict]:
    """One row per module with the trainee's completion, in framework order.

    Keys: ``id``, ``title``, ``category``, ``hours``, ``done`` and ``total`` (exercise
    counts), ``complete`` (every exercise done), ``remaining`` (exercise ids not done),
    ``hours_entry`` (ledger entry number of the recorded hours, or None),
    ``verified`` (a trainer verified that entry) and ``active_minutes`` (the active time
    the notebook measured, written with the entry; None when none was).
    """
    from ppskit.ledger.api import exercise_progress
    from ppskit.ledger.progress import active_minutes

    done_by_module = exercise_progress(trainee_id, db=db)
    entries = _module_hours_entries(trainee_id, db)
    minutes = active_minutes(trainee_id, db=db)
    rows = []
    for module in load_framework().modules:
        try:
            ids = load_content(module.id).ids
        except ContentError:
            ids = []
        done = done_by_module.get(module.id, set())
        entry = entries.get(module.id)
        rows.append(
            {
                "id": module.id,
                "title": module_title(module),
                "category": module.category,
                "hours": module.hours,
                "done": len(done & set(ids)),
                "total": len(ids),
                "complete": bool(ids) and set(ids) <= done,
                "remaining": [i for i in ids if i not in done],
                "hours_entry": entry["entry"] if entry else None,
                "verified": bool(entry and entry["verified"]),
                "active_minutes": minutes.get(entry["entry"]) if entry else None,
            }
        )
    return rows


def progress_frame(trainee_id: str, *, db: str | None = None):
    """:func:`progress_rows` as a pandas DataFrame."""
    import pandas as pd

    return pd.DataFrame(progress_rows(trainee_id, db=db))


# --- checking a notebook against the pinned format -------------------------------------


def _all_subtopics() -> set[str]:
    return {s for d in load_framework().domains for s in d.subtopics}


def is_domain_module(module: Module) -> bool:
    """True for the core module that teaches a whole domain (its id is the domain id)."""
    return module.kind == "core" and module.id == module.domain


def notebook_problems(module_id: str, root: Path | None = None) -> list[str]:
    """Everything in a module notebook that breaks the pinned format ([] when none).

    Checks the generic kernelspec, ``metadata.ppskit`` against the framework, the intro
    cell (title, objectives, estimated time), the single setup cell, one code cell per
    exercise and a closing ``module.finish()``, cleared outputs, ``## `` headings for
    every covered subtopic, and that the exercise cells name exactly the exercises of
    the module's YAML file, each once.
    """
    framework = load_framework()
    module = framework.module(module_id)
    path = notebook_path(module_id, root)
    if not path.is_file():
        return [f"{module_id}: notebook {path} does not exist"]
    try:
        nb = load_notebook(path)
    except (OSError, ValueError) as exc:
        return [f"{module_id}: {path.name} is not a readable notebook ({exc})"]
    problems: list[str] = []

    def say(text: str) -> None:
        problems.append(f"{module_id}: {text}")

    meta = nb.get("metadata", {})
    spec = meta.get("kernelspec", {})
    if {k: spec.get(k) for k in KERNELSPEC} != KERNELSPEC:
        say(f"kernelspec must be {KERNELSPEC}, found {spec}")
    pp = meta.get("ppskit")
    if not isinstance(pp, dict):
        say("metadata.ppskit is missing")
        pp = {}
    elif set(pp) != METADATA_KEYS:
        missing, extra = METADATA_KEYS - set(pp), set(pp) - METADATA_KEYS
        say(f"metadata.ppskit keys: missing {sorted(missing)}, unexpected {sorted(extra)}")
    expected = {
        "module": module.id,
        "domain": _counts_toward(module),
        "category": module.category,
        "version": framework.version,
    }
    for key, want in expected.items():
        if key in pp and pp[key] != want:
            say(f"metadata.ppskit.{key} is {pp[key]!r}, expected {want!r}")
    if "hours" in pp and pp["hours"] != module.hours:
        say(f"metadata.ppskit.hours is {pp['hours']!r}, expected {module.hours:g}")
    shown = [
        n
        for n, c in enumerate(nb.get("cells", []), start=1)
        if c.get("cell_type") == "code"
        and not c.get("metadata", {}).get("jupyter", {}).get("source_hidden")
    ]
    if shown:
        say(f"code cells {shown} show their code: hide it (ppskit modules format)")
    if re.search(r"Shift\+Enter|[Rr]un the cell", "".join(markdown_cells(nb))):
        say("tells the trainee to run cells: use the Start button (ppskit modules format)")
    objectives = pp.get("objectives", [])
    if not (isinstance(objectives, list) and 3 <= len(objectives) <= 6):
        say("metadata.ppskit.objectives must list 3 to 6 objectives")
    elif objectives != objectives_in_intro(nb):
        say("metadata.ppskit.objectives differ from the Learning objectives bullets of cell 1")

    covers = pp.get("covers", [])
    heads = set(headings(nb, 2))
    if not isinstance(covers, list):
        say("metadata.ppskit.covers must be a list")
        covers = []
    if is_domain_module(module):
        # A domain module's covers are seed-002 subtopics, all of its own domain. Crosswalk
        # and specialty modules have no subtopic list in the framework: their covers name
        # their own sections, held to the same rule of an exact '## ' heading below.
        unknown = [c for c in covers if c not in _all_subtopics()]
        if unknown:
            say(f"covers names subtopics that are not in the framework: {unknown}")
        wanted = framework.domain(module.domain).subtopics
        missing = [s for s in wanted if s not in covers]
        if missing:
            say(f"covers lacks subtopics of its domain: {missing}")
    not_headed = [c for c in covers if c not in heads]
    if not_headed:
        say(f"covered subtopics without a matching '## ' heading: {not_headed}")

    cells = nb.get("cells", [])
    intro = _source(cells[0]) if cells and cells[0].get("cell_type") == "markdown" else ""
    if not intro.startswith("# "):
        say("cell 1 must be markdown starting with '# <Module title>'")
    hours_said = re.search(r"Estimated time:\s*([\d.]+)\s*hours?", intro)
    if not hours_said or float(hours_said.group(1)) != module.hours:
        say(f"cell 1 must say 'Estimated time: {module.hours:g} hours'")
    code = [(i, c) for i, c in enumerate(cells) if c.get("cell_type") == "code"]
    sources = [_source(c).strip() for _, c in code]
    if not sources or sources[0] != _SETUP.format(id=module.id):
        say("the first code cell must be exactly the setup cell of the format")
    if len(cells) < 2 or cells[1].get("cell_type") != "code":
        say("cell 2 must be the setup code cell")
    if not sources or sources[-1] != "module.finish()":
        say("the last code cell must be module.finish()")
    for text in sources[1:-1]:
        if not (_EXERCISE_CELL.match(text) or _STATE_LAW_CELL.match(text) or text in PANEL_CELLS):
            say(f"code cell is not one exercise call or module panel: {text[:60]!r}")
    for i, cell in code:
        if cell.get("outputs") or cell.get("execution_count") is not None:
            say(f"cell {i + 1} has outputs or an execution count (clear them before committing)")

    called = exercise_calls(nb)
    try:
        content = load_content(module.id)
    except ContentError as exc:
        say(str(exc))
        return problems
    twice = sorted({c for c in called if called.count(c) > 1})
    if twice:
        say(f"exercises shown more than once: {twice}")
    unknown_ex = [c for c in called if c not in content.ids]
    if unknown_ex:
        say(f"exercises named in the notebook but not in the YAML file: {unknown_ex}")
    unused = [c for c in content.ids if c not in called]
    if unused:
        say(f"exercises in the YAML file that the notebook never shows: {unused}")
    return problems


def coverage_gaps(root: Path | None = None) -> dict[str, list[str]]:
    """What the notebooks do not teach yet.

    ``subtopics``: seed-002 subtopics that no notebook both lists in ``covers`` and
    teaches under an exact ``## `` heading. ``legislative``: "<competency>: <module>" for
    crosswalk modules that have no notebook.
    """
    framework = load_framework()
    taught: set[str] = set()
    for module in framework.modules:
        path = notebook_path(module.id, root)
        if not path.is_file():
            continue
        nb = load_notebook(path)
        covers = nb.get("metadata", {}).get("ppskit", {}).get("covers", []) or []
        taught |= set(covers) & set(headings(nb, 2))
    subtopics = [s for d in framework.domains for s in d.subtopics if s not in taught]
    legislative = [
        f"{leg.id}: {m}"
        for leg in framework.legislative
        for m in leg.taught_in
        if not notebook_path(m, root).is_file()
    ]
    return {"subtopics": subtopics, "legislative": legislative}


# --- readability ---------------------------------------------------------------------


def prose(markdown: str) -> str:
    """Markdown reduced to sentences a readability formula can score.

    Code, links and emphasis marks go; headings and list items become sentences of their
    own (they have no full stop, and would otherwise merge into one very long sentence).
    """
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    lines = []
    for raw in text.splitlines():
        line = re.sub(r"^\s*(#+|>|[-*+]|\d+[.)])\s+", "", raw)
        line = re.sub(r"^\s*>\s*", "", line)
        line = line.replace("**", "").replace("__", "").strip().strip("*_").strip()
        if not line:
            lines.append("")
            continue
        is_block = raw.lstrip().startswith(("#", "-", "*", "+", ">")) or re.match(
            r"^\s*\d+[.)]\s", raw
        )
        if is_block and not line.endswith((".", "!", "?", ":", ";")):
            line += "."
        lines.append(line)
    return "\n".join(lines)


#: Language tag for syllable counting. textstat counts English syllables with NLTK's CMU
#: dictionary, which it downloads on first use: impossible offline (and in CI). A tag whose
#: root is not "en" makes textstat use its own fallback, Pyphen's en_US hyphenation
#: dictionary (the counting textstat used before 0.7.4): the same grade on every machine.
SYLLABLE_LANG = "en-US"


def grade_level(text: str) -> float:
    """Flesch-Kincaid grade of plain text (textstat's formula, Pyphen syllables)."""
    from textstat.backend.metrics import flesch_kincaid_grade

    return float(flesch_kincaid_grade(text, SYLLABLE_LANG))


def readability(module_id: str, root: Path | None = None) -> float:
    """Flesch-Kincaid grade of a notebook's markdown cells, scored as one text."""
    nb = load_notebook(notebook_path(module_id, root))
    return grade_level("\n\n".join(prose(t) for t in markdown_cells(nb)))


# --- headless execution ----------------------------------------------------------------


def output_problems(nb: dict) -> list[str]:
    """What a trainee would see go wrong in an executed notebook ([] when nothing).

    Error outputs, anything written to stderr (warnings, tracebacks), a ppskit problem
    notice in place of an exercise, and exercise or finish cells that show no widget.
    """
    problems = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell).strip()
        widget = False
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            data = out.get("data", {})
            if kind == "error":
                problems.append(f"cell {number}: {out.get('ename')}: {out.get('evalue')}")
            elif kind == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {number} wrote to stderr: {_source(out)[:200]!r}")
            text = data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            if text.startswith(PROBLEM_MARKER):
                problems.append(f"cell {number}: {text}")
            widget = widget or "application/vnd.jupyter.widget-view+json" in data
        shows_widget = (
            _EXERCISE_CELL.match(source) or source == "module.finish()" or source in PANEL_CELLS
        )
        if (
            shows_widget
            and not widget
            and not any(p.startswith(f"cell {number}") for p in problems)
        ):
            problems.append(f"cell {number}: {source} showed no widget")
    return problems


def execute_notebook(path: Path, *, timeout: int = 120) -> tuple[dict, float, list[str]]:
    """Run a notebook headless in a fresh ``python3`` kernel, from its own folder.

    Returns the executed notebook, the seconds it took (kernel start included) and the
    problems found (see :func:`output_problems`; an exception in a cell is one). The
    kernel inherits the environment, so set ``PPSKIT_DB``/``PPSKIT_JOURNAL_DIR`` first.
    """
    import time

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        # Only the kernel's errors, not its start-up notices, on the caller's terminal.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        # Every output is in by the end of the last cell; a graceful shutdown would only
        # add seconds of waiting per notebook.
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    problems: list[str] = []
    try:
        client.execute()
    except CellExecutionError as exc:
        first = str(exc).strip().splitlines()
        problems.append(f"execution stopped: {first[-1] if first else exc!r}")
    except Exception as exc:  # kernel died, timeout: report, don't crash the whole run
        problems.append(f"execution failed: {type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    problems += [p for p in output_problems(nb) if p not in problems]
    return nb, seconds, problems


# --- keeping notebooks in the trainee format -------------------------------------------

#: How every module tells a trainee to begin (replaces any paragraph about running cells).
HOW_TO_START = (
    "Read each section in order and take your time: there is no rush. To show the "
    "exercises, press the **Start** button at the top of this page (or choose **Run > Run "
    "All Cells** in the menu); they appear in place, and you only click and type your "
    "answers. Sign in once, at the top, with the trainee ID from your welcome letter: your "
    "answers are saved as you go and come back when you open this module again. The "
    "exercises are for practice and reflection, and they are not part of the "
    "certification exam."
)


#: Older wording that asks a trainee to run cells, and what the trainee format says.
RUN_CELL_WORDING = (
    (
        r"Run the cell below to see your progress,? and (?:to )?record your hours for this "
        r"module\.",
        "Below is your progress in this module, with the button that records your hours.",
    ),
    (r"Run the cell below to see your progress\.", "Below is your progress in this module."),
    (r"Run the cell below\. It shows", "The panel below shows"),
)


def format_notebook(nb: dict) -> dict:
    """The trainee format: every code cell's input hidden, and the "How to use this
    notebook" paragraph that says to press Start (never Shift+Enter)."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell.setdefault("metadata", {}).setdefault("jupyter", {})["source_hidden"] = True
        elif cell.get("cell_type") == "markdown":
            text = _source(cell)
            for pattern, words in RUN_CELL_WORDING:
                text = re.sub(pattern, words, text)
            if text != _source(cell):
                cell["source"] = text.splitlines(keepends=True)
            lines = text.split("\n")
            if any("Shift+Enter" in line for line in lines):
                lines = [HOW_TO_START if "Shift+Enter" in line else line for line in lines]
                text = "\n".join(lines)
                cell["source"] = text.splitlines(keepends=True)
    return nb


def format_notebooks(root: Path | None = None) -> list[str]:
    """Apply :func:`format_notebook` to every module notebook; the ones changed."""
    changed = []
    for module in load_framework().modules:
        path = notebook_path(module.id, root)
        if not path.is_file():
            continue
        before = path.read_text(encoding="utf-8")
        nb = format_notebook(json.loads(before))
        after = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        if after != before:
            path.write_text(after, encoding="utf-8")
            changed.append(module.id)
    return changed
