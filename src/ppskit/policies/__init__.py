"""Policy profiles: one YAML file per certifying body, validated by :class:`Policy`.

Code reads every threshold from here; nothing is restated as a constant.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict, Field

# The C loader parses ~8x faster; notebooks pay this at every kernel start.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_PROFILE = "ca-ppss"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Eligibility(_Strict):
    minimum_age: int = Field(ge=0)
    lived_experience_required: bool
    accepted_education: list[str]
    id_required: bool


class Training(_Strict):
    minimum_core_hours: float = Field(gt=0)
    typical_maximum_core_hours: float = Field(gt=0)
    verified_only: bool = True
    every_domain_required: bool = True


class Exam(_Strict):
    section_pass_pct: float = Field(gt=0, le=100)
    sections: str = "framework"


class Retake(_Strict):
    window_days: int = Field(ge=0)
    max_sittings_per_series: int = Field(ge=1)
    failed_sections_only: bool = True


class Certificate(_Strict):
    valid_years: int = Field(ge=1)


class Renewal(_Strict):
    ce_hours_required: float = Field(ge=0)
    extends_years: int = Field(ge=1)
    due_window_days: int = Field(ge=0)


class Grandfathering(_Strict):
    employed_on: date
    waives_core_hours: bool
    transition_days: int | None = Field(default=None, ge=0)
    # The form id under which the special examination is recorded.
    exam_form: str = Field(default="GF", pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")


class Reciprocity(_Strict):
    statewide: bool
    out_of_state_must_apply_and_test: bool


class Complaints(_Strict):
    file_within_days: int
    investigate_within_days: int
    corrective_response_within_days: int
    appeal_within_days: int


class Policy(_Strict):
    """A certifying body's rules."""

    id: str
    name: str
    source: str
    eligibility: Eligibility
    training: Training
    exam: Exam
    retake: Retake
    certificate: Certificate
    renewal: Renewal
    grandfathering: Grandfathering
    reciprocity: Reciprocity
    complaints: Complaints


def available_profiles() -> list[str]:
    """Ids of every packaged profile."""
    return sorted(
        p.name.removesuffix(".yaml")
        for p in files(__package__).iterdir()
        if p.name.endswith(".yaml")
    )


@cache
def load_policy(profile: str | None = None) -> Policy:
    """Load and validate a policy profile by id (default ``ca-ppss``)."""
    profile = profile or DEFAULT_PROFILE
    if profile not in available_profiles():
        raise KeyError(
            f"unknown policy profile {profile!r}; known: {', '.join(available_profiles())}"
        )
    text = files(__package__).joinpath(f"{profile}.yaml").read_text(encoding="utf-8")
    return Policy.model_validate(yaml.load(text, Loader=_Loader))
