"""Policy profiles: one YAML file per certifying body, validated by :class:`Policy`.

A profile is data. Its requirements are of a few kinds the engine knows (see
:mod:`ppskit.rules`); every number a body fixes is a :class:`Param` that says where it
comes from (``reference``), whether it was confirmed (``unverified``) and, like an
OpenFisca parameter, the value in force from each date (``values:`` keyed by the date
it takes effect). Code reads every threshold and every wording from here.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

# The C loader parses ~8x faster; notebooks pay this at every kernel start.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_PROFILE = "ca-ppss"

#: Facts every trainee row carries (the trainees table), readable by ``fact`` rules.
BUILTIN_FACTS = {"lived-experience": "lived_experience", "id-verified": "id_verified"}

T = TypeVar("T")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Param(_Strict, Generic[T]):
    """A value a body fixes, with its source and the dates it took effect.

    In YAML either a bare value, or ``{value: ...}`` / ``{values: {DATE: ...}}`` with
    ``description``, ``reference`` and ``unverified``. Before the first dated value the
    earliest one applies (a profile states its rules from when the kit uses them).
    """

    description: str = ""
    reference: str = ""
    unverified: bool = False
    values: dict[date, T]

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return {"values": {date.min: data}}
        if "value" in data:
            rest = {k: v for k, v in data.items() if k != "value"}
            return {**rest, "values": {date.min: data["value"]}}
        return data

    def at(self, day: date | None = None) -> T:
        """The value in force on ``day`` (the latest value when ``day`` is None)."""
        items = sorted(self.values.items())
        if day is None:
            return items[-1][1]
        current = items[0][1]
        for start, value in items:
            if start <= day:
                current = value
        return current

    @property
    def since(self) -> date | None:
        """The date the latest value took effect (None when it always applied)."""
        start = max(self.values)
        return None if start == date.min else start


# --------------------------------------------------------------------------- rules


class _Rule(_Strict):
    label: str  # plain words for messages: "a high-school diploma or GED"
    reference: str = ""
    unverified: bool = False


class MinimumAge(_Rule):
    """The person is at least ``years`` old on the date."""

    kind: Literal["minimum-age"]
    years: Param[int]


class EducationAccepted(_Rule):
    """The person's recorded education is one of ``accepted``."""

    kind: Literal["education"]
    accepted: Param[list[str]]


class FactHolds(_Rule):
    """A yes/no fact about the person has the expected value on the date."""

    kind: Literal["fact"]
    fact: str
    expect: bool = True


class HoursAtLeast(_Rule):
    """At least ``minimum`` hours of a category (optionally one topic, optionally dated
    within a look-back window, optionally with hours in every framework domain)."""

    kind: Literal["hours"]
    category: Literal["core", "ce", "supervision", "work", "specialization"]
    minimum: Param[float]
    topic: str | None = None
    lookback_days: Param[int] | None = None
    per_domain: bool = False
    verified_only: bool = True


Rule = Annotated[
    MinimumAge | EducationAccepted | FactHolds | HoursAtLeast, Field(discriminator="kind")
]


class Requirements(_Strict):
    """What each stage needs. ``active``: what a certificate holder must keep meeting,
    else the stage is ``inactive``."""

    eligible: list[Rule] = []
    training: list[Rule] = []
    active: list[Rule] = []
    training_typical_maximum_hours: Param[float] | None = None


class RetakeRules(_Strict):
    """How sittings form a series. ``scope``: a retake holds only the failed sections,
    or the whole exam. ``window_days``: a retake is dated at most this many days after
    the previous sitting. ``series_days``: sittings count only within this many days of
    the series' first sitting. ``after_limit``: when the sittings are used up, a new
    series may start (``new-series``) or the training must be taken again (``retrain``)."""

    scope: Literal["failed-sections", "whole-exam"]
    max_sittings: Param[int]
    window_days: Param[int] | None = None
    series_days: Param[int] | None = None
    after_limit: Literal["new-series", "retrain"] = "new-series"


class ExamSection(_Strict):
    """A scored section that groups framework domains (its items are theirs)."""

    label: str
    domains: list[str] = Field(min_length=1)
    reference: str = ""
    unverified: bool = False


