"""``ppskit doctor``: the install and permission facts a trainer gets wrong, checked.

On a shared machine (a JupyterHub where every trainee is a Unix user) the course
directory holds the item bank with its keys, the source notebooks with their hidden
tests, every trainee's submissions and the ledger. None of it may be readable by the
trainees' accounts; they receive exams through nbgrader's exchange. Each check here is
a small function taking a :class:`Setup` and returning :class:`Result` rows (ok,
warning or problem, a plain sentence and the exact command that fixes it); more checks
are added by appending to :data:`CHECKS`. The permission fixes that only take access
away are also attached as :class:`Tighten` repairs, which ``--fix`` applies.

Access is judged inside the course directory: a file counts as readable by other users
when every folder from the course root down to it lets them pass (``o+x``) and the file
lets them read (``o+r``). Folders above the course root are not relied on, because a
course directory is copied, moved and backed up with its own modes.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

OK, WARNING, PROBLEM = "ok", "warning", "problem"

#: Folders of the course directory that only the trainer (and fellow graders) may open,
#: with what each holds (said in the message when one is open to other users).
TRAINER_ONLY = {
    "assessments": "the item bank with every answer key",
    "source": "the exam notebooks with their hidden tests",
    "submitted": "the trainees' handed-in exams",
    "autograded": "the graded copies of the trainees' exams",
    "feedback": "every trainee's feedback pages",
    "gradebook": "the grade databases, the ledger and the exam keys",
    ".git": "the git history, which holds the item bank and the source notebooks",
}
#: The exam keys file the grading side keeps under the exam state folder.
KEYS_FILE = Path("gradebook") / "exam" / "keys.json"


@dataclass(frozen=True)
class Tighten:
    """A safe repair: remove ``remove`` mode bits from ``paths`` and everything below."""

    paths: tuple[Path, ...]
    remove: int = stat.S_IRWXO

    def apply(self) -> list[Path]:
        """Change the modes; return every path whose mode changed."""
        changed = []
        for top in self.paths:
            for path in _walk(top):
                st = path.lstat()
                if stat.S_ISLNK(st.st_mode):
                    continue  # chmod would follow the link to a file outside the course
                mode = stat.S_IMODE(st.st_mode)
                if mode & self.remove:
                    os.chmod(path, mode & ~self.remove)
                    changed.append(path)
        return changed


@dataclass(frozen=True)
class Result:
    """One finding: which check, ok/warning/problem, a plain sentence, the fix."""

    check: str
    status: str
    message: str
    fix: str = ""
    repair: Tighten | None = None


@dataclass
class Setup:
    """What the checks look at: the course directory (None when not found) and the
    ledger URL (None: ``$PPSKIT_DB`` or the default)."""

    course: Path | None
    db: str | None = None
    looked_in: Path = field(default_factory=Path.cwd)
    #: Whether folders above ``looked_in`` were searched too (no --course given).
    walked_up: bool = True

    @cached_property
    def config(self):  # noqa: ANN201  (a traitlets Config, or the error text)
        """nbgrader's settings as nbgrader itself reads them: the Jupyter config folders'
        ``nbgrader_config.py`` files, then the course's (which wins); or the error text."""
        from jupyter_core.paths import jupyter_config_path
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        merged = Config()
        folders = [*reversed(jupyter_config_path())]
        if self.course is not None:
            folders.append(str(self.course))
        for folder in folders:
            if not (Path(folder) / "nbgrader_config.py").is_file():
                continue
            try:
                merged.merge(PyFileConfigLoader("nbgrader_config.py", path=folder).load_config())
            except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
                return f"{Path(folder) / 'nbgrader_config.py'}: {_last_line(exc)}"
        return merged

    @cached_property
    def ledger(self) -> str:
        """The resolved ledger URL (see :func:`ledger_url`)."""
        return ledger_url(self.db, self.course)

    def rel(self, path: Path) -> str:
        """``path`` relative to the course root where it is inside it."""
        if self.course is not None and path.is_relative_to(self.course):
            return str(path.relative_to(self.course)) or "."
        return str(path)


# --- access by other accounts ------------------------------------------------------------


def _walk(top: Path) -> Iterable[Path]:
    # ``top`` and everything below it, never following a symbolic link.
    if not top.exists() and not top.is_symlink():
        return
    yield top
    if top.is_dir() and not top.is_symlink():
        for dirpath, dirnames, filenames in os.walk(top):
            for name in dirnames + filenames:
                yield Path(dirpath) / name


