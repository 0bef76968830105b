"""The trainee workspace: the JupyterLab a parent meets, with nothing of a programmer's
or an instructor's in sight.

:func:`install` writes, into a trainee's home folder (or ``/etc/skel`` for every new
account):

* JupyterLab user settings: no news or update pop-ups; a **Start** button on every
  notebook's toolbar that runs the page (modules never need Shift+Enter); an **Exams**
  menu that opens nbgrader's assignment list (how a trainee fetches and hands in an
  exam);
* a page config that disables nbgrader's instructor extensions (formgrader, create
  assignment, course list, validate, its instructor menu) and a server config that
  turns off their server parts, keeping the assignment list;
* a style sheet that hides JupyterLab's one-line preview of hidden code (and the
  execution counts), so a module shows only its text and exercises;
* an IPython start-up file, so an exercise cell run before the module's first cell
  explains itself instead of showing ``NameError``.

The files are data next to this module (``files/``); nothing here restates them.
"""

from __future__ import annotations

import json
import shutil
from importlib.resources import files
from pathlib import Path

#: Where each packaged file goes, relative to the home folder.
TARGETS = {
    "notification.jupyterlab-settings": (
        ".jupyter/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
    ),
    "panel.jupyterlab-settings": (
        ".jupyter/lab/user-settings/@jupyterlab/notebook-extension/panel.jupyterlab-settings"
    ),
    "mainmenu.jupyterlab-settings": (
        ".jupyter/lab/user-settings/@jupyterlab/mainmenu-extension/plugin.jupyterlab-settings"
    ),
    "page_config.json": ".jupyter/labconfig/page_config.json",
    "jupyter_server_config.json": ".jupyter/jupyter_server_config.json",
    "custom.css": ".jupyter/custom/custom.css",
    "50-ppskit-module.py": ".ipython/profile_default/startup/50-ppskit-module.py",
}


def packaged(name: str) -> Path:
    """A packaged workspace file."""
    return Path(str(files("ppskit.workspace").joinpath("files", name)))


def _merge_json(src: Path, dest: Path) -> None:
    """Write ``src``'s keys into ``dest`` (a JSON file that may hold the person's own
    settings), keeping the keys ppskit does not set."""
    ours = json.loads(src.read_text(encoding="utf-8"))
    try:
        theirs = json.loads(dest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        theirs = {}

    def merge(a: dict, b: dict) -> dict:
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    dest.write_text(json.dumps(merge(theirs, ours), indent=2) + "\n", encoding="utf-8")


def install(home: Path | str | None = None) -> list[Path]:
    """Write the trainee workspace into ``home`` (default: this account's home); returns
    the files written. Safe to run again; the person's other settings are kept."""
    home = Path(home) if home is not None else Path.home()
    written = []
    for name, rel in TARGETS.items():
        dest = home / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        src = packaged(name)
        if not name.endswith((".json", "-settings")):
            shutil.copyfile(src, dest)
        else:
            _merge_json(src, dest)
        written.append(dest)
    return written
