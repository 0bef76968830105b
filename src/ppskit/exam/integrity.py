"""What must never reach a trainee, and a scanner that proves it didn't.

The secrets of a bank are: every hidden-test line of the source notebooks (and the
hidden-test markers), every rationale sentence (it explains the key), every scenario's model answer
and rubric criterion. :func:`scan_release` and :func:`scan_feedback` look for them in
the trainee-facing files; ``build`` and ``feedback`` refuse to keep a file with a hit.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ppskit.exam.bank import Bank

MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "END SOLUTION")
_MIN_SENTENCE = 25  # shorter fragments ("Not quite.") are not distinctive enough to scan for


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?;:])\s+", text.strip())
    return [p for p in (_norm(x) for x in parts) if len(p) >= _MIN_SENTENCE]


@dataclass(frozen=True)
class Secret:
    """One string that must not appear, and what it is."""

    what: str
    text: str


def hidden_test_lines(source_notebook: Path) -> list[str]:
    """Every line inside BEGIN/END HIDDEN TESTS of a source notebook."""
    nb = json.loads(source_notebook.read_text(encoding="utf-8"))
    lines = []
    for cell in nb["cells"]:
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        inside = False
        for line in src.split("\n"):
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


def secrets(bank: Bank, source_notebooks: list[Path] = ()) -> list[Secret]:
    """Everything of the bank (and of the given source notebooks) a trainee must not see."""
    out = [Secret("hidden-test marker", _norm(m)) for m in MARKERS]
    for item in bank.items:
        if item.type == "mc":
            out += [Secret(f"{item.id} rationale", s) for s in _sentences(item.rationale)]
        else:
            out += [Secret(f"{item.id} model answer", s) for s in _sentences(item.model_answer)]
            out += [Secret(f"{item.id} rubric", _norm(r.criterion)) for r in item.rubric]
    for path in source_notebooks:
        out += [
            Secret(f"hidden test in {path.parent.name}", _norm(x)) for x in hidden_test_lines(path)
        ]
    return out


def notebook_text(path: Path) -> str:
    """All text a trainee could see in a notebook: sources, outputs and metadata."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = [json.dumps(nb.get("metadata", {}), ensure_ascii=False)]
    for cell in nb["cells"]:
        parts.append(cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"]))
        parts.append(json.dumps(cell.get("metadata", {}), ensure_ascii=False))
        parts.append(json.dumps(cell.get("outputs", []), ensure_ascii=False))
    return "\n".join(parts)


def html_text(path: Path) -> str:
    """The visible text of an HTML page, plus its raw source (tags and all)."""
    raw = path.read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", " ", raw)) + "\n" + html.unescape(raw)


def scan_text(text: str, found_in: str, all_secrets: list[Secret]) -> list[str]:
    """Hits of any secret in ``text`` (whitespace and case ignored)."""
    hay = _norm(text)
    return [f"{found_in}: {s.what}: {s.text[:60]!r}" for s in all_secrets if s.text in hay]


def _sources(course_root: Path) -> list[Path]:
    return sorted((course_root / "source").glob("*/*.ipynb"))


def scan_release(course_root: Path, bank: Bank) -> list[str]:
    """Hits in every notebook under ``release/`` (an empty list means clean)."""
    found = secrets(bank, _sources(course_root))
    hits = []
    for path in sorted((course_root / "release").glob("*/*.ipynb")):
        hits += scan_text(notebook_text(path), str(path.relative_to(course_root)), found)
    return hits


def scan_feedback(course_root: Path, bank: Bank, pages: list[Path] | None = None) -> list[str]:
    """Hits in feedback pages (default: every page under ``feedback/``)."""
    found = secrets(bank, _sources(course_root))
    pages = pages if pages is not None else sorted((course_root / "feedback").glob("*/*/*.html"))
    hits = []
    for path in pages:
        hits += scan_text(html_text(path), str(path.relative_to(course_root)), found)
    return hits