@dataclass
class Exposure:
    """Who besides the owner can reach what under one path."""

    others_read: list[Path] = field(default_factory=list)
    others_write: list[Path] = field(default_factory=list)
    group_read: list[Path] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)

    @property
    def others(self) -> list[Path]:
        """Every path other users can read or change."""
        return sorted(set(self.others_read) | set(self.others_write))


class _Groups:
    # Whether a group holds accounts besides the trainer (then group access is sharing).
    def __init__(self, owner_uid: int):
        try:
            self.owner = pwd.getpwuid(owner_uid).pw_name
        except KeyError:
            self.owner = str(owner_uid)
        self._cache: dict[int, list[str]] = {}

    def others_in(self, gid: int) -> list[str]:
        if gid not in self._cache:
            try:
                members = set(grp.getgrgid(gid).gr_mem)
            except KeyError:
                members = set()
            members |= {p.pw_name for p in pwd.getpwall() if p.pw_gid == gid}
            self._cache[gid] = sorted(members - {self.owner})
        return self._cache[gid]

    def name(self, gid: int) -> str:
        try:
            return grp.getgrgid(gid).gr_name
        except KeyError:
            return str(gid)


def exposure(root: Path, target: Path) -> Exposure:
    """What under ``target`` (a file or folder inside ``root``) other accounts can reach,
    judging from ``root`` down: others through ``o`` bits, and members of a file's group
    through ``g`` bits when that group holds accounts besides the owner of ``root``."""
    found = Exposure()
    if not target.exists():
        return found
    groups = _Groups(root.stat().st_uid)

    def passes(st: os.stat_result) -> tuple[bool, bool]:
        mode = st.st_mode
        by_others = bool(mode & stat.S_IXOTH)
        by_group = by_others or bool(mode & stat.S_IXGRP and groups.others_in(st.st_gid))
        return by_others, by_group

    chain_o, chain_g = True, True
    folder = target.parent
    chain = [folder, *folder.parents] if target != root else []
    for up in chain:
        if not up.is_relative_to(root):
            break
        o, g = passes(up.stat())
        chain_o, chain_g = chain_o and o, chain_g and g

    # (path, others may reach it, group members may reach it)
    stack = [(target, chain_o, chain_g)]
    while stack:
        path, reach_o, reach_g = stack.pop()
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            continue
        mode = st.st_mode
        if reach_o and mode & stat.S_IROTH:
            found.others_read.append(path)
        if reach_o and mode & stat.S_IWOTH:
            found.others_write.append(path)
        shared = groups.others_in(st.st_gid)
        if reach_g and shared and mode & stat.S_IRGRP and not (reach_o and mode & stat.S_IROTH):
            found.group_read.append(path)
            more = ", …" if len(shared) > 3 else ""
            found.groups.add(f"{groups.name(st.st_gid)} ({', '.join(shared[:3])}{more})")
        if stat.S_ISDIR(mode):
            o, g = passes(st)
            try:
                children = sorted(path.iterdir())
            except PermissionError:
                continue
            stack += [(child, reach_o and o, reach_g and g) for child in children]
    return found


def _count(paths: list[Path]) -> str:
    return "1 file or folder" if len(paths) == 1 else f"{len(paths)} files and folders"


# --- checks ------------------------------------------------------------------------------


def check_course_root(s: Setup) -> list[Result]:
    """The course directory (the folder with nbgrader_config.py) was found and loads."""
    name = "course directory"
    if s.course is None:
        return [
            Result(
                name,
                PROBLEM,
                f"No nbgrader_config.py in {s.looked_in}"
                f"{' or any folder above it' if s.walked_up else ''}, so this is not a course "
                "directory and the other course checks were skipped.",
                "cd to the course directory, or pass --course DIR",
            )
        ]
    if isinstance(s.config, str):
        return [
            Result(
                name,
                PROBLEM,
                f"nbgrader cannot read its settings: {s.config}. Building, grading and the "
                "formgrader all stop on this.",
                "fix that line of nbgrader_config.py (compare with the one in the ppskit "
                "repository)",
            )
        ]
    return [Result(name, OK, f"{s.course} holds nbgrader_config.py, and it loads.")]


