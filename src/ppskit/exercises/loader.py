"""Find and validate a module's exercise file (``content/<module-id>.yaml``).

Kept free of widget imports so the curriculum checks and the CLI can read exercise data
without loading ipywidgets.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import ValidationError

from ppskit.exercises.schema import ModuleContent
from ppskit.framework import Module as ModuleInfo
from ppskit.framework import load_framework

#: Environment variable pointing at another folder of ``<module-id>.yaml`` files
#: (used by tests and by a translated edition under development).
CONTENT_ENV = "PPSKIT_CONTENT_DIR"


#: Start of the plain text of every problem shown instead of an exercise, so a headless
#: run can detect a notebook that asks for something that does not exist.
PROBLEM_MARKER = "ppskit problem:"


class ContentError(ValueError):
    """An exercise file is missing or does not follow the pinned format."""


def content_dir(override: str | os.PathLike | None = None) -> Path:
    """Return the folder that holds the exercise files.

    ``override`` wins, then ``$PPSKIT_CONTENT_DIR``, then the packaged ``content/`` folder.
    """
    chosen = override or os.environ.get(CONTENT_ENV)
    if chosen:
        return Path(chosen)
    return Path(str(files("ppskit.exercises").joinpath("content")))


def content_file(module_id: str, directory: str | os.PathLike | None = None) -> Path:
    """Path of the exercise file for ``module_id`` (it may not exist)."""
    return content_dir(directory) / f"{module_id}.yaml"


def available(directory: str | os.PathLike | None = None) -> list[str]:
    """Module ids that have an exercise file, sorted."""
    folder = content_dir(directory)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.yaml") if not p.name.startswith("_"))


_CACHE: dict[tuple[str, float], ModuleContent] = {}
# libyaml's safe loader when present: same result as yaml.safe_load, several times faster,
# which matters because every notebook opens its module's file at start.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_content(module_id: str, directory: str | os.PathLike | None = None) -> ModuleContent:
    """Load and validate the exercises of one module.

    Raises :class:`ContentError` with a plain explanation when the file is missing,
    is not valid YAML, does not follow the format, or names another module.
    """
    path = content_file(module_id, directory)
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        raise ContentError(
            f"The exercises for module {module_id!r} are missing (no file {path})."
        ) from None
    key = (str(path), stamp)
    if key in _CACHE:
        return _CACHE[key]
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name} is not valid YAML: {exc}") from None
    try:
        content = ModuleContent.model_validate(raw)
    except ValidationError as exc:
        raise ContentError(f"{path.name} does not follow the exercise format:\n{exc}") from None
    if content.module != module_id:
        raise ContentError(f"{path.name} says module {content.module!r}, expected {module_id!r}.")
    _CACHE[key] = content
    return content


def module_title(info: ModuleInfo) -> str:
    """A readable title: the domain or specialty name, else the id in words."""
    framework = load_framework()
    names = {d.id: d.name for d in framework.domains}
    names.update({s.id: s.name for s in framework.specialty})
    if info.id in names:
        return names[info.id]
    return info.id.replace("-", " ").capitalize()
