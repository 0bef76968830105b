"""Bank lint: a key must not be guessable from the wording, and every item must rest on a
sentence of its source.

Item writers give keys away in habitual ways: the key is the longest, most careful
option; a warm phrase ("help her", "together") turns up in keys far more than in
distractors; one letter is keyed more than the others. Each check below measures one of
these on the whole bank, and :func:`cue_solver_scores` plays the test-wise candidate: a
solver that never reads the stem, only option lengths, words and positions, trained on
the other forms and scored on each form. The thresholds are the bank's rules (docs/exams.md).

Only the standard library and numpy are used, so the lint runs in the test suite.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ppskit.exam.bank import LETTERS, Bank, MCItem

#: The key may be the longest option in at most this share of items.
MAX_KEY_LONGEST = 0.30
#: A word or phrase in at least this many options is a possible cue ...
CUE_MIN_OPTIONS = 10
#: ... and a cue when its rate in keys is more than this times its rate in distractors.
CUE_RATIO = 2.0
#: The test-wise solver may score at most this on any form (chance is 0.25).
MAX_SOLVER_SCORE = 0.35
#: Each key letter's share of a form's items stays within 0.25 +/- this.
KEY_SHARE_TOLERANCE = 0.07
#: No letter is the key of more than this many items in a row (in form order).
MAX_KEY_RUN = 3
#: A source passage is a sentence, not a heading: at least this many words.
MIN_PASSAGE_WORDS = 8

_WORD = re.compile(r"[a-z0-9']+")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


@dataclass
class LintReport:
    """The lint's figures and every rule broken (an empty ``problems`` passes)."""

    items: int = 0
    key_longest_share: float = 0.0
    cues: list[tuple[str, float, float, int]] = field(default_factory=list)
    solver: dict[str, tuple[float, str]] = field(default_factory=dict)
    key_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Plain lines for a trainer: the figures, then the problems."""
        lines = [
            f"{self.items} multiple-choice items.",
            f"Key is the longest option in {self.key_longest_share:.0%} of items "
            f"(rule: at most {MAX_KEY_LONGEST:.0%}).",
        ]
        for form, (score, how) in sorted(self.solver.items()):
            lines.append(
                f"Form {form}: a solver reading only lengths, words and positions scores "
                f"{score:.0%} ({how}; rule: at most {MAX_SOLVER_SCORE:.0%}, chance 25%)."
            )
        for form, counts in sorted(self.key_counts.items()):
            lines.append(
                f"Form {form} keys: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in LETTERS)
            )
        lines += [f"Problem: {p}" for p in self.problems] or ["No problems found."]
        return "\n".join(lines)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().translate(_QUOTES))


def _phrases(text: str, longest: int = 3) -> set[str]:
    """Every word and run of up to ``longest`` words in ``text``."""
    w = _words(text)
    return {" ".join(w[i : i + n]) for n in range(1, longest + 1) for i in range(len(w) - n + 1)}


def _distractors(item: MCItem) -> list[str]:
    return [text for letter, text in item.options.items() if letter != item.key]


def key_longest_share(items: list[MCItem]) -> float:
    """Share of items whose key is longer than every distractor."""
    if not items:
        return 0.0
    longest = sum(len(i.options[i.key]) > max(map(len, _distractors(i))) for i in items)
    return longest / len(items)


def cue_phrases(
    items: list[MCItem], min_options: int = CUE_MIN_OPTIONS
) -> list[tuple[str, float, float, int]]:
    """Words and phrases in at least ``min_options`` options that appear in keys at
    more than ``CUE_RATIO`` times their rate in distractors:
    ``(phrase, rate in keys, rate in distractors, options holding it)``."""
    in_keys: Counter[str] = Counter()
    in_distractors: Counter[str] = Counter()
    for item in items:
        in_keys.update(_phrases(item.options[item.key]))
        for text in _distractors(item):
            in_distractors.update(_phrases(text))
    n_keys, n_distractors = len(items), 3 * len(items)
    cues = []
    for phrase in set(in_keys) | set(in_distractors):
        total = in_keys[phrase] + in_distractors[phrase]
        if total < min_options:
            continue
        key_rate = in_keys[phrase] / n_keys
        distractor_rate = in_distractors[phrase] / n_distractors
        if key_rate > CUE_RATIO * distractor_rate:
            cues.append((phrase, key_rate, distractor_rate, total))
    return sorted(cues, key=lambda c: (-c[1] / max(c[2], 1e-9), c[0]))


def _word_weights(items: list[MCItem]) -> dict[str, float]:
    """Log-odds of each word being in the key rather than a distractor (add-one)."""
    in_keys: Counter[str] = Counter()
    in_distractors: Counter[str] = Counter()
    for item in items:
        in_keys.update(set(_words(item.options[item.key])))
        for text in _distractors(item):
            in_distractors.update(set(_words(text)))
    n_k, n_d = len(items) + 2, 3 * len(items) + 2
    return {
        w: math.log((in_keys[w] + 1) / n_k) - math.log((in_distractors[w] + 1) / n_d)
        for w in set(in_keys) | set(in_distractors)
    }


def _strategies(train: list[MCItem]) -> dict[str, callable]:
    """Guessing rules learned from ``train``: each maps an item to a letter."""
    weights = _word_weights(train)
    favourite = Counter(i.key for i in train).most_common(1)[0][0] if train else "A"

    def cue_score(text: str) -> float:
        return sum(weights.get(w, 0.0) for w in set(_words(text)))

    def length_and_cues(item: MCItem) -> str:
        lengths = {k: len(v) for k, v in item.options.items()}
        top = max(lengths.values())
        return max(LETTERS, key=lambda k: cue_score(item.options[k]) + (lengths[k] == top))

    return {
        "always the longest option": lambda i: max(LETTERS, key=lambda k: len(i.options[k])),
        "always the shortest option": lambda i: min(LETTERS, key=lambda k: len(i.options[k])),
        f"always {favourite}": lambda i: favourite,
        "the option with the most key-like words": lambda i: max(
            LETTERS, key=lambda k: cue_score(i.options[k])
        ),
        "key-like words plus the longest option": length_and_cues,
    }


def cue_solver_scores(items: list[MCItem]) -> dict[str, tuple[float, str]]:
    """For each form, the best score of a test-wise solver trained on the other forms:
    ``{form: (share right, the rule that scored it)}``."""
    by_form: dict[str, list[MCItem]] = defaultdict(list)
    for item in items:
        by_form[item.form].append(item)
    out = {}
    for form, tested in by_form.items():
        train = [i for f, group in by_form.items() if f != form for i in group] or tested
        best = (0.0, "")
        for name, guess in _strategies(train).items():
            score = sum(guess(i) == i.key for i in tested) / len(tested)
            best = max(best, (score, name))
        out[form] = best
    return out


def key_letter_problems(items: list[MCItem]) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Key-letter counts per form, and where a letter is keyed too often or in a run."""
    counts: dict[str, dict[str, int]] = {}
    problems = []
    by_form: dict[str, list[MCItem]] = defaultdict(list)
    for item in items:
        by_form[item.form].append(item)
    for form, group in sorted(by_form.items()):
        c = Counter(i.key for i in group)
        counts[form] = dict(c)
        for letter in LETTERS:
            share = c.get(letter, 0) / len(group)
            if abs(share - 0.25) > KEY_SHARE_TOLERANCE + 1e-9:
                problems.append(
                    f"form {form}: {letter} is the key of {share:.0%} of items "
                    f"(keep each letter within 25% ± {KEY_SHARE_TOLERANCE:.0%})"
                )
        run, previous = 0, None
        for item in group:
            run = run + 1 if item.key == previous else 1
            previous = item.key
            if run == MAX_KEY_RUN + 1:
                problems.append(
                    f"form {form}: {MAX_KEY_RUN + 1} items in a row keyed {item.key} "
                    f"(ending at {item.id})"
                )
    return counts, problems


