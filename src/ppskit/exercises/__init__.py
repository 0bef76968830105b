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
    backend=None,  # noqa: ANN001
    show_header: bool = True,
) -> Module | BrokenModule:
    """Open a module's exercises for a notebook.

    The trainee is found as :mod:`ppskit.exercises.identity` says (``trainee``, then
    ``$PPSKIT_TRAINEE``, the hub user, the remembered sign-in), else signs in on the
    header, which a notebook shows at once (``show_header``; only inside a kernel).
    ``db`` is a SQLAlchemy URL for the ledger; ``backend`` replaces the ledger (the hub's
    progress service, a test double). If the module or its exercise file cannot be
    opened, the returned object explains the problem in plain words wherever the
    notebook shows an exercise, instead of raising.
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
    module = Module(info, content, trainee=trainee, db=db, backend=backend)
    if show_header:
        _display_in_kernel(module.header)
    return module


def _display_in_kernel(make) -> None:  # noqa: ANN001
    """Display ``make()`` when running in a Jupyter kernel (not in a plain script)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the kernel
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return
    from IPython.display import display

    display(make())
