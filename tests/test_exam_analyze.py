"""Item analysis statistics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ppskit.exam.analyze import MIN_CANDIDATES, chosen_letter, decision_consistency, statistics
from ppskit.policies import load_policy

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
COLS = ["assignment", "trainee_id", "timestamp", "item_id", "score", "max_score"]


def _frame(matrix: dict, items: list[str]) -> pd.DataFrame:
    rows = [
        ("exam-A", t, None, item, float(score), 1.0, False)
        for t, scores in matrix.items()
        for item, score in zip(items, scores, strict=True)
    ]
    return pd.DataFrame(rows, columns=[*COLS, "needs_manual_grade"])


@pytest.fixture
def result():  # noqa: ANN201
    scores = _frame(MATRIX, ITEMS)
    # A trainee still waiting for manual grading is left out, not counted as 0.
    pending = pd.DataFrame(
        [("exam-A", "t6", None, "s1-a1", None, 1.0, True)], columns=scores.columns
    )
    return statistics(pd.concat([scores, pending], ignore_index=True), {"exam-A": MANIFEST})


def test_difficulty_and_discrimination(result) -> None:  # noqa: ANN001
    by_id = result.items.set_index("item_id")
    assert list(by_id["p"]) == [0.8, 0.6, 0.4, 1.0]
    assert list(by_id["n"]) == [5, 5, 5, 5]
    assert list(result.excluded["trainee_id"]) == ["t6"]  # named, not silently dropped
    # s1-a3 against the rest of the sitting (totals without it: 3, 3, 2, 1, 3):
    # cov 1.2, var(x) 1.2, var(rest) 3.2 -> r = 1.2 / sqrt(1.2 * 3.2)
    assert by_id.loc["s1-a3", "r_pb"] == pytest.approx(1.2 / math.sqrt(1.2 * 3.2), abs=1e-3)


def test_flags(result) -> None:  # noqa: ANN001
    flags = result.items.set_index("item_id")["flags"]
    assert flags["s2-a1"] == "too easy; no variance"
    assert flags["s1-a2"] == ""


def test_kr20_per_section(result) -> None:  # noqa: ANN001
    sections = result.sections.set_index("section")
    s1 = sections.loc["s1"]
    # KR-20 = k/(k-1) * (1 - sum(pq) / var(total)) = 1.5 * (1 - 0.64 / 1.36)
    assert s1["kr20"] == pytest.approx(1.5 * (1 - 0.64 / 1.36), abs=1e-3)
    assert s1["items"] == 3 and s1["mean_pct"] == 60.0
    assert math.isnan(sections.loc["s2", "kr20"])  # one item: undefined


def test_cut_and_pass_rate_come_from_the_profile(result) -> None:  # noqa: ANN001
    s1 = result.sections.set_index("section").loc["s1"]
    cut = float(load_policy("ca-ppss").exam.section_pass_pct)
    assert s1["cut_pct"] == cut
    # s1 percentages: 100, 66.7, 33.3, 0, 100 -> the share at or above the cut.
    assert s1["pass_rate"] == sum(p >= cut for p in (100, 200 / 3, 100 / 3, 0, 100)) / 5


# ------------------------------------------------------------------ options


# Item q1 (key A) and three more items (key B) give each trainee's rest-of-sitting total.
Q1 = {"t01": "C", "t02": "A", "t03": "A", "t04": "A", "t05": "B",
      "t06": "B", "t07": "B", "t08": "B", "t09": None, "t10": "B"}  # fmt: skip
REST = {"t01": [1, 1, 1], "t02": [1, 1, 1], "t03": [1, 1, 1], "t04": [1, 0, 0],
        "t05": [1, 1, 0], "t06": [1, 0, 0], "t07": [0, 1, 0], "t08": [0, 0, 0],
        "t09": [0, 0, 0], "t10": [0, 0, 0]}  # fmt: skip
Q_ITEMS = ["q1", "q2", "q3", "q4"]
KEYS = {"q1": "A", "q2": "B", "q3": "B", "q4": "B"}
Q_MANIFEST = {
    "form": "A",
    "profile": "ca-ppss",
    "sections": ["s1"],
    "items": [{"id": i, "section": "s1", "type": "mc", "points": 1} for i in Q_ITEMS],
}


def _cohort(extra: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """Scores and chosen letters of the ten trainees (plus ``extra`` letter sheets)."""
    sheets = {
        t: {
            "q1": Q1[t],
            **{i: ("B" if s else "C") for i, s in zip(Q_ITEMS[1:], REST[t], strict=True)},
        }
        for t in Q1
    }
    sheets.update(extra or {})
    matrix = {t: [float(sheet[i] == KEYS[i]) for i in Q_ITEMS] for t, sheet in sheets.items()}
    choices = {("exam-A", t): sheet for t, sheet in sheets.items()}
    return _frame(matrix, Q_ITEMS), choices


def test_blank_and_flagged_sittings_are_left_out_and_named() -> None:
    blank = {"t11": dict.fromkeys(Q_ITEMS)}  # handed in without one answer
    cheat = {"t12": dict(KEYS)}  # all right, but the notebook was tampered with
    scores, choices = _cohort({**blank, **cheat})
    stats = statistics(
        scores,
        {"exam-A": Q_MANIFEST},
        choices=choices,
        keys=KEYS,
        tampered={("exam-A", "t12"): ["extra-code"]},
    )
    excluded = stats.excluded.set_index("trainee_id")["reason"]
    assert list(excluded.index) == ["t11", "t12"]
    assert excluded["t11"].startswith("blank") and excluded["t12"].startswith("flagged")
    assert "extra-code" in excluded["t12"]
    q1 = stats.items.set_index("item_id").loc["q1"]
    assert q1["n"] == 10 and q1["p"] == 0.3  # 3 of the 10 who remain, not 4 of 12


def test_distractor_shares_groups_and_flags() -> None:
    scores, choices = _cohort()
    stats = statistics(scores, {"exam-A": Q_MANIFEST}, choices=choices, keys=KEYS)
    q1 = stats.distractors[stats.distractors["item_id"] == "q1"].set_index("option")
    assert list(q1.index) == ["A", "B", "C", "D", "blank"]
    assert list(q1["share"]) == [0.3, 0.5, 0.1, 0.0, 0.1]
    assert list(q1["key"]) == [True, False, False, False, False]
    # Totals 3,4,4,2,2,1,1,0,0,0: the upper 27 % (3) are t01-t03, the lower t08-t10.
    assert list(q1["upper"]) == [round(2 / 3, 3), 0.0, round(1 / 3, 3), 0.0, 0.0]
    assert list(q1["lower"]) == [0.0, round(2 / 3, 3), 0.0, 0.0, round(1 / 3, 3)]
    # C is chosen by t01 only: rest totals 3,3,3,1,2,1,1,0,0,0 (mean 1.4, SD 1.2), so
    # r = (3 - 11/9) / 1.2 * sqrt(0.1 * 0.9) = 4/9.
    assert q1.loc["C", "r_pb"] == pytest.approx(4 / 9, abs=1e-3)
    assert q1.loc["D", "flags"] == "never chosen"
    assert q1.loc["C", "flags"] == "draws the upper group more than the lower"
    assert q1.loc["B", "flags"] == ""  # drawn by the lower group: doing its job
    assert q1.loc["A", "flags"] == "key chosen less than B"
    assert "key chosen less than B" in stats.items.set_index("item_id").loc["q1", "flags"]


def test_warning_below_thirty_candidates_only() -> None:
    scores, choices = _cohort()
    few = statistics(scores, {"exam-A": Q_MANIFEST}, choices=choices, keys=KEYS)
    assert len(few.warnings) == 1
    assert "only 10 candidates" in few.warnings[0] and "Form A" in few.warnings[0]
    # The same ten sheets handed in by enough candidates: no warning.
    many = {f"{t}-{k}": s for k in range(MIN_CANDIDATES // 10 + 1) for (_, t), s in choices.items()}
    scores, choices = _cohort(many)
    assert statistics(scores, {"exam-A": Q_MANIFEST}, choices=choices, keys=KEYS).warnings == []


@pytest.mark.parametrize(
    ("source", "letter"),
    [
        ('# Type one letter between the quotes: A, B, C or D.\nanswer_7 = "B"', "B"),
        ('answer_7 = " c "', "C"),
        ("answer_7 = D", "D"),  # a bare letter, as the notebook accepts it
        ('answer_7 = "_"', None),
        ('answer_7 = "E"', None),
        ('answer_7 = "A"\nanswer_7 = "B"', "B"),  # the last one typed counts
        ('answer_7 = "A" oops', None),  # not Python, and not a letter either
    ],
)
def test_chosen_letter(source: str, letter: str | None) -> None:
    assert chosen_letter(source) == letter


# ------------------------------------------------------------- decision consistency


def _sheet(n_trainees: int = 60, n_items: int = 30) -> np.ndarray:
    rng = np.random.default_rng(7)
    ability = rng.beta(6, 2.5, size=n_trainees)
    return (rng.random((n_trainees, n_items)) < ability[:, None]).astype(float)


def _kr21(matrix: np.ndarray) -> float:
    n = matrix.shape[1]
    total = matrix.sum(axis=1)
    return n / (n - 1) * (1 - total.mean() * (n - total.mean()) / (n * total.var()))


def test_effective_length_of_a_0_1_section_is_its_item_count() -> None:
    # With KR-21 as the reliability, Livingston-Lewis's effective length is exactly n.
    m = _sheet()
    out = decision_consistency(m.mean(axis=1), _kr21(m), 0.7)
    assert out["n_eff"] == pytest.approx(30, abs=0.05)


def test_consistency_matches_the_integral_over_true_scores() -> None:
    # p0 = E[P(pass | T)^2 + P(fail | T)^2] over T ~ Beta(a, b): integrated numerically,
    # independently of the closed-form beta-binomial table the code sums.
    m = _sheet()
    x, r, cut = m.mean(axis=1), _kr21(m), 0.7
    out = decision_consistency(x, r, cut)
    mean, var = x.mean(), x.var()
    spread = mean * (1 - mean) / (r * var) - 1
    a, b = mean * spread, (1 - mean) * spread
    t = np.linspace(0.0005, 0.9995, 4000)
    log_pdf = (a - 1) * np.log(t) + (b - 1) * np.log(1 - t)
    pdf = np.exp(log_pdf - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)))
    need = math.ceil(cut * 30)
    p_pass = sum(math.comb(30, k) * t**k * (1 - t) ** (30 - k) for k in range(need, 31))
    p0 = np.trapezoid((p_pass**2 + (1 - p_pass) ** 2) * pdf, t)
    pass_rate = np.trapezoid(p_pass * pdf, t)
    pc = pass_rate**2 + (1 - pass_rate) ** 2
    assert out["p0"] == pytest.approx(p0, abs=2e-3)
    assert out["kappa"] == pytest.approx((p0 - pc) / (1 - pc), abs=5e-3)


def test_consistency_rises_with_reliability_and_is_undefined_without_spread() -> None:
    x = _sheet().mean(axis=1)
    low, high = (decision_consistency(x, r, 0.7)["p0"] for r in (0.5, 0.9))
    assert 0.5 < low < high < 1
    assert math.isnan(decision_consistency(np.full(10, 0.8), 0.8, 0.7)["p0"])
    assert math.isnan(decision_consistency(x, float("nan"), 0.7)["p0"])


def test_sections_carry_decision_consistency() -> None:
    m = _sheet()
    items = [f"x{j}" for j in range(m.shape[1])]
    scores = _frame({f"t{i:02d}": list(row) for i, row in enumerate(m)}, items)
    entries = [{"id": i, "section": "s1", "type": "mc", "points": 1} for i in items]
    man = {"form": "A", "profile": "ca-ppss", "sections": ["s1"], "items": entries}
    row = statistics(scores, {"exam-A": man}).sections.iloc[0]
    cut = float(load_policy("ca-ppss").exam.section_pass_pct) / 100
    expected = decision_consistency(m.mean(axis=1), row["kr20"], cut)
    assert row["p0"] == pytest.approx(expected["p0"], abs=2e-3)
    assert 0.5 < row["p0"] < 1 and 0 < row["kappa"] < 1