def _normal(text: str) -> str:
    return " ".join(text.translate(_QUOTES).split())


def source_problems(items: list, seeds_dir: Path | None) -> list[str]:
    """Each item's passage is a sentence (``MIN_PASSAGE_WORDS`` words or more) found,
    spacing aside, in the seed it names. Skipped for the text check when the seeds are
    not on this computer."""
    problems = []
    texts: dict[str, str] = {}
    if seeds_dir is not None and seeds_dir.is_dir():
        for path in seeds_dir.glob("*.txt"):
            texts[path.name[:3]] = _normal(path.read_text(encoding="utf-8"))
    for item in items:
        passage = item.source.passage
        if len(passage.split()) < MIN_PASSAGE_WORDS:
            problems.append(
                f"{item.id}: the source passage '{passage}' is a heading or phrase; quote the "
                f"sentence of seed {item.source.seed} that supports the key "
                f"({MIN_PASSAGE_WORDS} words or more)"
            )
        elif texts and _normal(passage) not in texts.get(item.source.seed, ""):
            problems.append(
                f"{item.id}: the source passage is not in seed {item.source.seed} "
                "(quote it exactly; spacing and line breaks may differ)"
            )
    return problems


def skill_problems(items: list) -> list[str]:
    """No two items on one form test the same skill."""
    seen: dict[tuple[str, str], str] = {}
    problems = []
    for item in items:
        skill = getattr(item, "skill", None)
        if not skill:
            problems.append(f"{item.id}: no skill named (the one thing this item tests)")
            continue
        key = (item.form, skill)
        if key in seen:
            problems.append(
                f"{item.id}: tests the same skill as {seen[key]} on form {item.form} ('{skill}')"
            )
        seen.setdefault(key, item.id)
    return problems