def check_trainer_only_folders(s: Setup) -> list[Result]:
    """Item bank, source, submissions, grades and git history closed to other users."""
    if s.course is None:
        return []
    name = "trainer-only folders"
    open_, shared, groups = [], [], set()
    for folder, holds in TRAINER_ONLY.items():
        found = exposure(s.course, s.course / folder)
        if found.others:
            open_.append((folder, holds, found.others))
        if found.group_read:
            shared.append(folder)
            groups |= found.groups
    out = []
    if open_:
        names = [f for f, _, _ in open_]
        lines = "; ".join(f"{f}/ ({holds}): {_count(p)}" for f, holds, p in open_)
        out.append(
            Result(
                name,
                PROBLEM,
                f"Other users of this computer can open {lines}.",
                f"chmod -R o-rwx {' '.join(names)}",
                Tighten(tuple(s.course / f for f in names)),
            )
        )
    if shared:
        out.append(
            Result(
                name,
                WARNING,
                f"Members of the group {', '.join(sorted(groups))} can read "
                f"{', '.join(f + '/' for f in shared)}. That is right only if every member "
                "is a trainer or grader, never a trainee.",
                f"chmod -R g-rwx {' '.join(shared)}  (or chgrp -R to a graders-only group)",
            )
        )
    if not out:
        present = [f for f in TRAINER_ONLY if (s.course / f).exists()]
        out.append(
            Result(
                name,
                OK,
                f"Closed to other users: {', '.join(f + '/' for f in present) or 'none yet'}.",
            )
        )
    return out


def _secret_files(s: Setup) -> list[tuple[Path, str]]:
    files = [
        (s.course / KEYS_FILE, "the exam keys file"),
        (s.course / "gradebook" / "nbgrader.db", "nbgrader's gradebook"),
    ]
    ledger = _sqlite_path(s.ledger)
    if ledger is not None:
        files.append((ledger, "the ledger"))
        files += [(Path(f"{ledger}{x}"), "the ledger's journal") for x in ("-wal", "-shm")]
    return files


def check_secret_files(s: Setup) -> list[Result]:
    """The keys file, nbgrader.db and the SQLite ledger: not readable or writable by others."""
    if s.course is None:
        return []
    name = "keys and databases"
    out, checked = [], []
    for path, what in _secret_files(s):
        if not path.exists():
            continue
        checked.append(s.rel(path))
        top = s.course if path.is_relative_to(s.course) else path.parent
        found = exposure(top, path)
        if found.others_write:
            out.append(
                Result(
                    name,
                    PROBLEM,
                    f"Other users can change {what} {s.rel(path)}; whoever can write a "
                    "SQLite file can drop the append-only triggers or replace it.",
                    f"chmod o-rwx {s.rel(path)}",
                    Tighten((path,)),
                )
            )
        elif found.others_read:
            out.append(
                Result(
                    name,
                    PROBLEM,
                    f"Other users can read {what} {s.rel(path)}.",
                    f"chmod o-rwx {s.rel(path)}",
                    Tighten((path,)),
                )
            )
    if not out:
        what = ", ".join(checked) if checked else "none exists yet"
        out.append(Result(name, OK, f"Not readable by other users: {what}."))
    return out


def check_release(s: Setup) -> list[Result]:
    """release/ is closed to other users and holds no hidden test, key or rubric."""
    if s.course is None or not (s.course / "release").is_dir():
        return []
    name = "release/"
    out = []
    found = exposure(s.course, s.course / "release")
    if found.others:
        out.append(
            Result(
                name,
                PROBLEM,
                f"Other users can open release/ ({_count(found.others)}). Trainees get their "
                "exam through nbgrader's exchange, not from here, and the forms they have not "
                "sat are the forms of their retakes.",
                "chmod -R o-rwx release",
                Tighten((s.course / "release",)),
            )
        )
    try:
        from ppskit.exam.bank import BankError, load_bank
        from ppskit.exam.integrity import scan_release

        hits = scan_release(s.course, load_bank(s.course / "assessments", check_counts=False))
    except (BankError, FileNotFoundError) as exc:
        out.append(
            Result(
                name,
                WARNING,
                "The item bank could not be read, so release/ was not scanned for keys: "
                f"{_last_line(exc)}",
                "ppskit exam lint",
            )
        )
        return out
    if hits:
        out.append(
            Result(
                name,
                PROBLEM,
                f"release/ holds trainer-only text ({len(hits)} finds; first: {hits[0]}). "
                "Do not hand these notebooks out.",
                "ppskit exam build  (rebuilds release/ from the bank, then scans it again)",
            )
        )
    if not out:
        out.append(Result(name, OK, "Closed to other users; no hidden test, key or rubric in it."))
    return out


