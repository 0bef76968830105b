"""The hours rule: what each module and facilitated session credits, and why.

The rule's numbers live in ``framework/hours-rule.yaml`` (each a setting marked
unverified, with its reasoning); this module measures the content and applies them:

* a module credits its **self-study time**: the words of its notebook's teaching text
  at the reading speed, plus the minutes set for each of its exercises by kind, rounded
  down to the step (a quarter hour);
* a facilitated session credits its guide's agenda minutes without breaks
  (:mod:`ppskit.sessions`), recorded by the trainer who ran it.

The hours stored in ``competencies.yaml`` (and shown in each notebook) must equal what
:func:`measure_module` computes; :func:`drift` lists any that do not, and the test
suite fails on them.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from ppskit.framework import load_framework

_WORD = re.compile(r"[A-Za-z0-9À-ÿ]+(?:['’-][A-Za-z0-9À-ÿ]+)*")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Setting(_Strict):
    value: float = Field(gt=0)
    unverified: bool = False
    description: str = ""
    reference: str = ""


class _Reading(_Strict):
    words_per_minute: _Setting
    counts: str


class _ExerciseMinutes(_Strict):
    reference: str
    unverified: bool = False
    values: dict[str, float]


class _ActiveTime(_Strict):
    idle_minutes: _Setting


class _Rounding(_Strict):
    step_hours: float = Field(gt=0)
    direction: str = Field(pattern="^down$")


class _Targets(_Strict):
    ce_hours_per_renewal: _Setting


class HoursRule(_Strict):
    """``framework/hours-rule.yaml``."""

    description: str
    reading: _Reading
    exercise_minutes: _ExerciseMinutes
    active_time: _ActiveTime
    rounding: _Rounding
    targets: _Targets

    @property
    def wpm(self) -> float:
        """Reading speed, words a minute."""
        return self.reading.words_per_minute.value

    def summary(self) -> str:
        """The rule in one plain sentence, built from its values."""
        kinds = ", ".join(f"{k} {v:g}" for k, v in self.exercise_minutes.values.items())
        step = self.rounding.step_hours
        step_words = "quarter hour" if step == 0.25 else f"{step:g} hour"
        return (
            f"Hours rule: a module's teaching text read at {self.wpm:g} words a minute, plus "
            f"minutes per exercise ({kinds}), rounded down to the {step_words}; a "
            "facilitated session counts its agenda minutes without breaks (rounded down to "
            "the hundredth of an hour), recorded by the trainer who ran it."
        )


@cache
def load_rule() -> HoursRule:
    """The packaged hours rule."""
    path = Path(str(files("ppskit.framework").joinpath("hours-rule.yaml")))
    return HoursRule.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def count_words(markdown: str) -> int:
    """Words of teaching text, with markup, link targets and code left out."""
    from ppskit.curriculum import prose

    return len(_WORD.findall(prose(markdown)))


def round_down(hours: float, step: float) -> float:
    """``hours`` rounded down to a multiple of ``step`` (never below one step)."""
    return max(step, math.floor(hours / step + 1e-9) * step)


@dataclass
class ModuleMeasure:
    """What the rule measured in one module and what it credits."""

    module_id: str
    category: str
    words: int
    exercises: Counter = field(default_factory=Counter)
    reading_minutes: float = 0.0
    exercise_minutes: float = 0.0
    credited_hours: float = 0.0

    @property
    def self_study_minutes(self) -> float:
        """Reading plus exercises, before rounding."""
        return self.reading_minutes + self.exercise_minutes


def measure_module(module_id: str, root: Path | None = None) -> ModuleMeasure:
    """Measure one module's notebook and exercises and apply the rule."""
    from ppskit.curriculum import load_notebook, markdown_cells, notebook_path
    from ppskit.exercises.loader import load_content

    rule = load_rule()
    info = load_framework().module(module_id)
    nb = load_notebook(notebook_path(module_id, root))
    words = sum(count_words(t) for t in markdown_cells(nb))
    kinds = Counter(e.kind for e in load_content(module_id).exercises)
    per = rule.exercise_minutes.values
    reading = words / rule.wpm
    exercises = sum(per[k] * n for k, n in kinds.items())
    credited = round_down((reading + exercises) / 60, rule.rounding.step_hours)
    return ModuleMeasure(module_id, info.category, words, kinds, reading, exercises, credited)


@dataclass
class CurriculumHours:
    """Every module measured, every session guide, and the totals by category."""

    modules: list[ModuleMeasure]
    #: guide id -> (category, topic, credited hours)
    sessions: dict[str, tuple[str, str, float]]

    def total(self, category: str, part: str) -> float:
        """Hours of ``category`` (core | ce) from ``part`` (modules | sessions)."""
        if part == "modules":
            return sum(m.credited_hours for m in self.modules if m.category == category)
        return sum(h for c, _, h in self.sessions.values() if c == category)


def curriculum_hours(root: Path | None = None) -> CurriculumHours:
    """Measure every module with a notebook and read every session guide."""
    from ppskit.curriculum import notebook_path
    from ppskit.sessions import available_guides, load_guide

    measured = [
        measure_module(m.id, root)
        for m in load_framework().modules
        if notebook_path(m.id, root).is_file()
    ]
    sessions = {}
    for gid in available_guides():
        g = load_guide(gid)
        sessions[gid] = (g.kind, g.topic, g.hours)
    return CurriculumHours(measured, sessions)