def lint_bank(
    bank: Bank,
    seeds_dir: Path | None = None,
    *,
    sections: list[str] | None = None,
    min_options: int = CUE_MIN_OPTIONS,
) -> LintReport:
    """Every check on ``bank`` (or only its ``sections``); ``problems`` is empty when it
    passes. An item writer checks their own sections with a lower ``min_options``, so the
    parts still pass when the bank is put together (the cue rule adds up over parts)."""
    items = [i for i in bank.items if sections is None or i.id.rsplit("-", 1)[0] in sections]
    mc = [i for i in items if isinstance(i, MCItem)]
    rep = LintReport(items=len(mc))
    rep.key_longest_share = key_longest_share(mc)
    if rep.key_longest_share > MAX_KEY_LONGEST + 1e-9:
        rep.problems.append(
            f"the key is the longest option in {rep.key_longest_share:.0%} of items "
            f"(at most {MAX_KEY_LONGEST:.0%})"
        )
    rep.cues = cue_phrases(mc, min_options)
    for phrase, key_rate, distractor_rate, n in rep.cues:
        rep.problems.append(
            f"'{phrase}' (in {n} options) is in {key_rate:.0%} of keys but "
            f"{distractor_rate:.0%} of distractors (at most {CUE_RATIO:g}x)"
        )
    rep.solver = cue_solver_scores(mc)
    for form, (score, how) in sorted(rep.solver.items()):
        if score > MAX_SOLVER_SCORE + 1e-9:
            rep.problems.append(
                f"form {form}: guessing by '{how}' scores {score:.0%} "
                f"(at most {MAX_SOLVER_SCORE:.0%})"
            )
    rep.key_counts, letters = key_letter_problems(mc)
    rep.problems += letters
    rep.problems += source_problems(items, seeds_dir)
    rep.problems += skill_problems(items)
    return rep
