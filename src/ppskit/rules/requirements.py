"""Requirement kinds: one function per kind, each applied to all of a profile's
trainees at once.

Every function returns a :class:`Check`: who meets the rule, and for the others what
is still needed, in words built from the rule's own ``label`` and values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from ppskit.policies import (
    BUILTIN_FACTS,
    EducationAccepted,
    FactHolds,
    HoursAtLeast,
    MinimumAge,
    Policy,
)


def num(x: float) -> str:
    """A number of hours as people write it: 40, 0.25."""
    return f"{round(float(x), 2):g}"


def nums(values: np.ndarray) -> list[str]:
    """:func:`num` of every value (each distinct value formatted once)."""
    distinct, where = np.unique(np.asarray(values, dtype=float), return_inverse=True)
    text = [num(x) for x in distinct]
    return [text[k] for k in where.ravel()]


@dataclass
class Group:
    """One profile's trainees on the as-of date, and the inputs its rules read.

    ``hours``: row, category, topic, verified, lb, hours — where ``row`` is the
    trainee's position in ``trainees`` and ``lb`` the index in ``windows`` (look-back
    lengths in days, ascending) of the shortest window that holds the row's date,
    ``len(windows)`` when none does. A (trainee, category, topic, verified, lb) may
    have several rows (adjustments): only their sums are read.
    ``facts``: the latest fact per (trainee, fact), columns row, fact, value.
    """

    policy: Policy
    as_of: date
    trainees: pd.DataFrame
    hours: pd.DataFrame
    facts: pd.DataFrame
    windows: list[int]
    domains: list[str]

    @property
    def ids(self) -> pd.Index:
        return pd.Index(self.trainees["trainee_id"])

    def per_trainee(self, rows: pd.DataFrame) -> np.ndarray:
        """The sum of ``rows``' hours for each trainee, in trainee order (0 for none)."""
        return np.bincount(
            rows["row"].to_numpy(dtype="int64"),
            weights=rows["hours"].to_numpy(dtype=float),
            minlength=len(self.trainees),
        )

    def per_trainee_and_domain(self, rows: pd.DataFrame) -> np.ndarray:
        """The sum of ``rows``' hours for each (trainee, framework domain): one line per
        trainee, one column per domain, in ``domains`` order."""
        nd = len(self.domains)
        dom = pd.Index(self.domains).get_indexer(rows["topic"])
        inside = dom >= 0
        flat = np.bincount(
            rows["row"].to_numpy(dtype="int64")[inside] * nd + dom[inside],
            weights=rows["hours"].to_numpy(dtype=float)[inside],
            minlength=len(self.trainees) * nd,
        )
        return flat.reshape(len(self.trainees), nd)


@dataclass
class Check:
    """The outcome of one rule for every trainee of a group."""

    met: np.ndarray
    todo: list[str]  # what is still needed, "" where met
    counted: np.ndarray | None = None  # hours rules: the hours that counted
    missing_domains: list[str] = field(default_factory=list)


def minimum_age(g: Group, rule: MinimumAge) -> Check:
    """The person is at least ``years`` old on the as-of date (the birthday counts)."""
    years = int(rule.years.at(g.as_of))
    birth = g.trainees["birth_date"]
    by = np.array([d.year for d in birth], dtype="int64")
    bmd = np.array([d.month * 100 + d.day for d in birth], dtype="int64")
    age = g.as_of.year - by - ((g.as_of.month * 100 + g.as_of.day) < bmd)
    met = age >= years
    return Check(met, ["" if ok else f"must be {years} or older" for ok in met])


def education_accepted(g: Group, rule: EducationAccepted) -> Check:
    """The person's recorded education is one of the accepted levels."""
    accepted = set(rule.accepted.at(g.as_of))
    met = g.trainees["education"].isin(accepted).to_numpy()
    return Check(met, ["" if ok else f"{rule.label} is required" for ok in met])


def fact_holds(g: Group, rule: FactHolds) -> Check:
    """The latest record of the fact dated on or before the as-of date has the expected
    value (no record: not met). Built-in facts come from the trainee's registration."""
    if rule.fact in BUILTIN_FACTS:
        value = g.trainees[BUILTIN_FACTS[rule.fact]].to_numpy(dtype=bool)
        known = np.ones(len(value), dtype=bool)
    else:
        f = g.facts[g.facts["fact"] == rule.fact]
        rows = f["row"].to_numpy(dtype="int64")
        known = np.zeros(len(g.trainees), dtype=bool)
        value = np.zeros(len(g.trainees), dtype=bool)
        known[rows] = True
        value[rows] = f["value"].to_numpy(dtype=bool)
    met = known & (value == rule.expect)
    return Check(met, ["" if ok else f"{rule.label} is required" for ok in met])


def hours_at_least(g: Group, rule: HoursAtLeast) -> Check:
    """At least ``minimum`` hours of the rule's category (and topic, if it names one),
    counting only verified hours when ``verified_only``, only rows dated at most
    ``lookback_days`` before the as-of date when it has one, and with ``per_domain``
    more than 0 hours in every framework domain too."""
    need = float(rule.minimum.at(g.as_of))
    h = g.hours
    sel = h["category"] == rule.category
    if rule.topic is not None:
        sel &= h["topic"] == rule.topic
    if rule.category == "core":
        sel &= h["topic"].isin(g.domains)
    if rule.verified_only:
        sel &= h["verified"]
    within = ""
    if rule.lookback_days is not None:
        days = int(rule.lookback_days.at(g.as_of))
        sel &= h["lb"] <= g.windows.index(days)
        within = f" dated within the {days:,} days before {g.as_of.isoformat()}"
    rows = h[sel]
    counted = g.per_trainee(rows).round(2)
    met = counted >= need - 1e-9
    missing = [""] * len(g.trainees)
    if rule.per_domain:
        per = g.per_trainee_and_domain(rows) > 1e-9
        gaps = np.flatnonzero(~per.all(axis=1))
        for i in gaps:
            missing[i] = ";".join(d for d, ok in zip(g.domains, per[i], strict=True) if not ok)
        met &= per.all(axis=1)
    todo = [""] * len(g.trainees)
    for i in np.flatnonzero(~met):
        have, gap = counted[i], missing[i]
        bits = []
        if have < need - 1e-9:
            bits.append(f"complete {num(need - have)} more {rule.label}{within}")
        if gap:
            bits.append(f"get {rule.label} in " + gap.replace(";", ", "))
        todo[i] = "; ".join(bits)
    return Check(met, todo, counted, missing)


KINDS: dict[type, Callable[[Group, object], Check]] = {
    MinimumAge: minimum_age,
    EducationAccepted: education_accepted,
    FactHolds: fact_holds,
    HoursAtLeast: hours_at_least,
}


def check(g: Group, rule: object) -> Check:
    """Apply one rule of any kind."""
    return KINDS[type(rule)](g, rule)


def all_of(g: Group, rules: list) -> tuple[np.ndarray, list[list[str]], list[Check]]:
    """Who meets every rule, what each person still needs (in rule order), and the
    individual checks."""
    n = len(g.ids)
    met = np.ones(n, dtype=bool)
    todo: list[list[str]] = [[] for _ in range(n)]
    checks = []
    for rule in rules:
        c = check(g, rule)
        checks.append(c)
        met &= c.met
        for i in np.flatnonzero(~c.met):
            todo[i].append(c.todo[i])
    return met, todo, checks
