"""Exam series: which sittings count together, and where the trainee stands.

A sitting is one (date, form). The first sitting of a series is the full exam. What
comes next is the profile's choice (``exam_rules.retake``):

* ``failed-sections``: only failed sections are retaken; a section once passed stays
  passed; each retake is dated at most ``window_days`` after the previous sitting.
* ``whole-exam``: every sitting is the full exam and must pass on its own.

A series holds at most ``max_sittings``; with ``series_days`` a sitting counts only
within that many days of the series' first sitting, and a sitting beyond the limit
inside that time is not counted. When the sittings are used up, the next sitting starts
a new series (``new-series``), or the training must be taken again first (``retrain``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ppskit.dates import fmt
from ppskit.policies import Policy


@dataclass
class SeriesState:
    """Where a trainee stands in their current exam series."""

    exam: str = "none"
    passed_sections: list[str] = field(default_factory=list)
    failed_sections: list[str] = field(default_factory=list)
    retake_by: date | None = None
    sittings: int = 0
    max_sittings: int = 0
    forms_seen: list[str] = field(default_factory=list)
    void: bool = False
    passed_on: date | None = None
    last_sitting: date | None = None
    message: str = ""
    started_on: date | None = None
    # Sittings inside the series' time that were beyond the limit (not counted).
    not_counted: int = 0
    # The series used every sitting and the profile asks for the training again:
    # training counts only hours dated after this day.
    retrain_after: date | None = None
    # When the sittings are used up inside ``series_days``: the first day a new series
    # may start.
    next_series_on: date | None = None


def pass_marks(policy: Policy, days: pd.Series) -> np.ndarray:
    """The pass mark in force on each sitting's date."""
    param = policy.exam_rules.pass_pct
    if len(param.values) == 1:
        return np.full(len(days), float(param.at()))
    return np.array([float(param.at(d)) for d in days])


def section_marks(results: pd.DataFrame, policy: Policy) -> np.ndarray:
    """What each row's section score had to reach: the form's standard-setting cut
    recorded with it (``cut_pct``), else the profile's pass mark on the sitting's date."""
    marks = pass_marks(policy, results["date"])
    if "cut_pct" not in results.columns:
        return marks
    cuts = pd.to_numeric(results["cut_pct"], errors="coerce").to_numpy(dtype=float)
    return np.where(np.isnan(cuts), marks, cuts)


def passed_sections(results: pd.DataFrame, policy: Policy) -> np.ndarray:
    """True for each row whose section score passed (see :func:`section_marks`)."""
    return results["score_pct"].to_numpy(dtype=float) >= section_marks(results, policy) - 1e-9


def _sittings(results: pd.DataFrame, sections: list[str], policy: Policy) -> pd.DataFrame:
    """One row per sitting with the bit mask of the sections it passed."""
    bit = {s: 1 << i for i, s in enumerate(sections)}
    df = results[results["section"].isin(bit)]
    ok = passed_sections(df, policy)
    df = df.assign(passbit=np.where(ok, df["section"].map(bit).astype("int64"), 0))
    return (
        df.groupby(["trainee_id", "date", "form"], sort=True)["passbit"]
        .sum()
        .reset_index()
        .sort_values(["trainee_id", "date", "form"], kind="stable")
    )


