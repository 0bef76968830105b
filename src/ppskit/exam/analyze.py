"""``ppskit exam analyze``: classical item analysis across a cohort.

Which sittings count: full sittings only (a retake's trainees are a selected group, and
their partial sittings have no comparable total), and of those neither a **blank**
sitting (not one multiple-choice answer given: it says nothing about the items) nor a
**flagged** one (changed outside its answer boxes, see ``grade.TAMPER_KINDS``), nor one
still waiting for manual grading (a missing grade is not a 0). Who was left out, and
why, is part of the result. Under ``MIN_CANDIDATES`` candidates a form's
figures are reported with a plain warning that they are unstable.

Per item:

* difficulty ``p`` — the mean proportion of the item's points earned;
* discrimination ``r_pb`` — the point-biserial (Pearson) correlation between the item
  score and the *rest* of the sitting's total (the item itself left out, so an item
  does not correlate with itself);
* flags — ``too hard`` (p < 0.30), ``too easy`` (p > 0.89), ``weak discrimination``
  (r_pb < 0.20), ``no variance`` when everyone scored the same, and ``key chosen less
  than X`` when a distractor drew more candidates than the key (a miskey, or an item
  whose key is arguable).

Per multiple-choice item and option (distractor analysis, from the letters in the
graded notebooks): the share choosing each option (and leaving the box blank) overall
and in the upper and lower 27 % of candidates by total score (Kelley's groups), and the
option's point-biserial with the rest of the sitting. A distractor is flagged when
nobody chose it (it does no work) or when it drew more of the upper group than of the
lower (it misleads strong candidates).

Per section and form: KR-20 reliability, computed as coefficient alpha (equal to
KR-20 for items scored 0/1, and its generalisation when a section has a scenario), and
the **decision consistency at the cut** (the profile's pass mark): the chance that a
candidate would be classified the same way (pass or fail) on two independent sittings
of parallel forms, ``p0``, and Cohen's ``kappa`` (that agreement beyond chance), from
one administration by the Livingston-Lewis method; see :func:`decision_consistency`.

Writes ``items.csv``, ``sections.csv``, ``distractors.csv``, ``excluded.csv`` and
``items.png`` (p against r_pb).
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ppskit.exam.course import FULL_PREFIX, Course
from ppskit.exam.results import load_manifest, score_frame
from ppskit.exam.runtime import LETTERS, normalize
from ppskit.reports.safe_export import LITERAL_RC, literal_text, write_csv

P_LOW, P_HIGH, R_MIN = 0.30, 0.89, 0.20
#: Below this many candidates item statistics swing from cohort to cohort (the usual
#: rule of thumb for classical item analysis); the figures are reported with a warning.
MIN_CANDIDATES = 30
#: Kelley's upper and lower groups: the top and bottom 27 % of candidates by total.
GROUP_SHARE = 0.27
#: The option label of an answer box left blank (or holding something not A-D).
BLANK = "blank"

ITEM_COLUMNS = ["item_id", "form", "section", "type", "n", "p", "r_pb", "flags"]
SECTION_COLUMNS = ["section", "form", "n", "items", "mean_pct", "kr20", "cut_pct",
                   "pass_rate", "n_eff", "p0", "kappa"]  # fmt: skip
DISTRACTOR_COLUMNS = ["item_id", "form", "section", "option", "key", "n", "chosen",
                      "share", "upper", "lower", "r_pb", "flags"]  # fmt: skip
EXCLUDED_COLUMNS = ["assignment", "trainee_id", "reason"]


@dataclass
class Statistics:
    """Everything the analysis computed, before anything is written."""

    items: pd.DataFrame
    sections: pd.DataFrame
    distractors: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=DISTRACTOR_COLUMNS)
    )
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCLUDED_COLUMNS))
    warnings: list[str] = field(default_factory=list)


@dataclass
class Analysis(Statistics):
    """Item, option and section statistics, and where they were written."""

    files: list[Path] = field(default_factory=list)

    @property
    def flagged(self) -> pd.DataFrame:
        """Items with at least one flag."""
        return self.items[self.items["flags"] != ""]

    @property
    def flagged_options(self) -> pd.DataFrame:
        """Options (distractors or keys) with at least one flag."""
        return self.distractors[self.distractors["flags"] != ""]


# ------------------------------------------------------------------ small statistics


def _alpha(matrix: np.ndarray) -> float:
    """Coefficient alpha (KR-20 for 0/1 items) of a trainees x items score matrix."""
    k = matrix.shape[1]
    if k < 2 or matrix.shape[0] < 2:
        return float("nan")
    total_var = matrix.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum() / total_var))


def _r(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _round(value: float, digits: int = 3) -> float:
    return round(value, digits) if not np.isnan(value) else np.nan


def _log_comb(n: int, k: np.ndarray) -> np.ndarray:
    lg = np.vectorize(math.lgamma)
    return math.lgamma(n + 1) - lg(k + 1) - lg(n - k + 1)


def decision_consistency(proportions: np.ndarray, reliability: float, cut: float) -> dict:
    """Single-administration decision consistency at ``cut`` (a proportion, 0.70).

    Method: Livingston, S. A. & Lewis, C. (1995), "Estimating the consistency and
    accuracy of classifications based on test scores", *Journal of Educational
    Measurement* 32(2), 179-197, with a two-parameter beta true-score distribution
    (which makes it Huynh's beta-binomial model, Huynh 1976, *JEM* 13(4), 253-264, at
    the effective length). Scores are proportions of the section's points, so a
    section with a scenario (not 0/1 items) is handled through the **effective test
    length**

        n_eff = (m (1 - m) - r s^2) / ((1 - r) s^2)

    (m, s^2 the mean and variance of the proportions, r the section's reliability,
    here its alpha): the number of 0/1 items that would give the same reliability.
    True proportions follow Beta(a, b) with mean m and variance r s^2; a sitting's score
    is Binomial(n_eff, T); it passes at ``ceil(cut * n_eff)``. Two parallel sittings
    are independent given T, so their joint distribution is beta-binomial in closed
    form, and

    * ``p0`` = P(both pass) + P(both fail), the agreement of the two decisions;
    * ``kappa`` = (p0 - pc) / (1 - pc), pc = P(pass)^2 + P(fail)^2 (chance agreement).

    Returns ``{"n_eff", "p0", "kappa"}`` (NaN where the data cannot support it: fewer
    than two candidates, no spread, a reliability outside 0..1).
    """
    nan = {"n_eff": np.nan, "p0": np.nan, "kappa": np.nan}
    x = np.asarray(proportions, dtype=float)
    if len(x) < 2 or np.isnan(reliability) or not 0 < reliability < 1:
        return nan
    m, s2 = float(x.mean()), float(x.var())
    if s2 <= 0 or not 0 < m < 1:
        return nan
    true_var = reliability * s2
    n_eff = (m * (1 - m) - true_var) / ((1 - reliability) * s2)
    spread = m * (1 - m) / true_var - 1  # a + b of the beta true-score distribution
    if n_eff < 1 or spread <= 0:
        return nan
    # Livingston and Lewis round the effective length to a whole number of items; a
    # cap keeps the joint table small (beyond it decisions are as good as certain).
    n = int(min(max(round(n_eff), 1), 1000))
    a, b = m * spread, (1 - m) * spread
    k = np.arange(n + 1)
    need = math.ceil(cut * n - 1e-9)
    # Joint P(X = x, Y = y) of two sittings: C(n,x) C(n,y) B(a+x+y, b+2n-x-y) / B(a,b).
    lg = np.vectorize(math.lgamma)
    s = k[:, None] + k[None, :]
    log_beta = lg(a + s) + lg(b + 2 * n - s) - math.lgamma(a + b + 2 * n)
    log_beta -= math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    lc = _log_comb(n, k)
    joint = np.exp(lc[:, None] + lc[None, :] + log_beta)
    joint /= joint.sum()  # rounding in the logs; the table sums to 1
    p_pass = float(joint[need:, :].sum())
    p0 = float(joint[need:, need:].sum() + joint[:need, :need].sum())
    pc = p_pass**2 + (1 - p_pass) ** 2
    kappa = (p0 - pc) / (1 - pc) if pc < 1 else np.nan
    return {"n_eff": round(float(n_eff), 1), "p0": p0, "kappa": kappa}


# --------------------------------------------------------------- chosen letters


_ANSWER = re.compile(r"^\s*answer_[0-9]+\s*=\s*(.+?)\s*$", re.M)


def chosen_letter(source: str) -> str | None:
    """The letter an answer box holds (``answer_7 = "B"`` -> ``"B"``), None when blank.

    Read the way the exam's own check reads it: a quoted letter in any case and
    spacing, or a bare ``B`` (the notebook defines ``A``-``D`` as their letters).
    """
    found = None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    if tree is not None:
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.startswith("answer_") for t in node.targets
            ):
                value = node.value
                if isinstance(value, ast.Constant):
                    found = value.value
                elif isinstance(value, ast.Name):
                    found = value.id
    else:  # a box that is not valid Python: its last assignment line, as typed
        lines = _ANSWER.findall(source)
        found = lines[-1] if lines else None
    return normalize(found) if found is not None else None


def read_choices(course: Course, trainee: str, assignment: str) -> dict[str, str | None] | None:
    """Item id -> the letter chosen (None: blank) from a graded notebook's answer boxes;
    None when there is no graded notebook to read."""
    path = course.notebook("autograded", assignment, trainee)
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None
    out = {}
    for cell in cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("-answer"):
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            out[gid.removesuffix("-answer")] = chosen_letter(src)
    return out


# -------------------------------------------------------------------- statistics


def _pass_pct(man: dict) -> float | None:
    """The pass mark of the profile the sitting was built for (the default profile
    when the manifest names none)."""
    from ppskit.policies import load_policy

    try:
        return float(load_policy(man.get("profile") or None).exam.section_pass_pct)
    except (KeyError, AttributeError, TypeError, ValueError):
        return None


def _exclusions(
    scores: pd.DataFrame, manifests: dict, choices: dict | None, tampered: dict | None
) -> list[dict]:
    """Sittings left out: flagged (tampered) first, then blank (no MC answered)."""
    out = []
    for assignment, trainee in (
        scores[["assignment", "trainee_id"]].drop_duplicates().itertuples(index=False)
    ):
        man = manifests.get(assignment)
        if man is None:
            continue
        kinds = (tampered or {}).get((assignment, trainee))
        if kinds:
            out.append({"assignment": assignment, "trainee_id": trainee,
                        "reason": "flagged: changed outside its answer boxes "
                        f"({', '.join(sorted(kinds))})"})  # fmt: skip
            continue
        letters = (choices or {}).get((assignment, trainee))
        mc = [i["id"] for i in man["items"] if i["type"] == "mc"]
        if letters is not None and mc and all(letters.get(i) is None for i in mc):
            out.append({"assignment": assignment, "trainee_id": trainee,
                        "reason": "blank: no multiple-choice answer given"})  # fmt: skip
    return out


def _groups(totals: np.ndarray, trainees: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the upper and lower 27 % by total score (ties broken by trainee
    id, so the same data always give the same groups)."""
    n = len(totals)
    g = max(1, round(GROUP_SHARE * n))
    order = sorted(range(n), key=lambda i: (totals[i], trainees[i]))
    lower, upper = np.zeros(n, bool), np.zeros(n, bool)
    lower[order[:g]] = True
    upper[order[n - g :]] = True
    return upper, lower