def domain_hours(measured: CurriculumHours) -> dict[str, float]:
    """Core hours per domain the curriculum gives: its modules' self-study plus its
    facilitated sessions (the framework's ``planned_hours``)."""
    out: dict[str, float] = {}
    topic = {m.id: m.topic for m in load_framework().modules}
    for m in measured.modules:
        if m.category == "core":
            out[topic[m.module_id]] = out.get(topic[m.module_id], 0.0) + m.credited_hours
    for category, domain, hours in measured.sessions.values():
        if category == "core":
            out[domain] = out.get(domain, 0.0) + hours
    return {d: round(h, 2) for d, h in out.items()}


def drift(root: Path | None = None) -> list[str]:
    """Modules (and domains) whose stored hours differ from the rule's, as plain
    sentences."""
    out = []
    measured = curriculum_hours(root)
    per_domain = domain_hours(measured)
    for d in load_framework().domains:
        want = per_domain.get(d.id, 0.0)
        if abs(d.planned_hours - want) > 1e-9:
            out.append(
                f"domain {d.id}: planned_hours is {d.planned_hours:g} h, its modules and "
                f"session give {want:g} h"
            )
    for m in measured.modules:
        stored = load_framework().module(m.module_id).hours
        if abs(stored - m.credited_hours) > 1e-9:
            out.append(
                f"{m.module_id}: competencies.yaml says {stored:g} h, the rule gives "
                f"{m.credited_hours:g} h ({m.words} words, {sum(m.exercises.values())} "
                "exercises)"
            )
    return out


def _fmt(hours: float) -> str:
    return f"{hours:g}"


def write_hours(root: Path | None = None) -> list[str]:
    """Store the rule's hours where they are read: each module's line in
    ``competencies.yaml``, its notebook's ``metadata.ppskit.hours`` and the "Estimated
    time" of its first cell. Returns what changed (a maintainer's step after editing a
    module; the test suite checks the result with :func:`drift`)."""
    import json

    from ppskit.curriculum import notebook_path

    framework_file = Path(str(files("ppskit.framework").joinpath("competencies.yaml")))
    text = framework_file.read_text(encoding="utf-8")
    changed = []
    measured = curriculum_hours(root)
    for m in measured.modules:
        new = _fmt(m.credited_hours)
        line = re.compile(r"(\{id: " + re.escape(m.module_id) + r",[^\n]*\bhours: )([\d.]+)(\})")
        found = line.search(text)
        if found and found.group(2) != new:
            text = text[: found.start(2)] + new + text[found.end(2) :]
            changed.append(f"{m.module_id}: {found.group(2)} -> {new} h")
        path = notebook_path(m.module_id, root)
        nb = json.loads(path.read_text(encoding="utf-8"))
        before = json.dumps(nb)
        nb["metadata"]["ppskit"]["hours"] = m.credited_hours
        first = nb["cells"][0]
        src = "".join(first["source"]) if isinstance(first["source"], list) else first["source"]
        src = re.sub(r"(Estimated time:\s*)[\d.]+(\s*hours?)", rf"\g<1>{new}\g<2>", src)
        first["source"] = src.splitlines(keepends=True)
        if json.dumps(nb) != before:
            path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for domain, hours in domain_hours(measured).items():
        line = re.compile(
            r"(  - id: " + re.escape(domain) + r"\n(?:    [^\n]*\n)*?    planned_hours: )([\d.]+)"
        )
        found = line.search(text)
        new = _fmt(hours)
        if found and found.group(2) != new:
            text = text[: found.start(2)] + new + text[found.end(2) :]
            changed.append(f"domain {domain}: {found.group(2)} -> {new} h")
    framework_file.write_text(text, encoding="utf-8")
    load_framework.cache_clear()
    return changed


def hours_totals(measured: CurriculumHours | None = None) -> list[str]:
    """The rule and the curriculum's totals as plain sentences (``ppskit modules list``)."""
    measured = measured or curriculum_hours()
    rule = load_rule()
    fw = load_framework()
    lines = [rule.summary()]
    for category, label, target in (
        ("core", "Core training", f"at least {fw.training_hours.minimum:g} h are asked"),
        (
            "ce",
            "Continuing education",
            f"a renewal asks {rule.targets.ce_hours_per_renewal.value:g} h",
        ),
    ):
        mods = [m for m in measured.modules if m.category == category]
        sess = [s for s in measured.sessions.values() if s[0] == category]
        a, b = measured.total(category, "modules"), measured.total(category, "sessions")
        lines.append(
            f"{label}: {a:g} h of self-study in {len(mods)} modules + {b:g} h in "
            f"{len(sess)} facilitated sessions = {a + b:g} h ({target})."
        )
    core_domains = {m.topic for m in fw.modules if m.kind == "core"}
    missing = sorted(
        d for d in core_domains if not any(t == d for c, t, _ in measured.sessions.values())
    )
    if missing:
        lines.append("Core domains without a facilitated session guide yet: " + ", ".join(missing))
    return lines
