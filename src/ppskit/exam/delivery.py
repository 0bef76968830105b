"""Deliver a sitting to one trainee only, and collect hand-ins back (docs/delivery.md).

nbgrader's shared exchange shows every released assignment to every student, so any
trainee could list and fetch another trainee's retake, or every full form in advance.
ppskit gives each trainee **their own exchange root**, ``<exchange_root>/<unix user>``:

* ``<exchange_root>``: owned by the trainer, mode 0711; trainees pass through it but
  cannot list who else has an exchange;
* ``<exchange_root>/<user>``: owned by the trainer, group the trainee's own (private)
  Unix group, mode 1770: only that trainee and the trainer can enter it; the trainee
  may write (nbgrader's client insists its exchange root is writable) but the sticky
  bit stops them renaming or removing what the trainer put there;
* inside, nbgrader's own layout for the course id: ``<course>/outbound/<assignment>``
  (written by nbgrader's ``ExchangeReleaseAssignment``) and ``<course>/inbound``
  (filled by the trainee's ``nbgrader submit``).

The trainee's nbgrader points ``Exchange.root`` at their own folder
(:func:`trainee_nbgrader_config`), so ``nbgrader list``, ``fetch_assignment`` and
``submit`` work unchanged. Collecting goes through nbgrader's ``ExchangeCollect``,
which writes ``submitted/<trainee>/<assignment>/`` with its ``timestamp.txt``; a
hand-in that arrives after its sitting was graded is kept aside, never overwriting.

Each delivered notebook's manifest (``metadata.ppskit``) names the trainee and their
time limit: the profile's minutes for a full sitting, a retake's share by its number
of items, times 1 + the extra time of the accommodation in force.
"""

from __future__ import annotations

import grp
import json
import logging
import math
import os
import pwd
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ppskit.exam.course import (
    NOTEBOOK,
    Course,
    coursedir,
    full_assignment,
    nbgrader_config,
    parse_retake,
)

# Where per-trainee exchanges live and how a trainee id becomes a Unix user name; a
# course changes them in nbgrader_config.py (c.PpskitDelivery.exchange_root = ...).
CONFIG_SECTION = "PpskitDelivery"
DEFAULT_EXCHANGE_ROOT = "/srv/ppskit/exchange"
DEFAULT_UNIX_USER = "{trainee_lower}"

BASE_MODE = 0o711  # trainees traverse the base, cannot list it
TRAINEE_ROOT_MODE = 0o1770  # trainer + the trainee's private group; sticky
COURSE_MODE = 0o755  # as nbgrader makes it (inside, the trainee may only submit)

log = logging.getLogger(__name__)


class DeliveryError(RuntimeError):
    """A sitting could not be delivered or collected; the message says why and what next."""


@dataclass(frozen=True)
class DeliverySettings:
    """The course's delivery settings (``c.PpskitDelivery`` in nbgrader_config.py)."""

    exchange_root: Path
    unix_user_pattern: str
    course_id: str

    def unix_user(self, trainee_id: str) -> str:
        """The Unix (JupyterHub) user name of a trainee."""
        return self.unix_user_pattern.format(trainee=trainee_id, trainee_lower=trainee_id.lower())

    def trainee_root(self, unix_user: str) -> Path:
        """The trainee's own exchange root."""
        return self.exchange_root / unix_user


def delivery_settings(course: Course) -> DeliverySettings:
    """Read the delivery settings from the course's nbgrader_config.py (or defaults)."""
    cfg = nbgrader_config(course)
    section = cfg[CONFIG_SECTION] if CONFIG_SECTION in cfg else {}
    return DeliverySettings(
        exchange_root=Path(section.get("exchange_root", DEFAULT_EXCHANGE_ROOT)),
        unix_user_pattern=section.get("unix_user", DEFAULT_UNIX_USER),
        course_id=cfg.CourseDirectory.course_id,
    )


