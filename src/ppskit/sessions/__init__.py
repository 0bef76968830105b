"""Facilitated sessions: the guides trainers run (``guides/<id>.yaml``), validated by
:mod:`ppskit.sessions.schema`. A guide's agenda minutes are the session's credited hours."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import ValidationError

from ppskit.sessions.schema import SessionGuide

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class GuideError(ValueError):
    """A session guide is missing or does not follow the schema."""


def guides_dir() -> Path:
    """The packaged folder of session guides."""
    return Path(str(files("ppskit.sessions").joinpath("guides")))


def available_guides() -> list[str]:
    """Ids of the packaged guides, sorted."""
    return sorted(p.stem for p in guides_dir().glob("*.yaml"))


@cache
def load_guide(guide_id: str) -> SessionGuide:
    """Load and validate one guide (raises :class:`GuideError` in plain words)."""
    path = guides_dir() / f"{guide_id}.yaml"
    if not path.is_file():
        raise GuideError(f"There is no session guide {guide_id!r} (no file {path.name}).")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        guide = SessionGuide.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise GuideError(f"{path.name} does not follow the session-guide format:\n{exc}") from None
    if guide.id != guide_id:
        raise GuideError(f"{path.name} says id {guide.id!r}, expected {guide_id!r}.")
    return guide


def guides_for(topic: str) -> list[SessionGuide]:
    """The guides that give hours in one domain or CE specialty."""
    return [g for g in map(load_guide, available_guides()) if g.topic == topic]
