"""``ppskit exam analyze``: classical item analysis across a cohort.

Per item (full sittings only: a retake's trainees are a selected group, and their
partial sittings have no comparable total):

* difficulty ``p`` — the mean proportion of the item's points earned;
* discrimination ``r_pb`` — the point-biserial (Pearson) correlation between the item
  score and the *rest* of the sitting's total (the item itself left out, so an item
  does not correlate with itself);
* flags — ``too hard`` (p < 0.30), ``too easy`` (p > 0.89), ``weak discrimination``
  (r_pb < 0.20), ``no variance`` when everyone scored the same.

Per section and form: KR-20 reliability, computed as coefficient alpha (equal to
KR-20 for items scored 0/1, and its generalisation when a section has a scenario).
Writes ``items.csv``, ``sections.csv`` and ``items.png`` (p against r_pb).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ppskit.exam.course import FULL_PREFIX, Course
from ppskit.exam.results import load_manifest, score_frame
from ppskit.reports.safe_export import LITERAL_RC, literal_text, write_csv

P_LOW, P_HIGH, R_MIN = 0.30, 0.89, 0.20


@dataclass
class Analysis:
    """Item and section statistics, and where they were written."""

    items: pd.DataFrame
    sections: pd.DataFrame
    files: list[Path]

    @property
    def flagged(self) -> pd.DataFrame:
        """Items with at least one flag."""
        return self.items[self.items["flags"] != ""]


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


def item_statistics(course: Course, assignments: list[str] | None = None) -> tuple:
    """``(items, sections)`` DataFrames for the full sittings in nbgrader's gradebook."""
    scores = score_frame(course, assignments)
    scores = scores[scores["assignment"].str.startswith(FULL_PREFIX)]
    manifests = {}
    for assignment in scores["assignment"].unique():
        try:
            manifests[assignment] = load_manifest(course, assignment)
        except (FileNotFoundError, KeyError):
            continue
    return statistics(scores, manifests)


def statistics(scores: pd.DataFrame, manifests: dict[str, dict]) -> tuple:
    """``(items, sections)`` from per-cell scores (columns as ``score_frame``) and the
    sittings' manifests; assignments without a manifest are left out."""
    # Pending manual grades are left out of the statistics rather than counted as 0.
    scores = scores[~scores["needs_manual_grade"].astype(bool) & scores["score"].notna()]
    item_rows, section_rows = [], []
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
        maxes = np.array([float(meta[i]["points"]) for i in items])
        frac = wide.to_numpy(dtype=float) / maxes
        totals = wide.to_numpy(dtype=float).sum(axis=1)
        for j, item in enumerate(items):
            x = frac[:, j]
            rest = totals - wide.to_numpy(dtype=float)[:, j]
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
            item_rows.append(
                {
                    "item_id": item,
                    "form": man["form"],
                    "section": meta[item]["section"],
                    "type": meta[item]["type"],
                    "n": len(x),
                    "p": round(p, 3),
                    "r_pb": round(r, 3) if not np.isnan(r) else np.nan,
                    "flags": "; ".join(flags),
                }
            )
        for section in man["sections"]:
            cols = [j for j, i in enumerate(items) if meta[i]["section"] == section]
            if not cols:
                continue
            sub = wide.to_numpy(dtype=float)[:, cols]
            alpha = _alpha(sub)
            section_rows.append(
                {
                    "section": section,
                    "form": man["form"],
                    "n": sub.shape[0],
                    "items": len(cols),
                    "mean_pct": round(100 * sub.sum(axis=1).mean() / maxes[cols].sum(), 1),
                    "kr20": round(alpha, 3) if not np.isnan(alpha) else np.nan,
                }
            )
    items_df = pd.DataFrame(
        item_rows, columns=["item_id", "form", "section", "type", "n", "p", "r_pb", "flags"]
    )
    sections_df = pd.DataFrame(
        section_rows, columns=["section", "form", "n", "items", "mean_pct", "kr20"]
    )
    return items_df, sections_df


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
    """Compute the item analysis and write ``items.csv``, ``sections.csv``, ``items.png``
    into ``out`` (default ``gradebook/reports/exam-analysis``)."""
    course = course or Course.find()
    out = Path(out) if out else course.root / "gradebook" / "reports" / "exam-analysis"
    out.mkdir(parents=True, exist_ok=True)
    items, sections = item_statistics(course, assignments)
    files = [out / "items.csv", out / "sections.csv", out / "items.png"]
    # Item ids and form names come from bank files people edit: written as text.
    write_csv(items, files[0])
    write_csv(sections, files[1])
    _chart(items, files[2])
    return Analysis(items, sections, files)