def check_new_files(s: Setup) -> list[Result]:
    """Folders nbgrader creates later (submitted/, autograded/, feedback/) stay closed."""
    if s.course is None:
        return []
    mask = os.umask(0)
    os.umask(mask)
    root_mode = s.course.stat().st_mode
    if root_mode & stat.S_IXOTH and not mask & stat.S_IROTH:
        return [
            Result(
                "new files",
                WARNING,
                f"Other users may pass through the course directory (mode "
                f"{stat.S_IMODE(root_mode):04o}) and new files are made readable by all "
                f"(umask {mask:04o}), so the folders nbgrader creates later (submitted/, "
                "autograded/, feedback/) will start out open to trainees.",
                f"chmod o-rwx {s.course}  (nothing in it is for trainees), or umask 0027 in "
                "the trainer's shell and Jupyter server",
            )
        ]
    return [Result("new files", OK, "Files created from now on stay closed to other users.")]


# nbgrader's own modes for its exchange (nbgrader/exchange/default: release_assignment.py,
# release_feedback.py), for a course that is not ``groupshared``; the bits checked are the
# ones that decide whether trainees can fetch and hand in and whether they can see each
# other's work.
_EXCHANGE_ROOT_MODE = 0o777
_EXCHANGE_FOLDERS = {
    # folder: (mode nbgrader sets, bits others must have, bits others must not have, why)
    ".": (0o755, 0o5, 0o2, "trainees could remove or replace exams"),
    "outbound": (0o755, 0o5, 0o2, "trainees could not fetch, or could replace, an exam"),
    "inbound": (0o2733, 0o3, 0o4, "trainees could not hand in, or could list others' work"),
    "feedback": (0o711, 0o1, 0o6, "trainees could list or plant other trainees' feedback"),
}


def check_exchange(s: Setup) -> list[Result]:
    """nbgrader's exchange root exists with nbgrader's modes, and so do the course's
    folders in it: the configured course id and every other course folder the trainer
    owns there."""
    if s.course is None or isinstance(s.config, str):
        return []
    name = "exchange"
    cfg = s.config
    if cfg.get("ExchangeFactory"):
        return [Result(name, OK, "A custom exchange (not a folder) is configured; not checked.")]
    from nbgrader.exchange.default.exchange import Exchange

    root = Path(
        # nbgrader 0.9's default is /usr/local/share/nbgrader/exchange (older docs: /srv/...)
        cfg.Exchange.root
        if "root" in cfg.get("Exchange", {})
        else Exchange.class_traits()["root"].default_value
    )
    if not root.is_dir():
        return [
            Result(
                name,
                WARNING,
                f"The exchange folder {root} does not exist: trainees cannot fetch exams from "
                "JupyterLab's Assignments tab (fine if you hand exams out another way).",
                f"sudo mkdir -p {root} && sudo chmod 0777 {root}",
            )
        ]
    out = []
    mode = stat.S_IMODE(root.stat().st_mode)
    if mode & 0o777 != _EXCHANGE_ROOT_MODE:
        out.append(
            Result(
                name,
                PROBLEM,
                f"The exchange folder {root} has mode {mode:04o}; nbgrader needs "
                f"{_EXCHANGE_ROOT_MODE:04o} and 'nbgrader release_assignment' fails when it "
                "cannot set it.",
                f"sudo chmod {_EXCHANGE_ROOT_MODE:04o} {root}",
            )
        )
    trainer = s.course.stat().st_uid
    course_id = (
        cfg.CourseDirectory.course_id if "course_id" in cfg.get("CourseDirectory", {}) else ""
    )
    courses = [
        p
        for p in sorted(root.iterdir())
        if p.is_dir() and (p.name == course_id or p.stat().st_uid == trainer)
    ]
    for course in courses:
        for sub, (want, must, must_not, why) in _EXCHANGE_FOLDERS.items():
            path = course / sub
            if not path.is_dir():
                continue
            have = stat.S_IMODE(path.stat().st_mode)
            if (have & 0o7) & must != must or have & must_not:
                out.append(
                    Result(
                        name,
                        PROBLEM,
                        f"{path} has mode {have:04o}, not nbgrader's {want:04o}: {why}.",
                        f"chmod {want:04o} {path}",
                    )
                )
    if not out:
        names = ", ".join(p.name for p in courses) or "none yet"
        out.append(
            Result(
                name,
                OK,
                f"{root} and its course folders ({names}) have nbgrader's modes.",
            )
        )
    return out