def _options(
    item: str, meta: dict, man: dict, letters: list, rest: np.ndarray, upper, lower, key: str
) -> tuple[list[dict], str]:
    """Distractor rows of one item, and the item flag when the key lost to a distractor."""
    chosen = np.array([x if x in LETTERS else BLANK for x in letters])
    rows, share = [], {}
    for option in (*LETTERS, BLANK):
        pick = (chosen == option).astype(float)
        share[option] = float(pick.mean())
        up, low = float(pick[upper].mean()), float(pick[lower].mean())
        flags = []
        is_distractor = option in LETTERS and option != key
        if is_distractor and pick.sum() == 0:
            flags.append("never chosen")
        if is_distractor and up > low:
            flags.append("draws the upper group more than the lower")
        r = _r(pick, rest)
        rows.append({"item_id": item, "form": man["form"], "section": meta["section"],
                     "option": option, "key": option == key, "n": len(pick),
                     "chosen": int(pick.sum()), "share": round(share[option], 3),
                     "upper": round(up, 3), "lower": round(low, 3), "r_pb": _round(r),
                     "flags": flags})  # fmt: skip
    beaten = [o for o in LETTERS if o != key and share[o] > share[key]]
    item_flag = f"key chosen less than {', '.join(beaten)}" if beaten else ""
    if beaten:
        next(r for r in rows if r["key"])["flags"].append(item_flag)
    for row in rows:
        row["flags"] = "; ".join(row["flags"])
    return rows, item_flag