def evaluate_series(
    results: pd.DataFrame, sections: list[str], policy: Policy, as_of: date
) -> dict[str, SeriesState]:
    """Apply the profile's retake rules to every trainee's sittings.

    ``results`` has columns trainee_id, date, form, section, score_pct and optionally
    cut_pct (effective rows, dated on or before ``as_of``).
    """
    rules = policy.exam_rules.retake
    partial = rules.scope == "failed-sections"
    window = timedelta(days=rules.window_days.at(as_of)) if rules.window_days else None
    span = timedelta(days=rules.series_days.at(as_of)) if rules.series_days else None
    max_sit = int(rules.max_sittings.at(as_of))
    retrain = rules.after_limit == "retrain"
    out: dict[str, SeriesState] = {}
    if results.empty:
        return out
    full = (1 << len(sections)) - 1
    bit = {s: 1 << i for i, s in enumerate(sections)}
    sit = _sittings(results, sections, policy)
    labels = {s: policy.section_label(s) for s in sections}

    def names(mask: int) -> list[str]:
        return [s for s in sections if mask & bit[s]]

    def in_time(st: dict, day: date) -> bool:
        """The sitting falls inside the series' time limits."""
        if window is not None and day > st["last"] + window:
            return False
        return not (span is not None and day > st["start"] + span)

    def close(tid: str, st: dict) -> None:
        out[tid] = _state(
            st, sections, names, max_sit, partial, window, span, retrain, as_of, labels
        )

    cur: str | None = None
    st: dict = {}
    # Python lists: iterating pandas columns element by element is several times slower.
    for tid, day, form, mask in zip(
        *(sit[c].tolist() for c in ["trainee_id", "date", "form", "passbit"]), strict=True
    ):
        if tid != cur:
            if cur is not None:
                close(cur, st)
            cur, st = tid, {}
        if st.get("passed_on"):
            continue  # later sittings don't change a passed exam
        if st and in_time(st, day) and st["n"] >= max_sit and span is not None and not retrain:
            st["not_counted"] += 1  # beyond the limit inside the series' time
            continue
        if st and st["n"] < max_sit and in_time(st, day):
            st["mask"] = (st["mask"] | int(mask)) if partial else int(mask)
            st["n"] += 1
            st["last"] = day
            st["forms"].add(form)
        else:
            st = {
                "mask": int(mask),
                "n": 1,
                "last": day,
                "start": day,
                "forms": {form},
                "passed_on": None,
                "not_counted": 0,
            }
        if st["mask"] == full:
            st["passed_on"] = day
    if cur is not None:
        close(cur, st)
    return out


def _state(
    st, sections, names, max_sit, partial, window, span, retrain, as_of, labels
) -> SeriesState:  # noqa: ANN001, PLR0913, E501
    """The trainee's standing at the end of their last series."""
    state = SeriesState(
        max_sittings=max_sit,
        forms_seen=sorted(st["forms"]),
        sittings=st["n"],
        last_sitting=st["last"],
        started_on=st["start"],
        not_counted=st["not_counted"],
        passed_sections=names(st["mask"]),
        failed_sections=[s for s in sections if s not in names(st["mask"])],
    )
    if st["passed_on"]:
        state.exam, state.passed_on, state.failed_sections = "passed", st["passed_on"], []
        state.message = f"Exam passed on {fmt(st['passed_on'])}."
        return state
    deadlines = [d for d in (window and st["last"] + window, span and st["start"] + span) if d]
    by = min(deadlines) if deadlines else None
    open_ = st["n"] < max_sit and (by is None or as_of <= by)
    if open_ and partial:
        state.exam, state.retake_by = "retake-open", by
        state.message = (
            # The profile's names for the sections; failed_sections keeps the ids.
            f"Retake sections {', '.join(labels[s] for s in state.failed_sections)}"
            + (f" by {fmt(by)}" if by else "")
            + f" (sitting {st['n'] + 1} of {max_sit})."
        )
        return state
    state.exam = "failed"
    if open_:
        state.retake_by = by
        state.message = (
            f"Sitting {st['n']} of {max_sit} was not passed; take the whole exam again"
            + (f" by {fmt(by)}" if by else "")
            + f" (sitting {st['n'] + 1} of {max_sit})."
        )
        return state
    state.void = True
    used = st["n"] >= max_sit
    if used and span is not None and as_of <= st["start"] + span and not retrain:
        state.next_series_on = st["start"] + span + timedelta(days=1)
    if used:
        why = f"all {max_sit} sittings were used"
    elif window is not None and by == st["last"] + window:
        why = f"the retake window closed on {fmt(by)}"
    else:
        why = f"the {span.days}-day period for sittings ended on {fmt(by)}"
    what = "every section passed" if partial else "a pass"
    state.message = (
        f"The exam series that began on {fmt(st['start'])} ended without {what} ({why}); "
    )
    if retrain and used:
        state.retrain_after = st["last"]
        state.message += "the training must be taken again before the next sitting."
    elif state.next_series_on:
        state.message += f"a new series of sittings can start on {fmt(state.next_series_on)}."
    else:
        state.message += "the next sitting is the full exam."
    if st["not_counted"]:
        state.message += (
            f" {st['not_counted']} later sitting(s) were beyond the limit and not counted."
        )
    return state


def effective_exam_results(exams: pd.DataFrame) -> pd.DataFrame:
    """The latest recorded score for each (trainee, date, form, section)."""
    if exams.empty:
        return exams
    return exams.sort_values("result_id").drop_duplicates(
        ["trainee_id", "date", "form", "section"], keep="last"
    )