def check_trainee_exchanges(s: Setup) -> list[Result]:
    """The per-trainee exchange folders ``ppskit exam deliver`` makes (docs/delivery.md)
    keep their modes: the base may be passed but not listed, and each trainee's folder is
    open to that trainee's own group only, so no trainee can see another's sittings."""
    if s.course is None or isinstance(s.config, str):
        return []
    from ppskit.exam.course import Course
    from ppskit.exam.delivery import BASE_MODE, TRAINEE_ROOT_MODE, delivery_settings

    name = "trainee exchanges"
    base = delivery_settings(Course(s.course)).exchange_root
    if not base.is_dir():
        return [Result(name, OK, f"No sitting delivered yet ({base} does not exist).")]
    out = []
    mode = stat.S_IMODE(base.stat().st_mode)
    if mode & 0o077 != BASE_MODE & 0o077:
        out.append(
            Result(
                name,
                PROBLEM,
                f"{base} has mode {mode:04o}: trainees could list who else has sittings "
                f"(it must be {BASE_MODE:04o}).",
                f"chmod {BASE_MODE:04o} {base}",
            )
        )
    folders = [p for p in sorted(base.iterdir()) if p.is_dir() and not p.is_symlink()]
    for folder in folders:
        have = stat.S_IMODE(folder.stat().st_mode)
        if have & stat.S_IRWXO or have & 0o070 != TRAINEE_ROOT_MODE & 0o070:
            out.append(
                Result(
                    name,
                    PROBLEM,
                    f"{folder} has mode {have:04o}, not {TRAINEE_ROOT_MODE:04o}: "
                    + (
                        "other trainees could read this trainee's sittings"
                        if have & stat.S_IRWXO
                        else "its trainee cannot fetch or hand in"
                    )
                    + ".",
                    f"chmod {TRAINEE_ROOT_MODE:04o} {folder}",
                )
            )
    if not out:
        out.append(
            Result(
                name,
                OK,
                f"{base} and its {len(folders)} trainee folder(s) are open to their own "
                "trainee only.",
            )
        )
    return out


def check_packages(s: Setup) -> list[Result]:
    """nbgrader, ipywidgets and jupyterlab_widgets are installed in versions that fit."""
    from importlib.metadata import PackageNotFoundError, requires, version
    from importlib.util import find_spec

    from packaging.requirements import Requirement

    name = "packages"
    out = []
    wanted = {
        "nbgrader": "grading",
        "ipywidgets": "the exercises and answer buttons",
        "jupyterlab_widgets": "showing widgets in JupyterLab",
    }
    for pkg, needed_for in wanted.items():
        if find_spec(pkg) is None:
            out.append(
                Result(
                    name,
                    PROBLEM,
                    f"{pkg} is not installed; it is needed for {needed_for}.",
                    f"{sys.executable} -m pip install {pkg}",
                )
            )

    def unmet(dist: str) -> list[str]:
        # Requirements of ``dist`` (as its own metadata states them) this install misses.
        try:
            reqs = [Requirement(r) for r in requires(dist) or []]
        except PackageNotFoundError:
            return []
        missing = []
        for req in reqs:
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            if req.name.replace("-", "_") not in {
                "nbgrader",
                "ipywidgets",
                "jupyterlab_widgets",
                "widgetsnbextension",
            }:
                continue
            try:
                have = version(req.name)
            except PackageNotFoundError:
                continue  # reported above when it matters
            if not req.specifier.contains(have, prereleases=True):
                missing.append(f"{req.name} {req.specifier} (found {have})")
        return missing

    for dist in ("ppskit", "ipywidgets"):
        for miss in unmet(dist):
            out.append(
                Result(
                    name,
                    PROBLEM,
                    f"{dist} needs {miss}; with another version widgets show as text or "
                    "grading fails.",
                    f"{sys.executable} -m pip install '{miss.split(' (')[0].replace(' ', '')}'",
                )
            )
    if not out:
        found = ", ".join(f"{p} {version(p)}" for p in wanted)
        out.append(Result(name, OK, f"Installed and matching: {found}."))
    return out


_KERNEL_PROBE = (
    "import sys, ppskit, ppskit.exam.runtime, ipywidgets; "
    "print(ppskit.__file__); print(sys.executable)"
)