def statistics(
    scores: pd.DataFrame,
    manifests: dict[str, dict],
    *,
    choices: dict[tuple[str, str], dict[str, str | None] | None] | None = None,
    keys: dict[str, str] | None = None,
    tampered: dict[tuple[str, str], list[str]] | None = None,
) -> Statistics:
    """Item, option and section statistics from per-cell scores (columns as
    ``score_frame``) and the sittings' manifests; assignments without a manifest are
    left out.

    ``choices`` maps ``(assignment, trainee)`` to the letters chosen (item id -> letter
    or None), ``keys`` item id -> key letter: with both, blank sittings are left out
    and options analysed. ``tampered`` maps ``(assignment, trainee)`` to the integrity
    finding kinds that mean tampering: those sittings are left out.
    """
    excluded = _exclusions(scores, manifests, choices, tampered)
    gone = {(e["assignment"], e["trainee_id"]) for e in excluded}
    if gone:
        pairs = list(zip(scores["assignment"], scores["trainee_id"], strict=True))
        scores = scores[[p not in gone for p in pairs]]
    # A sitting waiting for manual grades is left out until graded (a missing grade is
    # not a 0); it is named, so the trainer knows the figures will still move.
    waiting = scores["needs_manual_grade"].astype(bool) | scores["score"].isna()
    for (assignment, trainee), grp in scores[waiting].groupby(["assignment", "trainee_id"]):
        if assignment in manifests:
            items = ", ".join(sorted(grp["item_id"]))
            reason = f"waiting for manual grading of {items}; counted once graded"
            excluded.append({"assignment": assignment, "trainee_id": trainee, "reason": reason})
    scores = scores[~waiting]
    item_rows, section_rows, option_rows, warnings = [], [], [], []
    for assignment, grp in scores.groupby("assignment", sort=True):
        man = manifests.get(assignment)
        if man is None:
            continue
        meta = {i["id"]: i for i in man["items"]}
        wide = grp.pivot_table(index="trainee_id", columns="item_id", values="score", aggfunc="sum")
        items = [i for i in meta if i in wide.columns]
        wide = wide[items].dropna()  # trainees with every item graded
        if wide.empty:
            continue
        if len(wide) < MIN_CANDIDATES:
            warnings.append(
                f"Form {man['form']} ({assignment}): only {len(wide)} candidates could be "
                f"analysed; with fewer than {MIN_CANDIDATES} these figures change a lot "
                "from one cohort to the next. Use them to spot items to re-read, not to "
                "drop items or change the cut."
            )
        trainees = list(wide.index)
        points = wide.to_numpy(dtype=float)
        maxes = np.array([float(meta[i]["points"]) for i in items])
        frac = points / maxes
        totals = points.sum(axis=1)
        upper, lower = _groups(totals, trainees)
        for j, item in enumerate(items):
            x = frac[:, j]
            rest = totals - points[:, j]
            p = float(x.mean())
            r = _r(x, rest)
            flags = []
            if p < P_LOW:
                flags.append("too hard")
            if p > P_HIGH:
                flags.append("too easy")
            if np.isnan(r):
                flags.append("no variance" if x.std() == 0 else "too few trainees")
            elif r < R_MIN:
                flags.append("weak discrimination")
            key = (keys or {}).get(item)
            letters = [
                ((choices or {}).get((assignment, t)) or {}).get(item, "?") for t in trainees
            ]
            if meta[item]["type"] == "mc" and key and "?" not in letters:
                rows, item_flag = _options(item, meta[item], man, letters, rest, upper, lower, key)
                option_rows += rows
                if item_flag:
                    flags.append(item_flag)
            item_rows.append({"item_id": item, "form": man["form"],
                              "section": meta[item]["section"], "type": meta[item]["type"],
                              "n": len(x), "p": round(p, 3), "r_pb": _round(r),
                              "flags": "; ".join(flags)})  # fmt: skip
        cut = _pass_pct(man)
        for section in man["sections"]:
            cols = [j for j, i in enumerate(items) if meta[i]["section"] == section]
            if not cols:
                continue
            sub = points[:, cols]
            alpha = _alpha(sub)
            prop = sub.sum(axis=1) / maxes[cols].sum()
            dc = decision_consistency(prop, alpha, cut / 100) if cut is not None else {}
            section_rows.append(
                {
                    "section": section,
                    "form": man["form"],
                    "n": sub.shape[0],
                    "items": len(cols),
                    "mean_pct": round(100 * prop.mean(), 1),
                    "kr20": _round(alpha),
                    "cut_pct": cut,
                    "pass_rate": round(float((100 * prop >= cut - 1e-9).mean()), 3)
                    if cut is not None
                    else np.nan,
                    "n_eff": dc.get("n_eff", np.nan),
                    "p0": _round(dc.get("p0", np.nan)),
                    "kappa": _round(dc.get("kappa", np.nan)),
                }
            )
    return Statistics(
        items=pd.DataFrame(item_rows, columns=ITEM_COLUMNS),
        sections=pd.DataFrame(section_rows, columns=SECTION_COLUMNS),
        distractors=pd.DataFrame(option_rows, columns=DISTRACTOR_COLUMNS),
        excluded=pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS),
        warnings=warnings,
    )


