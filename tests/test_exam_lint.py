"""The bank lint catches keys a test-wise candidate could guess without reading the stem."""

from __future__ import annotations

from ppskit.exam.bank import MCItem
from ppskit.exam.lint import (
    MAX_SOLVER_SCORE,
    cue_phrases,
    cue_solver_scores,
    key_letter_problems,
    key_longest_share,
    skill_problems,
    source_problems,
)

WORDS = ["river", "stone", "maple", "cloud", "amber", "cedar", "frost", "heron", "lilac"]


def _item(n: int, form: str, key: str, options: dict[str, str], **extra) -> MCItem:
    return MCItem(
        id=f"communication-{form.lower()}{n}",
        forms=[form],
        type="mc",
        points=1,
        stem="A parent asks you something; what do you do?",
        options=options,
        key=key,
        rationale="Because the seed says so, in these words.",
        source={"seed": "002", "passage": extra.pop("passage", "Active Listening")},
        **extra,
    )


def _neutral(n: int, form: str) -> MCItem:
    """Options of equal length with no shared words; keys rotate A, B, C, D."""
    words = [WORDS[(n + i) % len(WORDS)] for i in range(4)]
    key = "ABCD"[n % 4]
    return _item(n, form, key, {k: f"Option {w} {n}" for k, w in zip("ABCD", words, strict=True)})


def test_a_bank_whose_key_is_the_longest_option_is_caught():
    items = []
    for n in range(1, 13):
        key = "ABCD"[n % 4]
        options = {k: "short" for k in "ABCD"}
        options[key] = "a much longer and more careful answer"
        options = {k: f"{v} {n}{k}" for k, v in options.items()}
        items.append(_item(n, "A" if n <= 6 else "B", key, options))
    assert key_longest_share(items) == 1.0
    scores = cue_solver_scores(items)
    assert all(score == 1.0 for score, _ in scores.values())


def test_a_warm_phrase_that_marks_keys_is_a_cue():
    items = []
    for n in range(1, 13):
        key = "ABCD"[n % 4]
        options = {k: f"Option {WORDS[(n + i) % 9]} {n}" for i, k in enumerate("ABCD")}
        options[key] = f"Help her {WORDS[n % 9]} {n}"
        items.append(_item(n, "A", key, options))
    cues = {c[0] for c in cue_phrases(items)}
    assert "help her" in cues


def test_a_neutral_bank_stays_near_chance():
    items = [_neutral(n, f) for f in "ABC" for n in range(1, 41)]
    assert key_longest_share(items) < 0.3
    assert cue_phrases(items) == []
    assert all(score <= MAX_SOLVER_SCORE for score, _ in cue_solver_scores(items).values())


def test_key_letters_must_be_balanced_and_not_run():
    items = [_item(n, "A", "B", {k: f"opt {k} {n}" for k in "ABCD"}) for n in range(1, 9)]
    counts, problems = key_letter_problems(items)
    assert counts["A"] == {"B": 8}
    assert any("B is the key of 100%" in p for p in problems)
    assert any("4 items in a row keyed B" in p for p in problems)


def test_sources_must_be_sentences_of_their_seed(tmp_path):
    (tmp_path / "002_x.txt").write_text(
        "Active Listening\n\nHelping primary caregivers articulate\ntheir concerns is central "
        "to the work.\n",
        encoding="utf-8",
    )
    heading = _item(1, "A", "A", {k: f"o {k}" for k in "ABCD"})
    sentence = _item(
        2,
        "A",
        "A",
        {k: f"o {k}" for k in "ABCD"},
        passage="Helping primary caregivers articulate their concerns is central to the work.",
    )
    invented = _item(
        3,
        "A",
        "A",
        {k: f"o {k}" for k in "ABCD"},
        passage="Peer specialists must always agree with what the parent wants to do.",
    )
    problems = source_problems([heading, sentence, invented], tmp_path)
    assert len(problems) == 2
    assert "heading or phrase" in problems[0] and problems[0].startswith("communication-a1")
    assert "not in seed 002" in problems[1] and problems[1].startswith("communication-a3")


def test_one_item_per_skill_on_a_form():
    a = _item(1, "A", "A", {k: f"o {k}" for k in "ABCD"}, skill="reflect-feelings")
    b = _item(2, "A", "B", {k: f"p {k}" for k in "ABCD"}, skill="reflect-feelings")
    c = _item(3, "A", "C", {k: f"q {k}" for k in "ABCD"})
    problems = skill_problems([a, b, c])
    assert any("same skill as communication-a1" in p for p in problems)
    assert any("communication-a3: no skill named" in p for p in problems)