_SECTION_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class ExamRules(_Strict):
    """Exam structure and scoring: one section per framework domain (``framework``), one
    ``total``, or a mapping of section id -> ``{label, domains}`` that puts every framework
    domain in exactly one section (each section says where the grouping comes from)."""

    sections: Literal["framework", "total"] | dict[str, ExamSection]
    pass_pct: Param[float]
    retake: RetakeRules
    items: Param[int] | None = None
    minutes: Param[int] | None = None
    delivery: str = ""
    # What a trainee's feedback page shows: ``sections`` (section scores, pass/fail and
    # study pointers) or ``items`` (also each question right or wrong). Item-level
    # feedback turns feedback pages into answer keys for a bank that is reused, so a
    # certification exam keeps the default.
    feedback: Literal["sections", "items"] = "sections"
    # Office work (accommodation requests): a request received after this many days
    # before the exam date is flagged late (CalMHSA: at least 30 days before).
    accommodation_lead_days: Param[int] | None = None

    @model_validator(mode="after")
    def _grouping_covers_framework(self) -> ExamRules:
        if not isinstance(self.sections, dict):
            return self
        from ppskit.framework import load_framework

        domains = list(load_framework().domain_ids)
        bad = [s for s in self.sections if not _SECTION_ID.match(s) or s == "total"]
        if bad:
            raise ValueError(f"section ids must be kebab-case (not 'total'): {', '.join(bad)}")
        seen: dict[str, str] = {}
        for sid, sec in self.sections.items():
            for d in sec.domains:
                if d not in domains:
                    raise ValueError(f"section {sid}: '{d}' is not a framework domain")
                if d in seen:
                    raise ValueError(f"domain '{d}' is in sections {seen[d]} and {sid}")
                seen[d] = sid
        missing = [d for d in domains if d not in seen]
        if missing:
            raise ValueError(f"framework domains in no exam section: {', '.join(missing)}")
        return self


class CeTopicMinimum(_Strict):
    """At least ``minimum`` of the period's CE hours have this topic."""

    topic: str
    label: str
    minimum: Param[float]
    reference: str = ""
    unverified: bool = False


class CertificatePeriod(_Strict):
    """``years``: a certificate runs ``years`` from issue (a renewal adds ``years`` to the
    old expiry). ``state-cycle``: periods end on ``first_end`` and every ``years`` after;
    a certificate issued on D expires the day after the first period end on or after D."""

    kind: Literal["years", "state-cycle"]
    years: Param[int]
    first_end: date | None = None
    reference: str = ""
    unverified: bool = False

    @model_validator(mode="after")
    def _cycle_needs_end(self) -> CertificatePeriod:
        if self.kind == "state-cycle" and self.first_end is None:
            raise ValueError("a state-cycle period needs first_end")
        return self


class RenewalAudit(_Strict):
    """A random audit of renewals for CE (``ppskit audit``): ``rate`` is the percent of a
    period's renewals drawn; ``on_fail`` is what a failed audit does to the renewal:
    ``deny`` (the renewal never took effect: the certificate ends at its old expiry) or
    ``withdraw`` (the renewal held until the decision and ends then)."""

    rate: Param[float]
    on_fail: Param[Literal["deny", "withdraw"]]


class Renewal(_Strict):
    """Renewal: inside [expires_on - window_days, expires_on), with enough CE hours
    dated in the current period."""

    window_days: Param[int]
    ce_hours: Param[float]
    ce_topics: list[CeTopicMinimum] = []
    # Days before expires_on on which a renewal-due notice is written (ppskit notices run);
    # None: the profile sends no renewal reminders.
    notice_days: Param[list[int]] | None = None
    audit: RenewalAudit | None = None


class Certification(_Strict):
    period: CertificatePeriod
    renewal: Renewal


class Declared(_Strict):
    """A fact or specialization a profile declares (ids are what CSV files carry)."""

    label: str
    description: str = ""
    reference: str = ""
    unverified: bool = False


#: The kinds of fee a profile's schedule may list (``fees:`` keys); ``ppskit fees
#: charge`` takes one of them. ``certification`` is the issuance fee, ``late-renewal`` the
#: fee for a renewal after the deadline (charged on top of ``renewal``).
FEE_KINDS = (
    "application",
    "exam",
    "retake",
    "certification",
    "renewal",
    "late-renewal",
    "replacement",
    "reinstatement",
)


class Fee(_Strict):
    """One line of the fee schedule; ``amount`` is dated (the value in force on the day
    of the charge is what is charged)."""

    label: str
    amount: Param[float]

    @model_validator(mode="after")
    def _not_negative(self) -> Fee:
        if any(v < 0 for v in self.amount.values.values()):
            raise ValueError(f"fee '{self.label}' has a negative amount")
        return self


