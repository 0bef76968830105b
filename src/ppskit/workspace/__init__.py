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


def copy_modules(source: Path | str, home: Path) -> list[Path]:
    """Give the trainee their own copy of the module notebooks (``home/modules``): the
    files they do not have yet; a notebook already there is theirs and is kept."""
    source = Path(source)
    copied = []
    for path in sorted(source.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        dest = home / "modules" / path.relative_to(source)
        if dest.exists():
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        copied.append(dest)
    return copied


def install(home: Path | str | None = None, *, modules: Path | str | None = None) -> list[Path]:
    """Write the trainee workspace into ``home`` (default: this account's home), and with
    ``modules`` (a folder of module notebooks) the trainee's own copy of them; returns
    the files written. Safe to run again; the person's other settings are kept."""
    home = Path(home) if home is not None else Path.home()
    written = copy_modules(modules, home) if modules is not None else []
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


def prepare_trainee_spawner(spawner, modules: Path | str | None = None) -> None:  # noqa: ANN001
    """JupyterHub ``pre_spawn_hook`` part (called by :func:`ppskit.hub.config.prepare_spawner`
    for trainees): write the workspace, and their copy of ``modules``, into the trainee's
    home **as the trainee** (the hub runs as root; writing into a home folder the trainee
    controls is done with their own rights, never root's). Failures are logged, never
    stop the server from starting."""
    import logging
    import os
    import pwd
    import subprocess
    import sys

    log = getattr(spawner, "log", logging.getLogger("ppskit.workspace"))
    name = getattr(getattr(spawner, "user", None), "name", None)
    try:
        account = pwd.getpwnam(name) if name else None
    except KeyError:
        account = None
    if account is None:
        log.warning("ppskit workspace: no Unix account %s; not written", name)
        return
    python = spawner.cmd[0] if getattr(spawner, "cmd", None) else sys.executable
    cmd = [python, "-m", "ppskit", "workspace", "install"]
    if modules is not None:
        cmd += ["--modules", str(modules)]
    if os.geteuid() == 0 and account.pw_uid != 0:
        cmd = ["runuser", "-u", name, "--", *cmd]
    env = {
        "HOME": account.pw_dir,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
        **{k: str(v) for k, v in spawner.environment.items() if k == "LD_LIBRARY_PATH"},
    }
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        log.warning("ppskit workspace for %s not written: %s", name, done.stderr[-500:])