def item_statistics(course: Course, assignments: list[str] | None = None) -> Statistics:
    """:class:`Statistics` of the full sittings in nbgrader's gradebook, with the
    letters chosen read from the graded notebooks and the keys from the bank."""
    from ppskit.exam.bank import BankError, load_bank
    from ppskit.exam.grade import TAMPER_KINDS, read_flags

    scores = score_frame(course, assignments)
    scores = scores[scores["assignment"].str.startswith(FULL_PREFIX)]
    manifests = {}
    for assignment in scores["assignment"].unique():
        try:
            manifests[assignment] = load_manifest(course, assignment)
        except (FileNotFoundError, KeyError):
            continue
    pairs = scores[["assignment", "trainee_id"]].drop_duplicates().itertuples(index=False)
    choices, tampered = {}, {}
    for assignment, trainee in pairs:
        if assignment not in manifests:
            continue
        choices[(assignment, trainee)] = read_choices(course, trainee, assignment)
        kinds = {f["kind"] for f in read_flags(course, trainee, assignment)} & TAMPER_KINDS
        if kinds:
            tampered[(assignment, trainee)] = sorted(kinds)
    try:
        bank = load_bank(course.assessments, check_counts=False)
        keys = {i.id: i.key for i in bank.items if getattr(i, "key", None)}
    except (BankError, OSError):
        keys = {}  # no bank to read keys from: the item statistics still stand
    return statistics(scores, manifests, choices=choices, keys=keys, tampered=tampered)


