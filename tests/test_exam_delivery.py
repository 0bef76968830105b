"""Per-trainee delivery with two real Unix accounts, as JupyterHub users are.

ppsk-t1 (trainee T1) and ppsk-t2 (trainee T2) are created with useradd; each gets the
trainee-side nbgrader config a JupyterHub admin installs. T1 gets form A and a partial
retake, T2 gets form B. As ppsk-t2 neither nbgrader nor plain ``ls``/``cat`` reaches
T1's sittings; as ppsk-t1 they list, fetch and submit; ``ppskit exam collect`` files the
hand-ins under ``submitted/T1``; a hand-in after grading is kept aside.

Every trainee command (``nbgrader``, ``ls``, ``cat``) runs through ``runuser`` with the
trainee's HOME and working directory and a clean environment. When trainees cannot run
this Python (pyenv under /root, mode 0700), they run a hard-linked mirror of it.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from math import ceil
from pathlib import Path
from types import SimpleNamespace

import pytest
from fixtures.exam.support import add_trainees, make_course
from typer.testing import CliRunner

from ppskit.exam.bank import load_bank
from ppskit.exam.build import build
from ppskit.exam.delivery import (
    DeliveryError,
    collect,
    deliver,
    delivery_settings,
    trainee_nbgrader_config,
)
from ppskit.policies import load_policy

USERS = {"T1": "ppsk-t1", "T2": "ppsk-t2"}
CAN_MAKE_USERS = os.geteuid() == 0 and all(shutil.which(t) for t in ("useradd", "runuser"))


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def _make_user(name: str) -> None:
    _run("userdel", "-r", name)  # a user left behind by an interrupted run
    made = _run("useradd", "--create-home", "--user-group", "--shell", "/bin/sh", name)
    assert made.returncode == 0, made.stderr


def _python_reachable(user: str) -> bool:
    return _run("runuser", "-u", user, "--", sys.executable, "-c", "pass").returncode == 0


def _trainee_env(user: str) -> dict[str, str]:
    home = pwd.getpwnam(user).pw_dir
    # What a JupyterHub single-user server has: the user's HOME, no trainer variables
    # (no PYTHONPATH into the trainer's checkout, no PPSKIT_DB).
    return {"HOME": home, "USER": user, "LOGNAME": user, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def as_trainee(user: str, *argv: str, **env: str) -> subprocess.CompletedProcess:
    """Run a command as the trainee through runuser, in their home, with their env."""
    pairs = [f"{k}={v}" for k, v in {**_trainee_env(user), **env}.items()]
    home = pwd.getpwnam(user).pw_dir
    return subprocess.run(
        ["runuser", "-u", user, "--", "env", "-i", *pairs, *argv],
        capture_output=True, text=True, check=False, cwd=home,
    )  # fmt: skip


def trainee_python(work: Path, user: str) -> tuple[str, dict[str, str]]:
    """A Python with nbgrader that the trainee accounts can run, and its environment.

    This interpreter when they can run it (a JupyterHub image); when it lives where
    trainees cannot reach (pyenv under /root, mode 0700, as on this project's machines)
    a hard-linked mirror of it next to the test files: no copy, the same files.
    """
    if _python_reachable(user):
        return sys.executable, {}
    if sys.prefix != sys.base_prefix:
        pytest.skip("the trainee accounts cannot run this virtualenv's Python")
    mirror = work / "python"
    if _run("cp", "-al", sys.prefix, str(mirror)).returncode != 0:
        pytest.skip(f"trainees cannot run {sys.executable} and it cannot be mirrored")
    exe = mirror / Path(sys.executable).relative_to(sys.prefix)
    # The interpreter's library path points into the unreachable original.
    return str(exe), {"LD_LIBRARY_PATH": str(mirror / "lib")}


def nbgrader_as(site, user: str, *args: str) -> subprocess.CompletedProcess:  # noqa: ANN001
    """``nbgrader ARGS`` as the trainee, in their home folder (as JupyterLab runs it)."""
    done = as_trainee(user, site.python, "-m", "nbgrader", *args, **site.python_env)
    done.output = done.stdout + done.stderr
    return done


@pytest.fixture(scope="module")
def site():  # noqa: ANN201
    if not CAN_MAKE_USERS:
        pytest.skip("needs root with useradd and runuser, to create two trainee accounts")
    # Under /tmp, not pytest's tmp_path: that is private to root, and the trainees must
    # be able to reach the exchange inside it (the course itself stays root-only).
    work = Path(tempfile.mkdtemp(prefix="ppskit-delivery-", dir="/tmp"))
    work.chmod(0o755)
    try:
        for user in USERS.values():
            _make_user(user)
        course = make_course(work / "course")
        (work / "course").chmod(0o700)  # release/ holds every form: trainer only
        exchange = work / "exchange"
        with (course.root / "nbgrader_config.py").open("a", encoding="utf-8") as fh:
            fh.write(
                f"\nc.PpskitDelivery.exchange_root = {str(exchange)!r}\n"
                'c.PpskitDelivery.unix_user = "ppsk-{trainee_lower}"\n'
            )
        db = f"sqlite:///{work / 'course' / 'gradebook' / 'ppskit.db'}"
        build(course)
        add_trainees(db, list(USERS))
        settings = delivery_settings(course)
        python, python_env = trainee_python(work, USERS["T1"])
        for user in USERS.values():
            # What a JupyterHub admin installs (docs/delivery.md); per user here, since
            # this test must not write /etc/jupyter on a shared machine.
            account = pwd.getpwnam(user)
            conf = Path(account.pw_dir) / ".jupyter" / "nbgrader_config.py"
            conf.parent.mkdir(exist_ok=True)
            conf.write_text(trainee_nbgrader_config(settings), encoding="utf-8")
            for p in (conf.parent, conf):
                os.chown(p, account.pw_uid, account.pw_gid)
        yield SimpleNamespace(
            course=course, root=course.root, db=db, exchange=exchange, settings=settings,
            python=python, python_env=python_env,
        )  # fmt: skip
    finally:
        for user in USERS.values():
            _run("userdel", "-r", user)
        shutil.rmtree(work, ignore_errors=True)


def _manifest(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["metadata"]["ppskit"]


@pytest.mark.slow
def test_delivery_gives_each_trainee_their_own_time_limit(site) -> None:  # noqa: ANN001
    from ppskit.exam.retake import prepare_and_deliver_retake
    from ppskit.ledger.accommodations import record_accommodation
    from ppskit.ledger.api import record_exam_results

    policy = load_policy()  # the trainees' profile (registered without one)
    minutes = policy.exam_rules.minutes.at()
    record_accommodation("T1", extra_time_pct=50, reason="reading support", by="coordinator",
                         db=site.db)  # fmt: skip
    a = deliver(site.course, "T1", form="A", db=site.db)
    b = deliver(site.course, "T2", form="B", db=site.db)
    assert a.changed and b.changed
    assert a.time_limit_minutes == ceil(minutes * 1.5)  # the full time plus half
    assert b.time_limit_minutes == minutes and b.extra_time_pct == 0
    man = _manifest(a.outbound / "exam.ipynb")
    # The notebook holds the standard time and the extra time; its clock adds them.
    assert (man["trainee"], man["time_limit_minutes"], man["extra_time_pct"]) == (
        "T1",
        minutes,
        50,
    )
    assert deliver(site.course, "T1", form="A", db=site.db).changed is False
    # T1 failed one section of form A: the retake holds that section only, and its time
    # is that share of the full time, with T1's extra time.
    sat = date.today() - timedelta(days=3)
    failed = policy.sections[0]
    rows = [{"trainee_id": "T1", "date": sat, "form": "A", "section": s,
             "score_pct": 40.0 if s == failed else 95.0} for s in policy.sections]  # fmt: skip
    record_exam_results(rows, recorded_by="trainer", db=site.db)
    plan, retake = prepare_and_deliver_retake("T1", site.course, db=site.db)
    assert plan.assignment == "retake-T1-1"
    full = len(load_bank(site.course.assessments).form_items(plan.form))
    assert retake.items < full
    assert retake.time_limit_minutes == ceil(minutes * retake.items / full * 1.5)
    with pytest.raises(DeliveryError, match="T1's retake"):
        deliver(site.course, "T2", assignment="retake-T1-1", db=site.db)
    # With the retake open, a full form would show T1 the questions kept for it.
    with pytest.raises(DeliveryError, match="retake open"):
        deliver(site.course, "T1", form=plan.form, db=site.db)


@pytest.mark.slow
def test_other_trainee_cannot_list_or_read(site) -> None:  # noqa: ANN001
    t1_root = site.exchange / "ppsk-t1"
    t1_copy = t1_root / "ppss" / "outbound" / "retake-T1-1" / "exam.ipynb"
    assert t1_copy.is_file()
    listed = nbgrader_as(site, "ppsk-t2", "list")
    assert listed.returncode == 0, listed.output
    assert "exam-B" in listed.output  # T2's own sitting
    assert "exam-A" not in listed.output and "retake-T1-1" not in listed.output
    # Pointing nbgrader at T1's exchange on purpose does not help either.
    peek = nbgrader_as(site, "ppsk-t2", "list", f"--Exchange.root={t1_root}")
    assert "retake-T1-1" not in peek.output and "exam-A" not in peek.output
    grab = nbgrader_as(
        site, "ppsk-t2", "fetch_assignment", "retake-T1-1", f"--Exchange.root={t1_root}"
    )
    assert grab.returncode != 0
    assert not (Path(pwd.getpwnam("ppsk-t2").pw_dir) / "retake-T1-1").exists()
    for argv in (("ls", str(site.exchange)), ("ls", str(t1_root)), ("cat", str(t1_copy)),
                 ("ls", str(site.root / "release"))):  # fmt: skip
        done = as_trainee("ppsk-t2", *argv)
        assert done.returncode != 0 and "Permission denied" in done.stderr, argv


@pytest.mark.slow
def test_trainee_fetches_submits_and_collect_files_it(site) -> None:  # noqa: ANN001
    listed = nbgrader_as(site, "ppsk-t1", "list")
    assert "exam-A" in listed.output and "retake-T1-1" in listed.output
    assert "exam-B" not in listed.output
    fetched = nbgrader_as(site, "ppsk-t1", "fetch_assignment", "exam-A")
    assert fetched.returncode == 0, fetched.output
    home = Path(pwd.getpwnam("ppsk-t1").pw_dir)
    assert _manifest(home / "exam-A" / "exam.ipynb")["time_limit_minutes"]
    sent = nbgrader_as(site, "ppsk-t1", "submit", "exam-A")
    assert sent.returncode == 0, sent.output
    report = collect(site.course)
    assert [(h.trainee_id, h.assignment, h.status) for h in report.handins] == [
        ("T1", "exam-A", "collected")
    ], report
    got = site.root / "submitted" / "T1" / "exam-A"
    assert (got / "timestamp.txt").is_file()
    assert _manifest(got / "exam.ipynb")["trainee"] == "T1"
    assert collect(site.course).count("unchanged") == 1  # collecting again changes nothing


@pytest.mark.slow
def test_hand_in_after_grading_is_kept_aside(site) -> None:  # noqa: ANN001
    from ppskit.cli import app
    from ppskit.exam.grade import grade

    got = site.root / "submitted" / "T1" / "exam-A"
    assert grade(site.course, assignments=["exam-A"]).count("graded") == 1
    graded_stamp = (got / "timestamp.txt").read_text()
    again = nbgrader_as(site, "ppsk-t1", "submit", "exam-A")
    assert again.returncode == 0, again.output
    out = CliRunner().invoke(app, ["exam", "collect", "--course", str(site.root)])
    assert out.exit_code == 0, out.output
    assert "KEPT ASIDE T1 exam-A" in out.output
    assert (got / "timestamp.txt").read_text() == graded_stamp  # the graded one stays
    aside = list((site.root / "gradebook" / "exam" / "late-handins" / "T1" / "exam-A").iterdir())
    assert len(aside) == 1 and (aside[0] / "exam.ipynb").is_file()
    assert (aside[0] / "timestamp.txt").read_text() != graded_stamp


@pytest.mark.slow
def test_nothing_a_trainee_can_read_holds_a_key(site) -> None:  # noqa: ANN001
    from ppskit.exam.build import keys_path

    # The fetched copy in the trainee's own home: no hidden test, no key file path.
    home = Path(pwd.getpwnam("ppsk-t1").pw_dir)
    fetched = as_trainee("ppsk-t1", "cat", str(home / "exam-A" / "exam.ipynb"))
    assert fetched.returncode == 0, fetched.stderr
    for secret in ("grade_answer(", "HIDDEN TESTS", "keys.json", "PPSKIT_EXAM_KEYS"):
        assert secret not in fetched.stdout, secret
    # The trainer's key file, bank and sources are out of reach of either account.
    for user in USERS.values():
        for path in (keys_path(site.course), site.root / "assessments",
                     site.root / "source" / "exam-A" / "exam.ipynb"):  # fmt: skip
            done = as_trainee(user, "cat" if path.suffix else "ls", str(path))
            assert done.returncode != 0 and "Permission denied" in done.stderr, (user, path)


@pytest.mark.slow
def test_hand_in_linking_to_trainer_files_is_refused(site) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    # Collecting runs as root: a hand-in whose notebook is a link to the source notebook
    # (which holds the keys) must not be copied into submitted/ (and later feedback).
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    inbound = site.exchange / "ppsk-t1" / "ppss" / "inbound"
    folder = inbound / f"ppsk-t1+retake-T1-1+{stamp}+x"
    keys = site.root / "source" / "retake-T1-1" / "exam.ipynb"
    script = f'mkdir "{folder}" && ln -s "{keys}" "{folder}/exam.ipynb" && ' \
             f'printf "{stamp}" > "{folder}/timestamp.txt"'  # fmt: skip
    made = as_trainee("ppsk-t1", "sh", "-c", script)
    assert made.returncode == 0, made.stderr
    report = collect(site.course)
    refused = [h for h in report.handins if h.status == "refused"]
    assert [(h.trainee_id, h.assignment) for h in refused] == [("T1", "retake-T1-1")]
    assert "is a link" in refused[0].message
    assert not (site.root / "submitted" / "T1" / "retake-T1-1").exists()


@pytest.mark.slow
def test_delivery_refuses_plainly(site) -> None:  # noqa: ANN001
    from ppskit.cli import app

    add_trainees(site.db, ["nobody"])
    with pytest.raises(DeliveryError, match="no Unix account 'ppsk-nobody'"):
        deliver(site.course, "nobody", form="A", db=site.db)
    with pytest.raises(DeliveryError, match="(?i)unknown trainee 'ghost'"):
        deliver(site.course, "ghost", form="A", db=site.db)
    with pytest.raises(DeliveryError, match="the full forms are A, B, C"):
        deliver(site.course, "T2", form="Z", db=site.db)
    with pytest.raises(DeliveryError, match="ppskit exam retake T2"):
        deliver(site.course, "T2", assignment="retake-T2-1", db=site.db)
    from ppskit.ledger.api import record_exam_results

    add_trainees(site.db, ["T3"])
    day = date.today() - timedelta(days=2)
    rows = [{"trainee_id": "T3", "date": day, "form": "A", "section": s, "score_pct": 95.0}
            for s in load_policy().sections]  # fmt: skip
    record_exam_results(rows, recorded_by="trainer", db=site.db)
    with pytest.raises(DeliveryError, match="T3 has passed every section"):
        deliver(site.course, "T3", form="B", db=site.db)
    runner = CliRunner()
    where = ["--course", str(site.root), "--db", site.db]
    out = runner.invoke(app, ["exam", "deliver", "nobody", "--form", "A", *where])
    assert out.exit_code == 1 and "Create the trainee's JupyterHub user" in out.output
    assert "Traceback" not in out.output
    out = runner.invoke(app, ["exam", "deliver", "T2", "--form", "B", *where])
    assert out.exit_code == 0, out.output
    assert "Already delivered (unchanged): exam-B to T2 (Unix user ppsk-t2)" in out.output
    out = runner.invoke(app, ["exam", "retake", "T1", *where])
    assert out.exit_code == 0, out.output
    assert "retake-T1-1 to T1 (Unix user ppsk-t1)" in out.output


# ----------------------------------------------------------- accommodations (no root)


def test_accommodation_needs_a_trainee_and_a_reason(db: str) -> None:
    from ppskit.ledger.accommodations import (
        AccommodationRefused,
        accommodation_in_force,
        record_accommodation,
    )

    add_trainees(db, ["T9"])
    with pytest.raises(AccommodationRefused, match="did you mean 'T9'"):
        record_accommodation("t9", extra_time_pct=25, reason="dyslexia", by="c", db=db)
    with pytest.raises(AccommodationRefused, match="why"):
        record_accommodation("T9", extra_time_pct=25, reason="  ", by="c", db=db)
    with pytest.raises(AccommodationRefused, match="between 0 and"):
        record_accommodation("T9", extra_time_pct=400, reason="x", by="c", db=db)
    assert accommodation_in_force("T9", db=db) is None
    day = date(2026, 3, 1)
    record_accommodation("T9", extra_time_pct=25, reason="dyslexia", by="c", on=day, db=db)
    later = day + timedelta(days=30)
    record_accommodation("T9", extra_time_pct=0, reason="withdrawn", by="c", on=later, db=db)
    assert accommodation_in_force("T9", on=day - timedelta(days=1), db=db) is None
    assert accommodation_in_force("T9", on=day + timedelta(days=1), db=db).extra_time_pct == 25
    assert accommodation_in_force("T9", on=later, db=db).extra_time_pct == 0


def test_accommodate_command(db: str) -> None:
    from ppskit.cli import app

    add_trainees(db, ["T9"])
    runner = CliRunner()
    base = ["exam", "accommodate", "T9", "--extra-time", "50", "--by", "coordinator", "--db", db]
    out = runner.invoke(app, [*base, "--reason", "reading support", "--on", "2026-01-05"])
    assert out.exit_code == 0, out.output
    assert "50% extra exam time from 2026-01-05" in out.output
    out = runner.invoke(app, [*base, "--reason", ""])
    assert out.exit_code == 1 and "Say why" in out.output and "Traceback" not in out.output
