"""What the trainee workspace's IPython start-up file binds to ``module`` before a
notebook's first cell runs: the module of the notebook being run, opened on first use.

The notebook is found from ``$JPY_SESSION_NAME`` (set by Jupyter Server for a kernel it
starts for a notebook); its ``metadata.ppskit.module`` names the module. Elsewhere the
object answers every call with a plain instruction instead of ``NameError``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

START = (
    "This exercise needs the module's first cell. Press the Start button at the top of "
    "the page (or choose Run > Run All Cells) to show every exercise."
)


def _module_id() -> str | None:
    path = os.environ.get("JPY_SESSION_NAME", "")
    if not path.endswith(".ipynb"):
        return None
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = nb.get("metadata", {}).get("ppskit", {}).get("module")
    return value if isinstance(value, str) else None


class _Instruction:
    """Shown in place of an exercise when the module cannot be found."""

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": START, "text/html": f"<div role='status'>{START}</div>"}

    def __repr__(self) -> str:
        return START


class LazyModule:
    """Stands for ``module`` until the notebook's first cell binds the real one."""

    def __init__(self):
        self._real = None

    def _open(self):  # noqa: ANN202
        if self._real is None:
            module_id = _module_id()
            if module_id is None:
                return None
            from ppskit.exercises import open_module

            self._real = open_module(module_id)
        return self._real

    def __getattr__(self, name: str):  # noqa: ANN204
        real = self._open()
        if real is None:
            return lambda *a, **k: _Instruction()
        return getattr(real, name)


def lazy_module() -> LazyModule:
    """The object the start-up file binds to ``module``."""
    return LazyModule()