# ------------------------------------------------------------------------ output


def _chart(items: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.5), dpi=110)
    ax.axvspan(0, P_LOW, color="#f4cccc", alpha=0.6, label="outside p 0.30–0.89")
    ax.axvspan(P_HIGH, 1.0, color="#f4cccc", alpha=0.6)
    ax.axhspan(-1, R_MIN, color="#fff2cc", alpha=0.6, label="r_pb below 0.20")
    shown = items.dropna(subset=["r_pb"])
    for form, grp in shown.groupby("form"):
        ax.scatter(grp["p"], grp["r_pb"], s=28, label=f"form {form}", zorder=3)
    undefined = items[items["r_pb"].isna()]
    if not undefined.empty:
        ax.scatter(undefined["p"], [-0.95] * len(undefined), marker="x", color="#999999",
                   label="r_pb undefined (no variance)", zorder=3)  # fmt: skip
    for row in shown[shown["flags"] != ""].itertuples():
        ax.annotate(row.item_id, (row.p, row.r_pb), fontsize=6, xytext=(3, 3),
                    textcoords="offset points")  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(-1, 1)
    ax.set_xlabel("difficulty p (share of trainees answering right)")
    ax.set_ylabel("discrimination r_pb (item vs rest of the exam)")
    ax.set_title("Exam item analysis")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    literal_text(fig)  # item ids and form names are drawn as typed, never as mathtext
    with matplotlib.rc_context(LITERAL_RC):
        fig.tight_layout()
        fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def analyze(
    course: Course | None = None,
    *,
    out: Path | str | None = None,
    assignments: list[str] | None = None,
) -> Analysis:
    """Compute the item analysis and write ``items.csv``, ``sections.csv``,
    ``items.png``, ``distractors.csv`` and ``excluded.csv`` into ``out`` (default
    ``gradebook/reports/exam-analysis``)."""
    course = course or Course.find()
    out = Path(out) if out else course.root / "gradebook" / "reports" / "exam-analysis"
    out.mkdir(parents=True, exist_ok=True)
    stats = item_statistics(course, assignments)
    names = ["items.csv", "sections.csv", "items.png", "distractors.csv", "excluded.csv"]
    files = [out / n for n in names]
    # Item ids and form names come from bank files people edit: written as text.
    write_csv(stats.items, files[0])
    write_csv(stats.sections, files[1])
    _chart(stats.items, files[2])
    write_csv(stats.distractors, files[3])
    write_csv(stats.excluded, files[4])
    return Analysis(
        stats.items, stats.sections, stats.distractors, stats.excluded, stats.warnings, files
    )