def check_kernel(s: Setup) -> list[Result]:
    """The ``python3`` kernel (the one exam and module notebooks name) imports ppskit."""
    name = "python3 kernel"
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        return [
            Result(
                name,
                PROBLEM,
                "There is no 'python3' Jupyter kernel; the exam and module notebooks ask for it.",
                f"{sys.executable} -m ipykernel install --sys-prefix",
            )
        ]
    python = shutil.which(spec.argv[0]) or spec.argv[0]
    env = {**os.environ, **(spec.env or {})}
    try:
        run = subprocess.run(
            [python, "-c", _KERNEL_PROBE],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=tempfile.gettempdir(),  # not the course folder: a trainee's kernel runs elsewhere
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [
            Result(
                name,
                PROBLEM,
                f"The kernel's Python ({python}) does not start: {exc}.",
                f"{sys.executable} -m ipykernel install --sys-prefix",
            )
        ]
    if run.returncode != 0:
        return [
            Result(
                name,
                PROBLEM,
                f"The python3 kernel ({python}) cannot import ppskit and ipywidgets "
                f"({_last_line(run.stderr)}), so the exam's first cell fails for every trainee.",
                f"{python} -m pip install ppskit  (or install this kernel from ppskit's "
                f"Python: {sys.executable} -m ipykernel install --sys-prefix)",
            )
        ]
    import ppskit

    kernel_ppskit = Path(run.stdout.splitlines()[0]).parent
    here = Path(ppskit.__file__).parent
    if kernel_ppskit.resolve() != here.resolve():
        return [
            Result(
                name,
                WARNING,
                f"The python3 kernel imports ppskit from {kernel_ppskit}, this command from "
                f"{here}; notebooks and grading run the kernel's copy.",
                f"{sys.executable} -m ipykernel install --sys-prefix",
            )
        ]
    return [Result(name, OK, f"The python3 kernel ({python}) imports ppskit and ipywidgets.")]


def ledger_url(db: str | None, course: Path | None) -> str:
    """The ledger URL ppskit would use from inside ``course``: ``db``, else ``$PPSKIT_DB``,
    else the default, with a relative SQLite path taken against the course root."""
    from sqlalchemy.engine import make_url

    from ppskit.db import DEFAULT_URL, ENV_VAR, resolve_url

    parsed = make_url(db or os.environ.get(ENV_VAR) or DEFAULT_URL)
    if (
        course is not None
        and parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not Path(parsed.database).is_absolute()
    ):
        parsed = parsed.set(database=str(course / parsed.database))
    return resolve_url(parsed.render_as_string(hide_password=False))


def _sqlite_path(db: str | None) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(db)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def check_ledger(s: Setup) -> list[Result]:
    """The ledger is reachable and at the newest migration; on PostgreSQL ppskit connects
    as a role that owns nothing and may only read and append. Creates and migrates nothing."""
    from urllib.parse import quote

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from ppskit.ledger.migrate import current_revision, head_revision

    name = "ledger"
    url = s.ledger
    shown = make_url(url).render_as_string(hide_password=True)
    path = _sqlite_path(url)
    if path is not None:
        if not path.is_file():
            return [
                Result(
                    name,
                    WARNING,
                    f"No ledger yet at {path}; the first import creates it.",
                    "ppskit trainees import FILE  (or pass --db URL)",
                )
            ]
        # Read only: doctor changes nothing (the path quoted, as a URI filename must be).
        url = f"sqlite:///file:{quote(str(path))}?mode=ro&uri=true"
    kwargs = {} if path is not None else {"connect_args": {"connect_timeout": 10}}
    engine = create_engine(url, **kwargs)
    try:
        found = current_revision(engine)
        roles = _pg_role_facts(engine) if engine.dialect.name == "postgresql" else None
    except Exception as exc:  # noqa: BLE001 - an unreachable database is the finding
        return [
            Result(
                name,
                PROBLEM,
                f"Cannot open the ledger at {shown}: {_first_line(getattr(exc, 'orig', exc))}.",
                "check the host, port, user, password and database name in PPSKIT_DB (or --db)",
            )
        ]
    finally:
        engine.dispose()
    out = []
    head = head_revision()
    if found != head:
        if found is None or _known_revision(found):
            out.append(
                Result(
                    name,
                    PROBLEM,
                    f"The ledger at {shown} is at schema revision {found or 'none'}; this ppskit "
                    f"needs {head}.",
                    "ppskit db upgrade --db OWNER_URL  (as the database owner)",
                )
            )
        else:
            out.append(
                Result(
                    name,
                    PROBLEM,
                    f"The ledger at {shown} is at schema revision {found}, which this ppskit "
                    "does not know: a newer ppskit wrote it.",
                    f"{sys.executable} -m pip install -U ppskit",
                )
            )
    if roles is not None:
        user, superuser, owner, extra = roles
        if superuser or user == owner:
            why = "a superuser" if superuser else "the owner of the ledger tables"
            out.append(
                Result(
                    name,
                    PROBLEM,
                    f"ppskit connects as '{user}', {why}, who can switch off the append-only "
                    "triggers and change history.",
                    "ppskit db grant ppskit_app --db OWNER_URL, then set PPSKIT_DB to "
                    "ppskit_app's URL",
                )
            )
        elif extra:
            out.append(
                Result(
                    name,
                    PROBLEM,
                    f"'{user}' holds more than SELECT and INSERT on the ledger ({extra}).",
                    f"ppskit db grant {user} --db OWNER_URL",
                )
            )
    if not out:
        who = f", connected as '{roles[0]}' (read and append only)" if roles else ""
        out.append(Result(name, OK, f"{shown} is at the newest schema ({head}){who}."))
    return out


def _known_revision(revision: str) -> bool:
    # Whether ``revision`` is one of this ppskit's migrations (older than head, not newer).
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from ppskit.ledger.migrate import _alembic_config

    try:
        return ScriptDirectory.from_config(_alembic_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _pg_role_facts(engine) -> tuple[str, bool, str | None, str]:  # noqa: ANN001
    # (current user, superuser?, owner of the ledger tables, privileges beyond read/append)
    from sqlalchemy import text

    from ppskit.ledger.roles import table_privileges

    with engine.connect() as conn:
        user, superuser = conn.execute(
            text("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        ).one()
        owner = conn.execute(
            text("SELECT tableowner FROM pg_tables WHERE tablename = 'trainees'")
        ).scalar()
    extra = sorted(
        {p for privs in table_privileges(engine, user).values() for p in privs}
        - {"SELECT", "INSERT"}
    )
    return user, superuser, owner, ", ".join(extra)


#: Paths (relative to the course root) that hold trainee data or keys and must never be
#: committed; the dashboard notebook in gradebook/ is meant to be tracked.
_NEVER_TRACKED = ("submitted", "autograded", "feedback", "gradebook/exam")
_NEVER_TRACKED_FILES = (
    "gradebook/ppskit.db",
    "gradebook/nbgrader.db",
    str(KEYS_FILE),
    "submitted/T1/exam-A/exam.ipynb",
    "autograded/T1/exam-A/exam.ipynb",
    "feedback/T1/exam-A/exam.html",
)


def check_git(s: Setup) -> list[Result]:
    """A course directory kept in git tracks no submissions, grades, databases or keys,
    and its ignore rules keep them out of the next ``git add``."""
    if s.course is None or shutil.which("git") is None:
        return []
    name = "git"

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["git", "-C", str(s.course), *args], capture_output=True, text=True, timeout=60
        )

    if git("rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
        return [Result(name, OK, "The course directory is not a git checkout.")]
    tracked = [
        line
        for line in git("ls-files", "--", *_NEVER_TRACKED, "gradebook").stdout.splitlines()
        if line.startswith(_NEVER_TRACKED)
        or (line.startswith("gradebook/") and line.endswith((".db", ".json", ".sqlite")))
    ]
    out = []
    if tracked:
        # Whole trainee folders are untracked at once; database and key files one by one.
        paths = sorted({t if t.startswith("gradebook/") else t.split("/")[0] for t in tracked})
        out.append(
            Result(
                name,
                PROBLEM,
                f"git tracks trainee data or keys ({len(tracked)} files, e.g. {tracked[0]}); "
                "anyone with a clone has them, and the history keeps them after removal.",
                f"git rm -r --cached {' '.join(paths)} && git commit  (then make new keys: "
                "the old ones stay in the history)",
            )
        )
    ignored = git("check-ignore", "--no-index", *_NEVER_TRACKED_FILES).stdout.splitlines()
    unignored = [p for p in _NEVER_TRACKED_FILES if p not in ignored]
    if unignored:
        rules = sorted(
            {p if p.startswith("gradebook/") else f"/{p.split('/')[0]}/" for p in unignored}
        )
        out.append(
            Result(
                name,
                WARNING,
                f".gitignore does not cover {', '.join(unignored)}: the next 'git add' "
                "would commit them.",
                "add these lines to .gitignore: " + " ".join(rules),
            )
        )
    if not out:
        out.append(Result(name, OK, "git tracks no submissions, grades, databases or keys."))
    return out


def check_timezone(s: Setup) -> list[Result]:
    """The computer's timezone is set: a sitting is dated by the local day it was handed in."""
    import time
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = "timezone"
    tz = os.environ.get("TZ")
    if tz:
        try:
            ZoneInfo(tz.lstrip(":"))
        except (ZoneInfoNotFoundError, ValueError):
            return [
                Result(
                    name,
                    PROBLEM,
                    f"TZ is set to '{tz}', which is not a timezone this computer knows, so "
                    "times fall back to UTC and evening hand-ins can be dated the next day.",
                    "export TZ=America/Los_Angeles  (your program's zone, as listed in "
                    "/usr/share/zoneinfo)",
                )
            ]
    zone = tz.lstrip(":") if tz else _localtime_name()
    # No offset and no daylight-saving rule: UTC (London has an offset of 0 only in winter).
    if zone is None or (time.timezone == 0 and time.daylight == 0):
        return [
            Result(
                name,
                WARNING,
                f"This computer keeps time in UTC{'' if zone else ' (no timezone is set)'}. "
                "Sitting dates are local days; if your program is not in UTC, a hand-in "
                "late in the evening is dated the next day.",
                "sudo timedatectl set-timezone America/Los_Angeles  (your zone), or TZ in "
                "the trainer's environment",
            )
        ]
    return [Result(name, OK, f"Local time is {zone} ({time.strftime('%Z, UTC%z')}).")]


def _localtime_name() -> str | None:
    # The zone /etc/localtime links to (inside /usr/share/zoneinfo); its abbreviation when
    # the file is a copy, not a link; None when there is none (the C library uses UTC).
    import time

    link = Path("/etc/localtime")
    if not link.exists():
        return None
    target = str(link.resolve())
    return target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else time.tzname[0]


def _first_line(exc: object) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0].rstrip(".") if lines else type(exc).__name__


def _last_line(exc: object) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


#: Every check, in the order the report shows them. Append a function to add one.
CHECKS: list[Callable[[Setup], list[Result]]] = [
    check_course_root,
    check_trainer_only_folders,
    check_secret_files,
    check_release,
    check_new_files,
    check_exchange,
    check_trainee_exchanges,
    check_git,
    check_packages,
    check_kernel,
    check_ledger,
    check_timezone,
]


@dataclass
class Report:
    """The results of one ``doctor`` run and what ``--fix`` changed."""

    course: Path | None
    results: list[Result]
    changed: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Result]:
        """The results that need fixing."""
        return [r for r in self.results if r.status == PROBLEM]


def run_checks(
    setup: Setup, checks: Iterable[Callable[[Setup], list[Result]]] | None = None
) -> list[Result]:
    """The results of ``checks`` (default: all of :data:`CHECKS`); a check that breaks is
    reported as a warning, not raised."""
    out = []
    for check in CHECKS if checks is None else checks:
        try:
            out += check(setup)
        except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
            name = check.__name__.removeprefix("check_").replace("_", " ")
            out.append(Result(name, WARNING, f"This check could not run: {_last_line(exc)}."))
    return out


def apply_fixes(results: Iterable[Result], course: Path | None = None) -> list[str]:
    """Apply the safe repairs (taking access away, never granting it); one line per
    path given, saying how many files and folders changed."""
    lines = []
    for result in results:
        if result.repair is None:
            continue
        for top in result.repair.paths:
            changed = Tighten((top,), result.repair.remove).apply()
            if changed:
                shown = top.relative_to(course) if course and top.is_relative_to(course) else top
                who = "other users" if result.repair.remove == stat.S_IRWXO else "the group"
                lines.append(f"{shown}: closed to {who} ({_count(changed)} changed)")
    return lines


def doctor(course: Path | str | None = None, db: str | None = None, *, fix: bool = False) -> Report:
    """Check the course directory at ``course`` (default: the one holding the current
    folder) and the ledger at ``db``; with ``fix``, apply the safe permission repairs and
    check again, so the report shows what is left."""
    from ppskit.db import course_root

    start = Path(course).resolve() if course else Path.cwd()
    root = start if course else course_root(start)
    found = root if (root / "nbgrader_config.py").is_file() else None
    results = run_checks(Setup(found, db, looked_in=start, walked_up=not course))
    changed: list[str] = []
    if fix:
        changed = apply_fixes(results, found)
        if changed:
            results = run_checks(Setup(found, db, looked_in=start, walked_up=not course))
    return Report(found, results, changed)
