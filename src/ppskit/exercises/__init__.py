"""Interactive exercises for the module notebooks (ipywidgets 8).

A notebook holds no logic and no answers. Its one setup cell is::

    from ppskit.exercises import open_module

    module = open_module("<module-id>")

then one cell per exercise, ``module.exercise("<exercise-id>")``, and a closing
``module.finish()``. Exercise text, keys and feedback come from the packaged
``content/<module-id>.yaml``, validated by :mod:`ppskit.exercises.schema`.

Importing this package is deliberately light (no ipywidgets, pandas, matplotlib or
SQLAlchemy): widgets load in :func:`open_module`, the ledger only when a button records
progress or hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ppskit.exercises.loader import ContentError, available, content_dir, load_content

if TYPE_CHECKING:
    from ppskit.exercises.module import BrokenModule, Module

__all__ = ["ContentError", "available", "content_dir", "load_content", "open_module"]


def open_module(
    module_id: str,
    *,
    trainee: str | None = None,
    db: str | None = None,
    content_dir: str | None = None,
) -> Module | BrokenModule:
    """Open a module's exercises for a notebook.

    ``trainee`` defaults to ``$PPSKIT_TRAINEE``, then ``$JUPYTERHUB_USER``; when neither
    is set the notebook asks for the id when it is needed. ``db`` is a SQLAlchemy URL for
    the ledger (default: the ledger's own default). If the module or its exercise file
    cannot be opened, the returned object explains the problem in plain words wherever
    the notebook shows an exercise, instead of raising.
    """
    from ppskit.exercises.module import BrokenModule, Module
    from ppskit.framework import load_framework

    try:
        info = load_framework().module(module_id)
    except KeyError:
        return BrokenModule(module_id, "There is no module with this id in the framework.")
    try:
        content = load_content(module_id, content_dir)
    except ContentError as exc:
        return BrokenModule(module_id, str(exc))
    return Module(info, content, trainee=trainee, db=db)
