"""A modified Angoff standard-setting study: judges' ratings -> a cut per form and section.

Each judge rates every item of a form with the probability that a *minimally competent
candidate* answers it right (for a scenario item: the expected share of its points).
The Angoff cut of a set of items is the sum over the items of the panel's mean rating
times the item's points; its standard error is the standard deviation of the judges'
own cuts divided by the square root of the number of judges.

The ratings file is ``judge,item_id,rating`` with an optional ``round`` (1, or 2 after
discussion). It is read with :func:`ppskit.imports.read_csv` and checked all or
nothing: every problem is reported as a :class:`~ppskit.imports.RowError` in one
:class:`~ppskit.imports.ImportRejected`, and no file is written unless the whole
study is sound. The cuts are data: one ``assessments/cuts/<FORM>.yaml`` per form,
validated by :class:`CutFile` on write and on read (:func:`load_cuts`).

Settings (documented in ``docs/exams.md``):

* :data:`MIN_JUDGES` judges at least per form and round (8-10 preferred);
* :data:`SD_THRESHOLD`: an item whose ratings have an SD across judges above it is
  listed for discussion;
* a judge is flagged when their own cut of the form lies more than
  :data:`JUDGE_OUTLIER_SDS` SDs of the *other* judges' cuts from those judges' mean,
  and more than :data:`JUDGE_MIN_GAP_PCT` percentage points away from it.

Only pandas, numpy, pydantic, PyYAML and the standard library are used (no nbgrader).
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ppskit.exam.bank import Bank, load_bank
from ppskit.imports import ImportRejected, RowError, _parse_rows, read_csv
from ppskit.records import shown

RATING_COLUMNS = ("judge", "item_id", "rating")
OPTIONAL_COLUMNS = ("round",)
METHOD = "modified-angoff"
CUTS_DIR = "cuts"

MIN_JUDGES = 6
"""Fewest judges a modified Angoff study may have (per form and round)."""

SD_THRESHOLD = 0.15
"""An item whose ratings have a standard deviation across judges above this (in
probability units) is listed for discussion before the next round."""

JUDGE_OUTLIER_SDS = 3.0
"""A judge is flagged when their cut differs from the other judges' mean cut by more
than this many standard deviations of the other judges' cuts (leave-one-out: with the
judge included, the SD they inflate hides them — one judge of 6 can never lie more than
(6 - 1) / sqrt(6) = 2.04 SDs from the panel mean)."""

JUDGE_MIN_GAP_PCT = 5.0
"""... and by more than this many percentage points of the form's points (a smaller
gap barely moves the cut, however much the others agree)."""

_JUDGE_MAX = 100
_TOLERANCE = 1e-9


class StandardSettingError(ValueError):
    """The study cannot be computed (e.g. too few judges); the message says why."""


# --------------------------------------------------------------------------- row schema


class RatingRow(BaseModel):
    """One row of the ratings file (shape only; the bank and the scale come later)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    judge: str = Field(min_length=1, max_length=_JUDGE_MAX)
    item_id: str = Field(min_length=1)
    rating: float
    round: int = 1

    @field_validator("judge", "item_id", mode="before")
    @classmethod
    def _not_blank(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty; every row needs a judge, an item_id and a rating")
        return value

    @field_validator("rating", mode="before")
    @classmethod
    def _a_number(cls, value: object) -> float:
        try:
            number = float(str(value).strip().rstrip("%"))
        except ValueError:
            raise ValueError(
                f"'{shown(value)}' is not a number; write the probability, e.g. 0.65"
            ) from None
        if not math.isfinite(number) or number < 0:
            raise ValueError(f"'{shown(value)}' is not a rating; ratings run from 0 to 1")
        return number

    @field_validator("round", mode="before")
    @classmethod
    def _one_or_two(cls, value: object) -> int:
        text = str(value).strip()
        if text not in ("1", "2"):
            raise ValueError(f"'{shown(value)}' is not a round; round must be 1 or 2")
        return int(text)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Ratings:
    """A checked ratings file.

    ``frame`` has one row per rating: ``line, judge, item_id, form, section, points,
    round, rating`` with ``rating`` a probability 0-1. ``percent`` says whether the file
    gave percentages (every rating above 1), which were divided by 100.
    """

    source: str
    frame: pd.DataFrame
    percent: bool


def _item_index(bank: Bank) -> dict[str, tuple[str, str, int]]:
    """item id -> (form, section, points), sections as the bank files declare them."""
    return {
        item.id: (item.form, section, item.points)
        for section, sf in bank.sections.items()
        for item in sf.items
    }


def parse_rows(rows: list[tuple[int, dict]]) -> tuple[pd.DataFrame, list[RowError]]:
    """Validate each row's shape; the frame holds the rows that passed (with ``line``)."""
    errors: list[RowError] = []
    records = [
        {"line": line, **row.model_dump()} for line, row in _parse_rows(RatingRow, rows, errors)
    ]
    frame = pd.DataFrame(records, columns=["line", "judge", "item_id", "rating", "round"])
    return frame, errors


def is_percent_scale(frame: pd.DataFrame) -> bool:
    """True when every rating is above 1: the file gives percentages (0-100)."""
    return bool(len(frame)) and bool((frame["rating"] > 1).all())


def _too_high(rating: float, percent: bool) -> str:
    if percent:
        return f"{rating:g} is more than 100 (this file gives every rating as a percentage)"
    return (
        f"{rating:g} is more than 1: a rating is the probability (0 to 1) that a minimally "
        "competent candidate answers the item right (a file of percentages must give every "
        "rating above 1)"
    )


def check_rows(
    frame: pd.DataFrame, bank: Bank, *, percent: bool
) -> tuple[pd.DataFrame, list[RowError]]:
    """Check each rating against the bank and the scale; add ``form, section, points``.

    Row errors: an item id the bank does not have, a rating above 1 (above 100 in a
    file of percentages), a judge rating the same item twice in a round.
    """
    index = _item_index(bank)
    lower = {i.lower(): i for i in index}
    errors, keep, first = [], [], {}
    top = 100.0 if percent else 1.0
    for row in frame.itertuples(index=False):
        ok = True
        if row.item_id not in index:
            hint = lower.get(row.item_id.lower())
            errors.append(
                RowError(
                    row.line,
                    "item_id",
                    f"item '{shown(row.item_id)}' is not in the item bank"
                    + (f" (ids are lower case: {hint})" if hint else ""),
                )
            )
            ok = False
        if row.rating > top:
            errors.append(
                RowError(
                    row.line,
                    "rating",
                    _too_high(row.rating, percent),
                )
            )
            ok = False
        key = (row.judge, row.item_id, row.round)
        if key in first:
            errors.append(
                RowError(
                    row.line,
                    "item_id",
                    f"judge {shown(row.judge)} already rated {shown(row.item_id)} in round "
                    f"{row.round} (line {first[key]})",
                )
            )
            ok = False
        else:
            first[key] = row.line
        keep.append(ok)
    good = frame[keep].copy()
    info = [index[i] for i in good["item_id"]]
    good["form"] = [f for f, _, _ in info]
    good["section"] = [s for _, s, _ in info]
    good["points"] = [p for _, _, p in info]
    if percent:
        good["rating"] = good["rating"] / 100.0
    cols = ["line", "judge", "item_id", "form", "section", "points", "round", "rating"]
    return good[cols].reset_index(drop=True), errors


def check_judge_counts(frame: pd.DataFrame, *, minimum: int = MIN_JUDGES) -> None:
    """Raise :class:`StandardSettingError` when a form's round has too few judges."""
    counts = frame.groupby(["form", "round"])["judge"].nunique()
    several = len(counts) > 1
    for (form, rnd), n in counts.items():
        if n < minimum:
            where = f" (form {form}, round {rnd})" if several else ""
            raise StandardSettingError(
                f"a modified Angoff study needs at least {minimum} judges (8–10 preferred); "
                f"this file has {n}{where}"
            )


def missing_ratings(frame: pd.DataFrame, bank: Bank) -> list[RowError]:
    """Every judge of a form's round must rate every item of that form."""
    errors = []
    for (form, rnd), part in frame.groupby(["form", "round"], sort=True):
        items = [i.id for i in bank.form_items(form)]
        rated = set(zip(part["judge"], part["item_id"], strict=True))
        for judge in sorted(part["judge"].unique()):
            for item_id in items:
                if (judge, item_id) not in rated:
                    errors.append(
                        RowError(
                            0,
                            "rating",
                            f"judge {shown(judge)} has no rating for item {item_id} "
                            f"(form {form}, round {rnd}); every judge rates every item of a form",
                        )
                    )
    return errors


def read_ratings(path: Path | str, bank: Bank) -> Ratings:
    """Read and check a ratings file against the bank (all problems, or a clean frame).

    Raises :class:`ImportRejected` listing every row problem (missing ratings included)
    and :class:`StandardSettingError` when a form's round has fewer than
    :data:`MIN_JUDGES` judges.
    """
    source = str(path)
    rows = read_csv(path, RATING_COLUMNS, OPTIONAL_COLUMNS)
    parsed, errors = parse_rows(rows)
    percent = is_percent_scale(parsed)
    frame, row_errors = check_rows(parsed, bank, percent=percent)
    errors = sorted(errors + row_errors, key=lambda e: e.line)
    if not frame.empty:
        check_judge_counts(frame)
    errors += missing_ratings(frame, bank)
    if errors:
        raise ImportRejected(source, errors)
    return Ratings(source=source, frame=frame, percent=percent)


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Cut:
    """The Angoff cut of a set of items (a section or a whole form)."""

    items: int
    points: int
    cut_points: float
    se_points: float
    judges: int

    @property
    def cut_pct(self) -> float:
        """The cut as a percentage of the points."""
        return 100.0 * self.cut_points / self.points

    @property
    def se_pct(self) -> float:
        """The standard error of the cut, in percentage points."""
        return 100.0 * self.se_points / self.points


@dataclass(frozen=True)
class JudgeCut:
    """One judge's own cut of a form and how far it lies from the other judges."""

    judge: str
    cut_pct: float
    others_pct: float
    gap_sds: float | None  # None: the other judges agree exactly
    flagged: bool

    @property
    def gap_pct(self) -> float:
        """The judge's cut minus the other judges' mean cut, in percentage points."""
        return self.cut_pct - self.others_pct


@dataclass(frozen=True)
class Movement:
    """How ratings moved from round 1 to round 2 (judge-item pairs rated in both)."""

    pairs: int
    mean_abs_change: float
    round1_cut_pct: float
    shrank: list[str]
    grew: list[str]


@dataclass(frozen=True)
class FormStudy:
    """The study of one form, computed on its last round."""

    form: str
    round: int
    judges: int
    sections: dict[str, Cut]
    total: Cut
    items: pd.DataFrame
    judge_cuts: list[JudgeCut]
    icc: float | None
    mean_r: float | None
    movement: Movement | None = None

    @property
    def flagged_items(self) -> pd.DataFrame:
        """Items whose ratings spread more than the threshold."""
        return self.items[self.items["flagged"]]

    @property
    def flagged_judges(self) -> list[JudgeCut]:
        """Judges far from the rest of the panel."""
        return [j for j in self.judge_cuts if j.flagged]


def weighted(ratings: pd.DataFrame) -> pd.Series:
    """Each rating in points: the probability times the item's points."""
    return ratings["rating"] * ratings["points"]


def judge_totals(ratings: pd.DataFrame) -> pd.Series:
    """Each judge's own cut of the items in ``ratings``, in points."""
    return weighted(ratings).groupby(ratings["judge"]).sum().sort_index()


def angoff_cut(ratings: pd.DataFrame) -> Cut:
    """The panel's cut of the items in ``ratings`` (one round, every judge every item).

    The cut is the sum over items of the mean rating times the item's points, which is
    the mean of the judges' own cuts; its SE is their SD / sqrt(number of judges).
    """
    totals = judge_totals(ratings)
    n = len(totals)
    sd = float(totals.std(ddof=1)) if n > 1 else 0.0
    points = ratings.drop_duplicates("item_id")["points"].sum()
    return Cut(
        items=int(ratings["item_id"].nunique()),
        points=int(points),
        cut_points=float(totals.mean()),
        se_points=sd / math.sqrt(n),
        judges=n,
    )


def item_statistics(ratings: pd.DataFrame, sd_threshold: float = SD_THRESHOLD) -> pd.DataFrame:
    """Per item: ``item_id, form, section, points, mean, sd, n_judges, flagged``.

    ``sd`` is the sample SD of the ratings across judges; ``flagged`` when it is above
    ``sd_threshold``. Items keep the order they first appear in ``ratings``.
    """
    grouped = ratings.groupby("item_id", sort=False)
    stats = grouped.agg(
        form=("form", "first"),
        section=("section", "first"),
        points=("points", "first"),
        mean=("rating", "mean"),
        sd=("rating", lambda s: float(s.std(ddof=1)) if len(s) > 1 else 0.0),
        n_judges=("judge", "nunique"),
    ).reset_index()
    stats["flagged"] = stats["sd"] > sd_threshold + _TOLERANCE
    return stats


def rating_matrix(ratings: pd.DataFrame) -> pd.DataFrame:
    """Items x judges table of ratings."""
    return ratings.pivot(index="item_id", columns="judge", values="rating")


def icc_2_1(matrix: pd.DataFrame) -> float | None:
    """ICC(2,1), Shrout & Fleiss: absolute agreement of single judges, items x judges.

    None when it is not defined (fewer than two items or judges, or no variance).
    """
    x = matrix.to_numpy(dtype=float)
    n, k = x.shape
    if n < 2 or k < 2:
        return None
    grand = x.mean()
    rows, cols = x.mean(axis=1), x.mean(axis=0)
    msr = k * ((rows - grand) ** 2).sum() / (n - 1)
    msc = n * ((cols - grand) ** 2).sum() / (k - 1)
    resid = x - rows[:, None] - cols[None, :] + grand
    mse = (resid**2).sum() / ((n - 1) * (k - 1))
    denominator = msr + (k - 1) * mse + k * (msc - mse) / n
    if denominator <= _TOLERANCE:
        return None
    return float((msr - mse) / denominator)


def mean_pairwise_r(matrix: pd.DataFrame) -> float | None:
    """Mean Pearson correlation of every pair of judges' ratings across items.

    Pairs where a judge gives every item the same rating have no correlation and are
    left out; None when no pair has one.
    """
    x = matrix.to_numpy(dtype=float)
    values = []
    for a, b in combinations(range(x.shape[1]), 2):
        if x[:, a].std() > _TOLERANCE and x[:, b].std() > _TOLERANCE:
            values.append(float(np.corrcoef(x[:, a], x[:, b])[0, 1]))
    return float(np.mean(values)) if values else None


def judge_deviations(
    totals: pd.Series,
    points: int,
    *,
    sds: float = JUDGE_OUTLIER_SDS,
    min_gap_pct: float = JUDGE_MIN_GAP_PCT,
) -> list[JudgeCut]:
    """Each judge's cut against the other judges' (leave-one-out) mean and SD.

    Flagged: more than ``sds`` of the others' SDs and more than ``min_gap_pct``
    percentage points from the others' mean cut.
    """
    pct = 100.0 * totals / points
    out = []
    for judge, own in pct.items():
        others = pct.drop(judge)
        mean, sd = float(others.mean()), float(others.std(ddof=1))
        gap = own - mean
        gap_sds = abs(gap) / sd if sd > _TOLERANCE else None
        far = gap_sds is None or gap_sds > sds
        flagged = bool(abs(gap) > min_gap_pct + _TOLERANCE and far)
        out.append(JudgeCut(str(judge), float(own), mean, gap_sds, flagged))
    return out


def round_movement(round1: pd.DataFrame, round2: pd.DataFrame) -> Movement:
    """Mean absolute change of the ratings, the round-1 cut, and items whose spread
    (SD across judges) shrank or grew in round 2."""
    both = round1.merge(round2, on=["judge", "item_id"], suffixes=("_1", "_2"))
    change = float((both["rating_2"] - both["rating_1"]).abs().mean()) if len(both) else 0.0
    sd1 = item_statistics(round1).set_index("item_id")["sd"]
    sd2 = item_statistics(round2).set_index("item_id")["sd"]
    common = [i for i in sd2.index if i in sd1.index]
    shrank = [i for i in common if sd2[i] < sd1[i] - 1e-6]
    grew = [i for i in common if sd2[i] > sd1[i] + 1e-6]
    return Movement(len(both), change, angoff_cut(round1).cut_pct, shrank, grew)


def study_form(
    ratings: pd.DataFrame, bank: Bank, form: str, *, sd_threshold: float = SD_THRESHOLD
) -> FormStudy:
    """The study of one form: round 2 when it has one (round 1 then shows the movement)."""
    mine = ratings[ratings["form"] == form]
    last = int(mine["round"].max())
    used = mine[mine["round"] == last]
    order = [i.id for i in bank.form_items(form)]
    sections = {
        section: angoff_cut(used[used["section"] == section])
        for section in bank.blueprint.section_order
        if (used["section"] == section).any()
    }
    total = angoff_cut(used)
    items = item_statistics(used, sd_threshold)
    rank = {item_id: n for n, item_id in enumerate(order)}
    items = items.sort_values("item_id", key=lambda s: s.map(rank)).reset_index(drop=True)
    matrix = rating_matrix(used)
    movement = None
    if last == 2 and (mine["round"] == 1).any():
        movement = round_movement(mine[mine["round"] == 1], used)
    return FormStudy(
        form=form,
        round=last,
        judges=total.judges,
        sections=sections,
        total=total,
        items=items,
        judge_cuts=judge_deviations(judge_totals(used), total.points),
        icc=icc_2_1(matrix),
        mean_r=mean_pairwise_r(matrix),
        movement=movement,
    )


def study_forms(
    ratings: pd.DataFrame, bank: Bank, *, sd_threshold: float = SD_THRESHOLD
) -> list[FormStudy]:
    """One :class:`FormStudy` per form the ratings cover, in blueprint order."""
    rated = set(ratings["form"])
    return [
        study_form(ratings, bank, form, sd_threshold=sd_threshold)
        for form in bank.blueprint.forms
        if form in rated
    ]


# --------------------------------------------------------------------------- cut files


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SectionCut(_Strict):
    """The cut of a section (or of the whole form) as stored."""

    items: int = Field(gt=0)
    points: int = Field(gt=0)
    cut_points: float = Field(ge=0)
    cut_pct: float = Field(ge=0, le=100)
    se_points: float = Field(ge=0)
    se_pct: float = Field(ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> SectionCut:
        if self.cut_points > self.points + 1e-6:
            raise ValueError(f"cut_points {self.cut_points} is more than points {self.points}")
        if abs(100.0 * self.cut_points / self.points - self.cut_pct) > 0.01:
            raise ValueError("cut_pct is not cut_points as a percentage of points")
        if abs(100.0 * self.se_points / self.points - self.se_pct) > 0.01:
            raise ValueError("se_pct is not se_points as a percentage of points")
        return self


class Agreement(_Strict):
    """How well the judges agree (None where not defined)."""

    icc_2_1: float | None = Field(default=None, ge=-1, le=1)
    mean_pairwise_r: float | None = Field(default=None, ge=-1, le=1)


class CutFile(_Strict):
    """``assessments/cuts/<FORM>.yaml``: the cuts a standard-setting study set for a form."""

    form: str = Field(pattern=r"^[A-Z]$")
    method: Literal["modified-angoff"]
    judges: int = Field(ge=MIN_JUDGES)
    round: Literal[1, 2]
    study_date: date
    source: str = Field(min_length=1)
    sections: dict[str, SectionCut] = Field(min_length=1)
    total: SectionCut
    agreement: Agreement = Agreement()

    @model_validator(mode="after")
    def _adds_up(self) -> CutFile:
        items = sum(s.items for s in self.sections.values())
        points = sum(s.points for s in self.sections.values())
        cut = sum(s.cut_points for s in self.sections.values())
        if (items, points) != (self.total.items, self.total.points):
            raise ValueError(
                f"the sections have {items} items and {points} points, total says "
                f"{self.total.items} and {self.total.points}"
            )
        if abs(cut - self.total.cut_points) > 0.01:
            raise ValueError("total cut_points is not the sum of the sections' cut_points")
        return self


def _r(value: float, digits: int = 4) -> float:
    return round(float(value), digits)


def _section_cut(cut: Cut) -> SectionCut:
    return SectionCut(
        items=cut.items,
        points=cut.points,
        cut_points=_r(cut.cut_points),
        cut_pct=_r(cut.cut_pct, 2),
        se_points=_r(cut.se_points),
        se_pct=_r(cut.se_pct, 2),
    )


def cut_file(study: FormStudy, *, source: str, study_date: date) -> CutFile:
    """The validated cut file of one form's study."""
    return CutFile(
        form=study.form,
        method=METHOD,
        judges=study.judges,
        round=study.round,
        study_date=study_date,
        source=source,
        sections={name: _section_cut(cut) for name, cut in study.sections.items()},
        total=_section_cut(study.total),
        agreement=Agreement(
            icc_2_1=None if study.icc is None else _r(study.icc),
            mean_pairwise_r=None if study.mean_r is None else _r(study.mean_r),
        ),
    )


def cuts_path(folder: Path | str, form: str) -> Path:
    """Where a form's cut file lives in ``folder``."""
    return Path(folder) / f"{form}.yaml"


def _dump(cuts: CutFile) -> str:
    head = (
        f"# Cut scores for form {cuts.form}: modified Angoff study of {cuts.source}.\n"
        "# Written by `ppskit exam standard-setting`; run the study again to change them.\n"
    )
    return head + yaml.safe_dump(cuts.model_dump(mode="python"), sort_keys=False)


def write_cut_files(files: list[CutFile], folder: Path | str) -> list[Path]:
    """Write every cut file into ``folder`` (each through a temporary file, then renamed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    texts = [(cuts_path(folder, c.form), _dump(c)) for c in files]
    for _path, text in texts:  # every text validates again before anything is written
        CutFile.model_validate(yaml.safe_load(text))
    written = []
    for path, text in texts:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        written.append(path)
    return written


def load_cuts(assessments: Path | str, form: str, *, folder: Path | str | None = None) -> CutFile:
    """Read and validate ``<assessments>/cuts/<form>.yaml`` (or ``<folder>/<form>.yaml``)."""
    path = cuts_path(Path(folder) if folder else Path(assessments) / CUTS_DIR, form)
    if not path.is_file():
        raise StandardSettingError(
            f"{path}: no cut file for form {form}; run `ppskit exam standard-setting`"
        )
    try:
        cuts = CutFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise StandardSettingError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as err:
        problems = []
        for e in err.errors():
            loc = ".".join(str(p) for p in e["loc"])
            problems.append(f"{path}: {loc}: {e['msg'].removeprefix('Value error, ')}")
        raise StandardSettingError("\n".join(problems)) from None
    if cuts.form != form:
        raise StandardSettingError(f"{path}: holds form {cuts.form}, not {form}")
    return cuts


# --------------------------------------------------------------------------- the study


@dataclass
class Study:
    """A whole study: every rated form, and the files written."""

    source: str
    study_date: date
    percent: bool
    sd_threshold: float
    forms: list[FormStudy]
    cut_files: list[CutFile]
    written: list[Path] = field(default_factory=list)
    report: Path | None = None


def item_report(study: Study) -> pd.DataFrame:
    """The per-item table: ``item_id, form, section, mean, sd, n_judges, flagged``."""
    columns = ["item_id", "form", "section", "mean", "sd", "n_judges", "flagged"]
    frames = [fs.items[columns] for fs in study.forms]
    table = pd.concat(frames, ignore_index=True)
    return table.assign(mean=table["mean"].round(4), sd=table["sd"].round(4))


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def run_study(
    ratings_file: Path | str,
    assessments: Path | str,
    *,
    bank: Bank | None = None,
    out: Path | str | None = None,
    study_date: date | None = None,
    sd_threshold: float = SD_THRESHOLD,
    report: Path | str | None = None,
) -> Study:
    """Read and check the ratings, compute every form's cuts, write the cut files.

    ``bank`` defaults to the one in ``assessments`` (:func:`~ppskit.exam.bank.load_bank`).
    Nothing is written unless the whole file is sound. ``out`` defaults to
    ``<assessments>/cuts``; ``report`` also writes the per-item table as CSV
    (spreadsheet-injection safe).
    """
    ratings_file = Path(ratings_file)
    if not 0 < sd_threshold < 1:
        raise StandardSettingError(
            f"the SD threshold must lie between 0 and 1 (it is {sd_threshold:g})"
        )
    if report is not None and _same_file(Path(report), ratings_file):
        raise StandardSettingError("--report must name another file than the ratings")
    if bank is None:
        bank = load_bank(assessments)
    ratings = read_ratings(ratings_file, bank)
    forms = study_forms(ratings.frame, bank, sd_threshold=sd_threshold)
    when = study_date or date.today()
    files = [cut_file(fs, source=ratings_file.name, study_date=when) for fs in forms]
    study = Study(ratings.source, when, ratings.percent, sd_threshold, forms, files)
    folder = Path(out) if out else Path(assessments) / CUTS_DIR
    study.written = write_cut_files(files, folder)
    if report is not None:
        from ppskit.reports.safe_export import write_csv

        study.report = write_csv(item_report(study), report)
    return study


# --------------------------------------------------------------------------- plain report


def _pct(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _wrap(ids: list[str], indent: str = "      ", width: int = 92) -> list[str]:
    lines, current = [], indent
    for item_id in ids:
        piece = item_id if current == indent else ", " + item_id
        if len(current) + len(piece) > width and current != indent:
            lines.append(current + ",")
            current = indent + item_id
        else:
            current += piece
    if current.strip():
        lines.append(current)
    return lines


def form_report(fs: FormStudy, sd_threshold: float = SD_THRESHOLD) -> list[str]:
    """The plain report of one form: cuts table, agreement, judges, items to discuss."""
    superseded = " (supersedes round 1)" if fs.movement else ""
    lines = [f"Form {fs.form}: round {fs.round}{superseded}, {fs.judges} judges"]
    width = max([len("section")] + [len(s) for s in fs.sections]) + 2
    lines.append(
        f"  {'section':<{width}}{'items':>5}{'points':>8}{'cut pts':>9}{'cut %':>8}"
        f"{'SE %':>7}{'judges':>8}"
    )
    for name, cut in [*fs.sections.items(), ("total", fs.total)]:
        lines.append(
            f"  {name:<{width}}{cut.items:>5}{cut.points:>8}{cut.cut_points:>9.2f}"
            f"{cut.cut_pct:>8.1f}{cut.se_pct:>7.2f}{cut.judges:>8}"
        )
    lines.append(
        f"  Judge agreement: ICC(2,1) {_pct(fs.icc)}; mean pairwise r {_pct(fs.mean_r)}"
        + ("  (n/a: ratings do not vary across items)" if fs.icc is None else "")
    )
    lines.append("  Judges' own cuts, % (difference from the other judges' mean):")
    lines += _wrap([f"{j.judge} {j.cut_pct:.1f} ({j.gap_pct:+.1f})" for j in fs.judge_cuts], "    ")
    judges = fs.flagged_judges
    if judges:
        lines.append(
            f"  Flagged judges (cut more than {JUDGE_OUTLIER_SDS:g} SDs and "
            f"{JUDGE_MIN_GAP_PCT:g} percentage points from the other judges' mean):"
        )
        for j in judges:
            sds = "" if j.gap_sds is None else f", {j.gap_sds:.1f} SDs"
            lines.append(
                f"    {j.judge}: cut {j.cut_pct:.1f} %, others {j.others_pct:.1f} % "
                f"({j.gap_pct:+.1f} percentage points{sds})"
            )
    else:
        lines.append("  Flagged judges: none")
    flagged = fs.flagged_items
    if len(flagged):
        lines.append(f"  Items to discuss (ratings SD > {sd_threshold:g}):")
        for row in flagged.itertuples():
            lines.append(f"    {row.item_id:<28} mean {row.mean:.2f}  SD {row.sd:.2f}")
    else:
        lines.append(f"  Items to discuss (ratings SD > {sd_threshold:g}): none")
    if fs.movement:
        m = fs.movement
        lines.append(
            f"  Round 1 -> 2: mean absolute change {m.mean_abs_change:.3f} over {m.pairs} "
            f"ratings; cut {m.round1_cut_pct:.1f} % -> {fs.total.cut_pct:.1f} %"
        )
        lines.append(f"    spread shrank on {len(m.shrank)} items" + (":" if m.shrank else ""))
        lines += _wrap(m.shrank)
        lines.append(f"    spread grew on {len(m.grew)} items" + (":" if m.grew else ""))
        lines += _wrap(m.grew)
    return lines


def study_report(study: Study) -> str:
    """The whole printed report."""
    lines = [f"Modified Angoff study of {study.source} ({study.study_date.isoformat()})"]
    if study.percent:
        lines.append(
            "Ratings were read as percentages (every rating in the file is above 1) "
            "and divided by 100."
        )
    for fs in study.forms:
        lines += ["", *form_report(fs, study.sd_threshold)]
    lines.append("")
    lines.append("Cut files written: " + ", ".join(str(p) for p in study.written))
    if study.report is not None:
        lines.append(f"Item table written to {study.report}")
    return "\n".join(lines)