def trainee_nbgrader_config(settings: DeliverySettings) -> str:
    """The nbgrader config a JupyterHub admin installs for trainees (one file for all,
    e.g. ``/etc/jupyter/nbgrader_config.py``): each trainee's exchange is their own."""
    return (
        '"""nbgrader for trainees: each trainee has their own exchange (ppskit, '
        'docs/delivery.md)."""\n\n'
        "import os\n"
        "import pwd\n\n"
        "c = get_config()  # noqa: F821\n"
        "# The account's own name (not $USER, which a trainee can change).\n"
        "_user = pwd.getpwuid(os.getuid()).pw_name\n"
        f"c.Exchange.root = os.path.join({str(settings.exchange_root)!r}, _user)\n"
        f"c.CourseDirectory.course_id = {settings.course_id!r}\n"
    )


# ------------------------------------------------------------------ exchange folders


def _account(user: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(user)
    except KeyError:
        raise DeliveryError(
            f"There is no Unix account '{user}' on this machine. Create the trainee's "
            "JupyterHub user first, or set c.PpskitDelivery.unix_user in "
            "nbgrader_config.py to how trainee ids map to user names."
        ) from None


def _private_group(account: pwd.struct_passwd) -> int:
    """The account's primary group, refused when anyone else is in it (they could then
    open the trainee's exchange)."""
    gid = account.pw_gid
    members = set(grp.getgrgid(gid).gr_mem) | {p.pw_name for p in pwd.getpwall() if p.pw_gid == gid}
    others = sorted(members - {account.pw_name})
    if others:
        raise DeliveryError(
            f"The Unix group of '{account.pw_name}' ({grp.getgrgid(gid).gr_name}) also holds "
            f"{', '.join(others)}, who could then open this trainee's exams. Give each "
            "trainee their own group (useradd does by default) and deliver again."
        )
    return gid


def _ensure_dir(path: Path, mode: int | None, gid: int = -1) -> None:
    """Create ``path`` (private at first), check it is a plain folder of ours, then set
    its group and mode (None: leave the mode as it is)."""
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise DeliveryError(f"{path} is not a plain folder; remove it and deliver again.")
        if info.st_uid != os.geteuid():
            raise DeliveryError(
                f"{path} belongs to someone else, so its contents cannot be trusted; remove "
                "it (as root) and deliver again."
            )
        if gid != -1:
            os.chown(path, -1, gid)
        if mode is not None:
            os.chmod(path, mode)
    except PermissionError:
        raise DeliveryError(
            f"Could not set up {path}: permission denied. Deliver as root (or as the "
            "trainer account that owns the exchange)."
        ) from None


def prepare_trainee_exchange(settings: DeliverySettings, unix_user: str) -> Path:
    """The trainee's exchange root, created or checked, with its owner and mode set."""
    account = _account(unix_user)
    if account.pw_uid == 0:
        raise DeliveryError(f"'{unix_user}' is the administrator account, not a trainee.")
    gid = _private_group(account)
    base = settings.exchange_root
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
    except PermissionError:
        raise DeliveryError(f"Could not create {base.parent}: permission denied.") from None
    _ensure_dir(base, BASE_MODE)
    root = settings.trainee_root(unix_user)
    # The course folder is made while the root is still private: once the trainee can
    # write there, a folder or link of theirs under that name must never be used.
    _ensure_dir(root, None)
    _ensure_dir(root / settings.course_id, COURSE_MODE)
    _ensure_dir(root, TRAINEE_ROOT_MODE, gid)
    return root


def _exchange_config(course: Course, root: Path):  # noqa: ANN202
    config = nbgrader_config(course)
    config.Exchange.root = str(root)
    return config


# ------------------------------------------------------------------------ delivery


@dataclass
class Delivery:
    """One sitting delivered to one trainee."""

    trainee_id: str
    unix_user: str
    assignment: str
    form: str
    items: int
    time_limit_minutes: int | None
    extra_time_pct: float
    outbound: Path
    changed: bool = True


def time_limit(
    minutes: int | None, items: int, full_items: int, extra_time_pct: float
) -> int | None:
    """Minutes for a sitting of ``items`` out of a full form's ``full_items``: the
    profile's ``minutes`` times that share, times 1 + the extra time; rounded up, in
    the trainee's favour. None when the profile sets no time."""
    if minutes is None:
        return None
    share = min(1.0, items / full_items) if full_items else 1.0
    return math.ceil(minutes * share * (1 + extra_time_pct / 100) - 1e-9)


def _trainee_profile(trainee_id: str, db: str | None) -> str | None:
    from sqlalchemy import select

    from ppskit.db import read_connection
    from ppskit.ledger.lookup import unknown_trainee_message
    from ppskit.ledger.tables import trainees

    with read_connection(db) as conn:
        row = conn.execute(
            select(trainees.c.profile).where(trainees.c.trainee_id == trainee_id)
        ).first()
    if row is None:
        message = unknown_trainee_message(trainee_id, db=db)
        raise DeliveryError(message[0].upper() + message[1:] + ".")
    return row.profile or None


def _release_app(**kwargs):  # noqa: ANN003, ANN202
    """nbgrader's ExchangeReleaseAssignment, minus its opening of the exchange root to
    everyone (it sets mode 0777): ppskit prepared this trainee's root with its own mode."""
    from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment

    class PrivateRelease(ExchangeReleaseAssignment):
        def ensure_root(self) -> None:
            if not os.path.isdir(self.root):
                self.fail(f"The trainee's exchange {self.root} is missing.")

    return PrivateRelease(**kwargs)


def _sitting(
    trainee_id: str, form: str | None, assignment: str | None, forms: list[str]
) -> tuple[str, str | None]:
    """``(assignment, full form or None)`` of the sitting asked for, or a plain refusal."""
    if (form is None) == (assignment is None):
        raise DeliveryError("Name either a form (--form A) or a retake (--assignment NAME).")
    assignment = assignment or full_assignment(form)
    retake = parse_retake(assignment)
    if retake is not None:
        if retake[0] != trainee_id:
            raise DeliveryError(
                f"{assignment} is {retake[0]}'s retake; it can only be delivered to {retake[0]}."
            )
        return assignment, None
    full = {full_assignment(f): f for f in forms}
    if assignment not in full:
        raise DeliveryError(
            f"There is no sitting {assignment}: the full forms are "
            f"{', '.join(forms)} (--form A), a retake is named retake-<trainee>-<n>."
        )
    return assignment, full[assignment]


def _check_full_sitting(
    trainee_id: str, form: str, forms: list[str], db: str | None, today: date
) -> None:
    """Refuse a full sitting that would show the trainee questions they have seen, or
    the form kept unseen for their open retake (the tracker's exam series decides)."""
    from ppskit.status import exam_series

    state = exam_series(trainee_id, as_of=today, db=db)
    if state.exam == "passed":
        raise DeliveryError(f"{trainee_id} has passed every section; no sitting is needed.")
    if state.exam == "retake-open":
        raise DeliveryError(
            f"{trainee_id} has a retake open (by {state.retake_by}); a full form now would "
            f"show them the questions kept for it. Run `ppskit exam retake {trainee_id}`."
        )
    unseen = [f for f in forms if f not in state.forms_seen]
    if form in state.forms_seen and unseen:
        raise DeliveryError(
            f"{trainee_id} has already sat form {form} in this exam series; deliver form "
            f"{unseen[0]} instead (ppskit exam deliver {trainee_id} --form {unseen[0]})."
        )


def deliver(
    course: Course,
    trainee_id: str,
    *,
    form: str | None = None,
    assignment: str | None = None,
    db: str | None = None,
    today: date | None = None,
) -> Delivery:
    """Put one sitting in the trainee's own exchange, for them alone to fetch.

    Give ``form`` for a full sitting (``exam-<form>``) or ``assignment`` for a prepared
    retake (which must be this trainee's). Delivering the same sitting again with the
    same time limit changes nothing; a changed one (say, a new accommodation) replaces
    the copy waiting in the exchange.
    """
    from nbgrader.exchange import ExchangeError

    from ppskit.exam.bank import load_bank
    from ppskit.ledger.accommodations import accommodation_in_force
    from ppskit.policies import load_policy

    today = today or date.today()
    bank = load_bank(course.assessments)
    assignment, full_form = _sitting(trainee_id, form, assignment, bank.blueprint.forms)
    release = course.notebook("release", assignment)
    if not release.is_file():
        what = "ppskit exam build" if full_form else f"ppskit exam retake {trainee_id}"
        raise DeliveryError(f"{assignment} has not been prepared yet: run `{what}` first.")
    policy = load_policy(_trainee_profile(trainee_id, db))
    if full_form:
        _check_full_sitting(trainee_id, full_form, bank.blueprint.forms, db, today)
    settings = delivery_settings(course)
    unix_user = settings.unix_user(trainee_id)
    root = prepare_trainee_exchange(settings, unix_user)

    nb = json.loads(release.read_text(encoding="utf-8"))
    man = nb["metadata"]["ppskit"]
    accommodation = accommodation_in_force(trainee_id, on=today, db=db)
    extra = accommodation.extra_time_pct if accommodation else 0.0
    minutes = policy.exam_rules.minutes.at(today) if policy.exam_rules.minutes else None
    items, full = len(man["items"]), len(bank.form_items(man["form"]))
    limit = time_limit(minutes, items, full, extra)
    # The notebook keeps the standard time and the extra time apart (the trainee's clock
    # adds them and says "includes 50 % extra time"); the trainer is told the total.
    man.update(
        trainee=trainee_id,
        time_limit_minutes=time_limit(minutes, items, full, 0.0),
        extra_time_pct=extra,
    )

    from ppskit.exam.build import dumps_notebook

    text = dumps_notebook(nb)
    outbound = root / settings.course_id / "outbound" / assignment
    delivery = Delivery(
        trainee_id, unix_user, assignment, man["form"], len(man["items"]), limit, extra, outbound
    )
    current = outbound / f"{NOTEBOOK}.ipynb"
    if current.is_file() and current.read_text(encoding="utf-8") == text:
        delivery.changed = False
        return delivery
    # nbgrader releases from <root>/release/<assignment>/: stage this trainee's copy.
    with tempfile.TemporaryDirectory(prefix="ppskit-deliver-") as staging:
        staged = Path(staging) / "release" / assignment / f"{NOTEBOOK}.ipynb"
        staged.parent.mkdir(parents=True)
        staged.write_text(text, encoding="utf-8")
        config = _exchange_config(course, root)
        cd = coursedir(course, config)
        cd.root = staging
        cd.assignment_id = assignment
        release_app = _release_app(coursedir=cd, config=config, log=log)
        release_app.force = True
        try:
            release_app.start()
        except ExchangeError as exc:
            raise DeliveryError(f"nbgrader could not deliver {assignment}: {exc}") from None
    return delivery


# ------------------------------------------------------------------------- collect


@dataclass
class HandIn:
    """What collecting did with one hand-in."""

    trainee_id: str
    assignment: str
    timestamp: str
    status: str  # collected | updated | unchanged | kept-aside | refused
    message: str = ""
    path: Path | None = None


@dataclass
class CollectReport:
    """Every hand-in looked at by ``collect``."""

    handins: list[HandIn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many hand-ins ended with ``status``."""
        return sum(h.status == status for h in self.handins)

    @property
    def kept_aside(self) -> list[HandIn]:
        """Hand-ins that arrived after their sitting was graded."""
        return [h for h in self.handins if h.status == "kept-aside"]


def late_folder(course: Course, trainee_id: str, assignment: str, timestamp) -> Path:  # noqa: ANN001
    """Where a hand-in that came after grading is kept (one folder per hand-in time)."""
    stamp = timestamp.strftime("%Y%m%dT%H%M%S.%fZ")
    return course.state_dir / "late-handins" / trainee_id / assignment / stamp


def _first_link(folder: Path) -> Path | None:
    """The first symbolic link in a hand-in folder (or the folder itself), if any."""
    if folder.is_symlink():
        return folder
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            if os.path.islink(os.path.join(dirpath, name)):
                return Path(dirpath, name)
    return None


def _collector(course: Course, trainee_id: str, report: CollectReport, **kwargs):  # noqa: ANN003, ANN202
    """nbgrader's ExchangeCollect for one trainee's exchange: submissions are filed
    under the trainee id (not the Unix name), and one arriving after its sitting was
    graded is copied aside instead of replacing the graded one."""
    from nbgrader.exchange.default.collect import ExchangeCollect
    from nbgrader.utils import find_owner

    class TraineeCollect(ExchangeCollect):
        def _path_to_record(self, path: str) -> dict:
            rec = super()._path_to_record(path)
            rec["unix_user"] = rec["username"]
            rec["username"] = trainee_id
            return rec

        def init_src(self) -> None:
            super().init_src()
            self.src_records = [rec for rec in self.src_records if self._decide(rec)]

        def _decide(self, rec: dict) -> bool:
            """Report what happens to one hand-in; True when nbgrader should copy it."""
            a = self.coursedir.assignment_id
            src = os.path.join(self.inbound_path, rec["filename"])
            stamp = rec["timestamp"].isoformat()
            owner = find_owner(src)
            if owner != rec["unix_user"]:
                msg = f"{rec['filename']} belongs to '{owner}', not the trainee; left in place"
                report.handins.append(HandIn(trainee_id, a, stamp, "refused", msg))
                return False
            link = _first_link(Path(src))
            if link is not None:
                # Collecting runs as the trainer: copying would follow the link and file
                # whatever it points at (another trainee's sitting, a key) as the hand-in.
                msg = f"{link} is a link, not a file the trainee wrote; left in place"
                report.handins.append(HandIn(trainee_id, a, stamp, "refused", msg))
                return False
            dest = course.folder(self.coursedir.submitted_directory, a, trainee_id)
            existing = self.coursedir.get_existing_timestamp(str(dest)) if dest.is_dir() else None
            if course.folder("autograded", a, trainee_id).is_dir() and existing != rec["timestamp"]:
                aside = late_folder(course, trainee_id, a, rec["timestamp"])
                if not aside.exists():
                    aside.parent.mkdir(parents=True, exist_ok=True)
                    self.do_copy(src, str(aside))
                msg = "handed in again after grading; the graded hand-in stays"
                report.handins.append(HandIn(trainee_id, a, stamp, "kept-aside", msg, aside))
                return False
            if existing is None:
                status = "collected"
            elif rec["timestamp"] > existing:
                status = "updated"  # not graded yet: the newest hand-in counts
            else:
                status = "unchanged"
            report.handins.append(HandIn(trainee_id, a, stamp, status, path=dest))
            return True

    # Ownership is checked above against the Unix name; nbgrader's own check would
    # compare it with the trainee id and warn about every hand-in.
    return TraineeCollect(update=True, check_owner=False, **kwargs)


def _delivered(outbound: Path) -> dict[str, str]:
    """assignment -> trainee id, from the manifests of the sittings delivered there."""
    out = {}
    for nb in sorted(outbound.glob(f"*/{NOTEBOOK}.ipynb")):
        try:
            trainee = json.loads(nb.read_text(encoding="utf-8"))["metadata"]["ppskit"]["trainee"]
        except (OSError, ValueError, KeyError):
            continue
        out[nb.parent.name] = trainee
    return out


def collect(course: Course) -> CollectReport:
    """Bring every trainee's hand-ins from their exchanges into ``submitted/``.

    A hand-in already collected is left alone; a newer one replaces it until the
    sitting is graded; after grading (``autograded/<trainee>/<assignment>`` exists) the
    new hand-in goes to ``gradebook/exam/late-handins/`` and is reported.
    """
    from nbgrader.exchange import ExchangeError

    settings = delivery_settings(course)
    report = CollectReport()
    base = settings.exchange_root
    if not base.is_dir():
        report.problems.append(
            f"No exchange at {base} yet: nothing has been delivered (ppskit exam deliver)."
        )
        return report
    for root in sorted(p for p in base.iterdir() if p.is_dir() and not p.is_symlink()):
        unix_user = root.name
        course_path = root / settings.course_id
        delivered = _delivered(course_path / "outbound")
        inbound = course_path / "inbound"
        names = sorted(p.name for p in inbound.iterdir()) if inbound.is_dir() else []
        wanted = set()
        for name in names:
            parts = name.split("+")
            if len(parts) < 3 or parts[0] != unix_user:
                report.problems.append(
                    f"{inbound / name}: not handed in under '{unix_user}'; left in place."
                )
            elif parts[1] not in delivered:
                report.problems.append(
                    f"{inbound / name}: {parts[1]} was never delivered to '{unix_user}'; "
                    "left in place."
                )
            else:
                wanted.add(parts[1])
        for assignment in sorted(wanted):
            trainee_id = delivered[assignment]
            config = _exchange_config(course, root)
            cd = coursedir(course, config)
            cd.assignment_id = assignment
            cd.student_id = unix_user
            app = _collector(course, trainee_id, report, coursedir=cd, config=config, log=log)
            try:
                app.start()
            except ExchangeError as exc:
                report.problems.append(f"{unix_user} {assignment}: {exc}")
    return report
