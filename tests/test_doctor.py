"""``ppskit doctor``: a shared course directory with the wrong permissions is reported
(and closed by ``--fix``), nbgrader's own exchange layout passes, the install facts a
trainer gets wrong are named, and the command exits 1 on a problem."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ppskit.cli import app
from ppskit.db import ensure_ledger
from ppskit.doctor import (
    OK,
    PROBLEM,
    WARNING,
    Setup,
    check_exchange,
    check_git,
    check_kernel,
    check_ledger,
    check_release,
    check_secret_files,
    check_timezone,
    check_trainee_exchanges,
    check_trainer_only_folders,
    doctor,
    exposure,
    run_checks,
)

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()
OTHERS = stat.S_IRWXO


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _statuses(results) -> set[str]:  # noqa: ANN001
    return {r.status for r in results}


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course directory the way a trainer leaves it after building and grading, with
    every file made under the usual umask 022 (readable by all): the real bank, source and
    release of the repository, nbgrader's gradebook, the keys file, one submission."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root)
    for folder in ("assessments", "source", "release"):
        shutil.copytree(REPO / folder, root / folder)
    for path, text in {
        "gradebook/nbgrader.db": "",
        "gradebook/exam/keys.json": '{"salt": "s3cret"}',
        "submitted/T1/exam-A/exam.ipynb": "{}",
        "autograded/T1/exam-A/exam.ipynb": "{}",
        "feedback/T1/exam-A/exam.html": "<html></html>",
    }.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    for path in [root, *root.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return root


def _close(root: Path) -> None:
    # What docs/course-directory.md asks for: trainer-only folders closed to other users.
    for folder in ("assessments", "source", "release", "gradebook", "submitted"):
        for path in [root / folder, *(root / folder).rglob("*")]:
            os.chmod(path, _mode(path) & ~OTHERS)
    for folder in ("autograded", "feedback"):
        shutil.rmtree(root / folder)


def test_a_course_left_world_readable_is_a_problem_with_the_exact_fix(course: Path):
    results = run_checks(Setup(course), [check_trainer_only_folders])
    [problem] = [r for r in results if r.status == PROBLEM]
    assert "assessments/ (the item bank with every answer key)" in problem.message
    assert (
        problem.fix == "chmod -R o-rwx assessments source submitted autograded feedback gradebook"
    )


def test_fix_closes_it_and_a_closed_course_passes(course: Path):
    report = doctor(course, f"sqlite:///{course}/gradebook/ppskit.db", fix=True)
    changed = "\n".join(report.changed)
    for folder in ("assessments", "source", "release", "gradebook", "submitted"):
        assert f"{folder}: closed to other users" in changed
    assert _mode(course / "assessments" / "blueprint.yaml") & OTHERS == 0
    assert _mode(course / "gradebook" / "exam" / "keys.json") & OTHERS == 0
    # Only others' access was taken away: the trainer and the group keep theirs.
    assert _mode(course / "assessments" / "blueprint.yaml") == 0o640
    after = run_checks(
        Setup(course),
        [check_trainer_only_folders, check_secret_files, check_release],
    )
    assert _statuses(after) == {OK}


def test_a_closed_course_directory_shields_what_is_inside(course: Path):
    os.chmod(course, 0o700)
    results = run_checks(Setup(course), [check_trainer_only_folders, check_secret_files])
    assert _statuses(results) == {OK}


def test_the_keys_file_in_a_passable_folder_is_named(course: Path):
    # gradebook/ can't be listed (0711) but a file with a known name can still be opened.
    _close(course)
    os.chmod(course / "gradebook", 0o711)
    os.chmod(course / "gradebook" / "exam", 0o711)
    os.chmod(course / "gradebook" / "exam" / "keys.json", 0o644)
    results = run_checks(Setup(course), [check_secret_files])
    [problem] = [r for r in results if r.status == PROBLEM]
    assert "the exam keys file gradebook/exam/keys.json" in problem.message
    assert problem.fix == "chmod o-rwx gradebook/exam/keys.json"


def test_a_sqlite_ledger_writable_by_others_is_a_problem(course: Path):
    _close(course)
    url = f"sqlite:///{course}/gradebook/ppskit.db"
    ensure_ledger(url)
    os.chmod(course / "gradebook", 0o755)
    os.chmod(course / "gradebook" / "ppskit.db", 0o666)
    results = run_checks(Setup(course, url), [check_secret_files])
    messages = " ".join(r.message for r in results if r.status == PROBLEM)
    assert "Other users can change the ledger gradebook/ppskit.db" in messages


def test_group_access_is_a_warning_when_the_group_holds_other_accounts(course: Path):
    _close(course)
    shared_gid = next(p.pw_gid for p in __import__("pwd").getpwall() if p.pw_uid != 0)
    for path in [course / "assessments", *(course / "assessments").rglob("*")]:
        os.chown(path, -1, shared_gid)
    results = run_checks(Setup(course), [check_trainer_only_folders])
    [warning] = [r for r in results if r.status == WARNING]
    assert "can read assessments/" in warning.message
    assert warning.fix.startswith("chmod -R g-rwx assessments")


def test_a_release_with_a_hidden_test_is_a_problem(course: Path):
    _close(course)
    path = course / "release" / "exam-A" / "exam.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"][1]["source"] += "\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n"
    path.write_text(json.dumps(nb))
    results = run_checks(Setup(course), [check_release])
    [problem] = [r for r in results if r.status == PROBLEM]
    assert "release/ holds trainer-only text" in problem.message
    assert "hidden-test marker" in problem.message


def _use_exchange(course: Path, root: Path) -> None:
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write(f"\nc.Exchange.root = {str(root)!r}\n")


@pytest.mark.slow
def test_nbgrader_own_exchange_layout_passes_and_a_readable_inbound_does_not(
    course: Path, tmp_path: Path
):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o777)
    _use_exchange(course, exchange)
    run = subprocess.run(
        [sys.executable, "-m", "nbgrader", "release_assignment", "exam-A"],
        cwd=course,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert _statuses(run_checks(Setup(course), [check_exchange])) == {OK}

    os.chmod(exchange / "ppss" / "inbound", 0o2777)
    [problem] = run_checks(Setup(course), [check_exchange])
    assert problem.status == PROBLEM
    assert "could list others' work" in problem.message
    assert problem.fix == f"chmod 2733 {exchange / 'ppss' / 'inbound'}"


def test_an_exchange_root_without_nbgrader_modes_is_a_problem(course: Path, tmp_path: Path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o755)
    _use_exchange(course, exchange)
    [problem] = run_checks(Setup(course), [check_exchange])
    assert problem.status == PROBLEM
    assert problem.fix == f"sudo chmod 0777 {exchange}"
    shutil.rmtree(exchange)
    [missing] = run_checks(Setup(course), [check_exchange])
    assert missing.status == WARNING and "does not exist" in missing.message


def test_a_trainee_exchange_open_to_others_is_a_problem(course: Path, tmp_path: Path):
    base = tmp_path / "ppskit-exchange"
    (base / "t1").mkdir(parents=True)
    os.chmod(base, 0o711)
    os.chmod(base / "t1", 0o1770)
    with (course / "nbgrader_config.py").open("a") as fh:
        fh.write(f"\nc.PpskitDelivery.exchange_root = {str(base)!r}\n")
    assert _statuses(run_checks(Setup(course), [check_trainee_exchanges])) == {OK}
    os.chmod(base / "t1", 0o1777)
    os.chmod(base, 0o755)
    found = run_checks(Setup(course), [check_trainee_exchanges])
    assert _statuses(found) == {PROBLEM}
    assert {r.fix for r in found} == {f"chmod 0711 {base}", f"chmod 1770 {base / 't1'}"}
    assert any("other trainees could read" in r.message for r in found)


def test_ledger_missing_is_named_and_not_created(course: Path):
    url = f"sqlite:///{course}/gradebook/ppskit.db"
    [result] = run_checks(Setup(course, url), [check_ledger])
    assert result.status == WARNING and "No ledger yet" in result.message
    assert not (course / "gradebook" / "ppskit.db").exists()


def test_ledger_behind_the_newest_migration_is_a_problem(tmp_path: Path):
    from alembic import command
    from sqlalchemy import create_engine

    from ppskit.ledger.migrate import _alembic_config, head_revision

    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = _alembic_config()
    with create_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    [result] = run_checks(Setup(None, url), [check_ledger])
    assert result.status == PROBLEM
    assert f"revision 0003; this ppskit needs {head_revision()}" in result.message
    assert result.fix.startswith("ppskit db upgrade")
    ensure_ledger(url)
    assert _statuses(run_checks(Setup(None, url), [check_ledger])) == {OK}


@pytest.mark.postgres
def test_postgres_owner_is_a_problem_and_app_role_passes(pg_roles):
    [app_result] = run_checks(Setup(None, pg_roles["app"]), [check_ledger])
    assert app_result.status == OK and "'ppskit_app' (read and append only)" in app_result.message
    [owner_result] = run_checks(Setup(None, pg_roles["owner"]), [check_ledger])
    assert owner_result.status == PROBLEM
    assert "the owner of the ledger tables" in owner_result.message
    assert owner_result.fix.startswith("ppskit db grant ppskit_app")


def test_git_tracking_the_gradebook_is_a_problem(course: Path):
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(course), *args], check=True, capture_output=True)

    git("init", "-q")
    shutil.copy(REPO / ".gitignore", course / ".gitignore")
    git("add", "nbgrader_config.py", ".gitignore")
    assert _statuses(run_checks(Setup(course), [check_git])) == {OK}
    git("add", "-f", "gradebook/nbgrader.db", "submitted")
    [problem] = run_checks(Setup(course), [check_git])
    assert problem.status == PROBLEM
    assert problem.fix.startswith("git rm -r --cached gradebook/nbgrader.db submitted")
    git("rm", "-q", "-r", "--cached", "gradebook/nbgrader.db", "submitted")
    (course / ".gitignore").write_text("")
    [warning] = run_checks(Setup(course), [check_git])
    assert warning.status == WARNING and "gradebook/exam/keys.json" in warning.message


@pytest.fixture
def tz(monkeypatch):
    """Set TZ for one test (and the C library's idea of local time with it)."""

    def set_tz(value: str) -> None:
        monkeypatch.setenv("TZ", value)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()


def test_a_misspelt_timezone_is_a_problem_and_a_real_one_passes(tz):
    tz("America/LosAngeles")
    [result] = run_checks(Setup(None), [check_timezone])
    assert result.status == PROBLEM and "'America/LosAngeles'" in result.message
    tz("America/Los_Angeles")
    [result] = run_checks(Setup(None), [check_timezone])
    assert result.status == OK and "America/Los_Angeles" in result.message
    tz("UTC")
    [result] = run_checks(Setup(None), [check_timezone])
    assert result.status == WARNING


@pytest.mark.slow
def test_a_kernel_without_ppskit_is_a_problem(tmp_path: Path, monkeypatch):
    system_python = shutil.which("python3", path="/usr/bin")
    if system_python is None:
        pytest.skip("no /usr/bin/python3 to stand in for a Python without ppskit")
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [system_python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3",
                "language": "python",
                "env": {"PYTHONPATH": "", "PYTHONNOUSERSITE": "1"},
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    [result] = run_checks(Setup(None), [check_kernel])
    assert result.status == PROBLEM
    assert "exam's first cell fails for every trainee" in result.message
    assert system_python in result.message


def test_no_course_directory_is_a_problem(tmp_path: Path):
    report = doctor(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}")
    first = report.results[0]
    assert first.status == PROBLEM
    assert f"No nbgrader_config.py in {tmp_path}, so this is not a course" in first.message


@pytest.mark.slow
def test_cli_exits_1_on_a_problem_and_fix_clears_it(course: Path, tmp_path: Path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o777)
    _use_exchange(course, exchange)
    url = f"sqlite:///{course}/gradebook/ppskit.db"
    ensure_ledger(url)
    bad = runner.invoke(app, ["doctor", "--course", str(course), "--db", url])
    assert bad.exit_code == 1, bad.output
    assert "chmod -R o-rwx assessments" in bad.output
    assert "problems to fix" in bad.output

    fixed = runner.invoke(app, ["doctor", "--course", str(course), "--db", url, "--fix"])
    assert "Fixed: assessments: closed to other users" in fixed.output
    assert fixed.exit_code == 0, fixed.output
    assert "No problems found" in fixed.output


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("runuser") is None,
    reason="needs root and runuser to try the files as another account",
)
def test_what_doctor_calls_readable_is_what_another_account_can_read(course: Path):
    # The course must sit where another account can get to it at all: /tmp/pytest-of-root
    # is closed, so move it under a passable folder of its own.
    outer = Path(tempfile.mkdtemp(prefix="ppskit-doctor-", dir="/tmp"))
    try:
        os.chmod(outer, 0o711)
        root = Path(shutil.move(str(course), outer / "course"))
        os.chmod(root / "assessments", 0o700)  # closed folder, files inside 0644
        os.chmod(root / "gradebook", 0o711)  # not listable, but passable
        os.chmod(root / "gradebook" / "exam", 0o711)
        os.chmod(root / "source", 0o750)
        found = set(exposure(root, root).others_read)
        for path in [root, *root.rglob("*")]:
            can = subprocess.run(["runuser", "-u", "nobody", "--", "test", "-r", str(path)])
            assert (can.returncode == 0) == (path in found), path
        assert root / "gradebook" / "exam" / "keys.json" in found
        assert not any(p.is_relative_to(root / "assessments") for p in found)
    finally:
        shutil.rmtree(outer)