class Grandfathering(_Strict):
    employed_on: date
    waives_core_hours: bool
    transition_days: int | None = Field(default=None, ge=0)
    # The form id under which the special examination is recorded.
    exam_form: str = Field(default="GF", pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")
    reference: str = ""
    unverified: bool = False


class Reciprocity(_Strict):
    """Changes of county and state (seed 002 item 3). ``statewide``: a certificate holds
    in every county, so a county transfer only records the move. ``requirements``: what
    an out-of-state (reciprocity) applicant must show besides ``requirements.eligible``,
    as engine rules on ledger records (facts, hours); ``out_of_state_must_apply_and_test``:
    the state exam is still required after a reciprocity approval."""

    statewide: bool
    out_of_state_must_apply_and_test: bool
    reference: str = ""
    requirements: list[Rule] = []


class Applications(_Strict):
    """Applications and eligibility decisions: a denial may be appealed within
    ``appeal_within_days`` of the decision (the last day counts)."""

    appeal_within_days: Param[int]


class Complaints(_Strict):
    file_within_days: int
    investigate_within_days: int
    corrective_response_within_days: int
    appeal_within_days: int
    reference: str = ""


# ----------------------------------------------------------------- supervision


class _Qualification(_Strict):
    label: str  # plain words for messages: "5+ years as a Parent Peer Support Specialist"
    reference: str = ""
    unverified: bool = False


class LivedExperienceQualifies(_Qualification):
    """The supervisor is a parent whose child received behavioral health services in the
    public children's system of care (recorded as ``lived-experience: yes``)."""

    kind: Literal["lived-experience"]


class PpssYearsQualifies(_Qualification):
    """The supervisor has at least ``minimum`` years as a Parent Peer Support Specialist."""

    kind: Literal["ppss-years"]
    minimum: Param[float]


class ManagingQualifies(_Qualification):
    """The supervisor has experience managing others."""

    kind: Literal["managing"]


class LicenceQualifies(_Qualification):
    """The supervisor holds a licence of an ``accepted`` kind, not expired on the date."""

    kind: Literal["licence"]
    accepted: Param[list[str]]


class CourseQualifies(_Qualification):
    """The supervisor completed the body's supervisor course on or before the date."""

    kind: Literal["supervisor-course"]


Qualification = Annotated[
    LivedExperienceQualifies
    | PpssYearsQualifies
    | ManagingQualifies
    | LicenceQualifies
    | CourseQualifies,
    Field(discriminator="kind"),
]


class SupervisionCadence(_Strict):
    """How much supervision keeps a specialist supervised. ``per-period``: at least
    ``hours`` in the ``period_days`` days up to and including the date. ``per-hours-worked``:
    ``hours`` for every full ``worked_hours`` hours of work logged."""

    kind: Literal["per-period", "per-hours-worked"]
    hours: Param[float]
    period_days: Param[int] | None = None
    worked_hours: Param[float] | None = None

    @model_validator(mode="after")
    def _kind_has_its_number(self) -> SupervisionCadence:
        if self.kind == "per-period" and self.period_days is None:
            raise ValueError("a per-period supervision cadence needs period_days")
        if self.kind == "per-hours-worked" and self.worked_hours is None:
            raise ValueError("a per-hours-worked supervision cadence needs worked_hours")
        return self


class Supervision(_Strict):
    """Who may supervise a specialist (every ``qualifies`` rule, on the session's date)
    and how often (``cadence``)."""

    qualifies: list[Qualification] = Field(min_length=1)
    cadence: SupervisionCadence
    reference: str = ""


class Text(_Strict):
    """A passage of the body's own wording for the handbook, with its source."""

    text: str
    reference: str = ""
    unverified: bool = False


class Policy(_Strict):
    """A certifying body's rules."""

    id: str
    name: str
    body: str = ""
    source: str
    currency: str = "USD"
    stage_labels: dict[str, str] = {}
    facts: dict[str, Declared] = {}
    specializations: dict[str, Declared] = {}
    requirements: Requirements
    exam_rules: ExamRules
    certification: Certification
    fees: dict[Literal[FEE_KINDS], Fee] = {}  # type: ignore[valid-type]
    grandfathering: Grandfathering | None = None
    reciprocity: Reciprocity | None = None
    applications: Applications | None = None
    complaints: Complaints | None = None
    supervision: Supervision | None = None
    handbook: dict[str, Text] = {}
    # The state law sheet (ppskit.statelaw) a module shows this profile's trainees; None
    # for a national certification.
    state_sheet: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")

    @model_validator(mode="after")
    def _facts_declared(self) -> Policy:
        rules = [*self.requirements.eligible, *self.requirements.training]
        rules += self.requirements.active
        rules += self.reciprocity.requirements if self.reciprocity else []
        for r in rules:
            if (
                isinstance(r, FactHolds)
                and r.fact not in self.facts
                and r.fact not in BUILTIN_FACTS
            ):
                raise ValueError(f"fact '{r.fact}' is used by a rule but not declared in facts")
            if (
                isinstance(r, HoursAtLeast)
                and r.category == "specialization"
                and r.topic not in self.specializations
            ):
                raise ValueError(f"specialization '{r.topic}' is not declared")
        return self

    def stage_label(self, stage: str) -> str:
        """The body's own name for a stage (the pinned id when it has none)."""
        return self.stage_labels.get(stage, stage)

    # Views for the surfaces written when a profile had one fixed shape (exam notebooks,
    # reports). They give the value in force now; the engine reads the rules above.
    @property
    def exam(self) -> _View:
        return _View(
            section_pass_pct=self.exam_rules.pass_pct.at(),
            sections="grouped"
            if isinstance(self.exam_rules.sections, dict)
            else self.exam_rules.sections,
        )

    @property
    def retake(self) -> _View:
        r = self.exam_rules.retake
        return _View(
            window_days=r.window_days.at()
            if r.window_days
            else r.series_days.at()
            if r.series_days
            else 0,
            max_sittings_per_series=r.max_sittings.at(),
            failed_sections_only=r.scope == "failed-sections",
        )

    @property
    def training(self) -> _View:
        core = self.core_rule
        typical = self.requirements.training_typical_maximum_hours
        return _View(
            minimum_core_hours=core.minimum.at() if core else 0.0,
            typical_maximum_core_hours=typical.at() if typical else None,
            every_domain_required=bool(core and core.per_domain),
        )

    @property
    def certificate(self) -> _View:
        return _View(valid_years=self.certification.period.years.at())

    @property
    def renewal(self) -> _View:
        r = self.certification.renewal
        return _View(
            ce_hours_required=r.ce_hours.at(),
            extends_years=self.certification.period.years.at(),
            due_window_days=r.window_days.at(),
        )

    @property
    def core_rule(self) -> HoursAtLeast | None:
        """The first training rule on core hours (it fills the ``core_hours`` column)."""
        for r in self.requirements.training:
            if isinstance(r, HoursAtLeast) and r.category == "core":
                return r
        return None

    @property
    def sections(self) -> list[str]:
        """The exam's section ids, in order."""
        return list(self.section_domains)

    @property
    def section_domains(self) -> dict[str, list[str]]:
        """Section id -> the framework domains whose items it scores, in order."""
        return _section_domains(self)

    def section_of(self, domain: str) -> str:
        """The section that scores a framework domain's items."""
        for sid, domains in self.section_domains.items():
            if domain in domains:
                return sid
        raise KeyError(f"'{domain}' is not a framework domain of profile {self.id}")

    def section_label(self, section: str) -> str:
        """Plain name of a section for messages: the profile's label, the domain's name
        for a per-domain section, "the whole exam" for ``total``."""
        rules = self.exam_rules.sections
        if isinstance(rules, dict):
            return rules[section].label if section in rules else section
        if section == "total":
            return "the whole exam"
        from ppskit.framework import load_framework

        try:
            return load_framework().domain(section).name
        except KeyError:
            return section


def _section_domains(policy: Policy) -> dict[str, list[str]]:
    from ppskit.framework import load_framework

    domains = list(load_framework().domain_ids)
    rules = policy.exam_rules.sections
    if rules == "total":
        return {"total": domains}
    if rules == "framework":
        return {d: [d] for d in domains}
    # Domains in framework order within each section, whatever order the YAML lists.
    return {sid: [d for d in domains if d in sec.domains] for sid, sec in rules.items()}


class _View:
    """Attribute bag for the legacy views."""

    def __init__(self, **kw: Any) -> None:  # noqa: ANN401
        self.__dict__.update(kw)


def _profile_dir():  # noqa: ANN202
    return files(__package__)


def available_profiles() -> list[str]:
    """Ids of every packaged profile."""
    return sorted(
        p.name.removesuffix(".yaml") for p in _profile_dir().iterdir() if p.name.endswith(".yaml")
    )


def parse_policy(text: str) -> Policy:
    """Validate a profile's YAML text."""
    return Policy.model_validate(yaml.load(text, Loader=_Loader))


def load_policy_file(path: Path | str) -> Policy:
    """Load and validate a profile from a file (e.g. a body's edited copy)."""
    return parse_policy(Path(path).read_text(encoding="utf-8"))


@cache
def load_policy(profile: str | None = None) -> Policy:
    """Load and validate a policy profile by id (default ``ca-ppss``)."""
    profile = profile or DEFAULT_PROFILE
    if profile not in available_profiles():
        raise KeyError(
            f"unknown policy profile {profile!r}; known: {', '.join(available_profiles())}"
        )
    return parse_policy(_profile_dir().joinpath(f"{profile}.yaml").read_text(encoding="utf-8"))


def declared_facts() -> set[str]:
    """Every fact id some packaged profile declares (what ``ppskit facts import`` accepts)."""
    return {f for p in available_profiles() for f in load_policy(p).facts}
