"""The competency framework (domains, legislative competencies, specialty CE, modules).

The YAML file next to this module is the single source of truth; code reads it through
:func:`load_framework` and never restates domain ids or hours.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

# The C loader parses ~8x faster; notebooks pay this at every kernel start.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_KEBAB = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Domain(_Strict):
    """A core competency domain; its id is also the exam section id."""

    id: str = Field(pattern=_KEBAB)
    name: str
    planned_hours: float = Field(gt=0)
    subtopics: list[str] = Field(min_length=1)


class Legislative(_Strict):
    """One of the 16 competencies named in legislation, with the modules that teach it."""

    id: str = Field(pattern=_KEBAB)
    name: str
    taught_in: list[str] = Field(min_length=1)
    note: str | None = None


class Specialty(_Strict):
    """A specialty competency that may count toward continuing education."""

    id: str = Field(pattern=_KEBAB)
    name: str


class Module(_Strict):
    """A notebook under ``modules/``: core modules give core hours, specialty ones CE."""

    id: str = Field(pattern=_KEBAB)
    path: str
    kind: Literal["core", "specialty"]
    domain: str | None = None
    specialty: str | None = None
    hours: float = Field(gt=0, le=24)

    @property
    def category(self) -> str:
        """Ledger category the module's hours count toward (``core`` or ``ce``)."""
        return "core" if self.kind == "core" else "ce"

    @property
    def topic(self) -> str:
        """Ledger topic: the domain id for core modules, the specialty id for CE."""
        return self.domain if self.kind == "core" else self.specialty  # type: ignore[return-value]


class HoursRange(_Strict):
    minimum: float
    typical_maximum: float


class Framework(_Strict):
    """The whole competency framework."""

    version: str
    training_hours: HoursRange
    domains: list[Domain]
    legislative: list[Legislative]
    specialty: list[Specialty]
    modules: list[Module]

    @model_validator(mode="after")
    def _cross_references(self) -> Framework:
        domain_ids = [d.id for d in self.domains]
        if len(set(domain_ids)) != len(domain_ids):
            raise ValueError("domain ids must be unique")
        module_ids = {m.id for m in self.modules}
        if len(module_ids) != len(self.modules):
            raise ValueError("module ids must be unique")
        specialty_ids = {s.id for s in self.specialty}
        planned = sum(d.planned_hours for d in self.domains)
        lo, hi = self.training_hours.minimum, self.training_hours.typical_maximum
        if not lo <= planned <= hi:
            raise ValueError(f"planned core hours {planned} outside {lo}-{hi}")
        for m in self.modules:
            if m.kind == "core" and m.domain not in domain_ids:
                raise ValueError(f"module {m.id}: unknown domain {m.domain!r}")
            if m.kind == "specialty" and m.specialty not in specialty_ids:
                raise ValueError(f"module {m.id}: unknown specialty {m.specialty!r}")
        for leg in self.legislative:
            for mod in leg.taught_in:
                if mod not in module_ids:
                    raise ValueError(f"legislative {leg.id}: unknown module {mod!r}")
        return self

    @property
    def domain_ids(self) -> list[str]:
        """Domain ids in framework order (also the exam's section order)."""
        return [d.id for d in self.domains]

    def domain(self, domain_id: str) -> Domain:
        """Return one domain by id."""
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise KeyError(domain_id)

    def module(self, module_id: str) -> Module:
        """Return one module by id."""
        for m in self.modules:
            if m.id == module_id:
                return m
        raise KeyError(module_id)


@cache
def load_framework() -> Framework:
    """Load and validate the packaged competency framework."""
    text = files(__package__).joinpath("competencies.yaml").read_text(encoding="utf-8")
    return Framework.model_validate(yaml.load(text, Loader=_Loader))
