"""Item analysis statistics against hand-computed values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ppskit.exam.analyze import statistics

MATRIX = {  # trainee -> scores on items s1-a1, s1-a2, s1-a3 (section s1), s2-a1 (section s2)
    "t1": [1, 1, 1, 1],
    "t2": [1, 1, 0, 1],
    "t3": [1, 0, 0, 1],
    "t4": [0, 0, 0, 1],
    "t5": [1, 1, 1, 1],
}
ITEMS = ["s1-a1", "s1-a2", "s1-a3", "s2-a1"]
MANIFEST = {
    "form": "A",
    "sections": ["s1", "s2"],
    "items": [
        {"id": i, "section": i[:2], "type": "mc", "points": 1, "question": n}
        for n, i in enumerate(ITEMS, start=1)
    ],
}


@pytest.fixture
def result():  # noqa: ANN201
    rows = [
        ("exam-A", t, None, item, float(score), 1.0, False)
        for t, scores in MATRIX.items()
        for item, score in zip(ITEMS, scores, strict=True)
    ]
    # A trainee still waiting for manual grading is left out, not counted as 0.
    rows.append(("exam-A", "t6", None, "s1-a1", None, 1.0, True))
    cols = ["assignment", "trainee_id", "timestamp", "item_id", "score", "max_score"]
    scores = pd.DataFrame(rows, columns=[*cols, "needs_manual_grade"])
    return statistics(scores, {"exam-A": MANIFEST})


def test_difficulty_and_discrimination(result) -> None:  # noqa: ANN001
    items, _ = result
    by_id = items.set_index("item_id")
    assert list(by_id["p"]) == [0.8, 0.6, 0.4, 1.0]
    assert list(by_id["n"]) == [5, 5, 5, 5]
    # s1-a3 against the rest of the sitting (totals without it: 3, 3, 2, 1, 3):
    # cov 1.2, var(x) 1.2, var(rest) 3.2 -> r = 1.2 / sqrt(1.2 * 3.2)
    assert by_id.loc["s1-a3", "r_pb"] == pytest.approx(1.2 / math.sqrt(1.2 * 3.2), abs=1e-3)


def test_flags(result) -> None:  # noqa: ANN001
    items, _ = result
    flags = items.set_index("item_id")["flags"]
    assert flags["s2-a1"] == "too easy; no variance"
    assert flags["s1-a2"] == ""


def test_kr20_per_section(result) -> None:  # noqa: ANN001
    _, sections = result
    s1 = sections.set_index("section").loc["s1"]
    # KR-20 = k/(k-1) * (1 - sum(pq) / var(total)) = 1.5 * (1 - 0.64 / 1.36)
    assert s1["kr20"] == pytest.approx(1.5 * (1 - 0.64 / 1.36), abs=1e-3)
    assert s1["items"] == 3 and s1["mean_pct"] == 60.0
    assert math.isnan(sections.set_index("section").loc["s2", "kr20"])  # one item: undefined
