"""A real JupyterHub: trainees are hub users, progress goes through the hub service.

One hub for the whole file (module scope), started from the ``jupyterhub_config.py``
that ``ppskit hub config`` writes, on 127.0.0.1 with ``configurable-http-proxy`` and
LocalProcessSpawner. Two trainees and one trainer are real Unix accounts:

* ``ppskhub-t1`` is linked to trainee ``T1`` with ``ppskit hub link``;
* ``ppskhub-t2`` is registered under its own account name (no link needed);
* ``ppskhub-trainer`` is in the ``trainers`` group.

The ledger (SQLite) lives in the course folder, mode 0700, owned by root: only the
hub's services can read it. Each trainee's kernel opens a module, finishes an exercise
and records hours through the progress service; the rows land under their own trainee
id, and nothing a kernel does reaches another trainee's record, the ledger file or the
course folder. The dashboard service answers the trainer and refuses trainees.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest_hub import hub_missing_reason, make_account, remove_account, running_hub

REPO = Path(__file__).resolve().parents[1]
T1, T2, TRAINER = "ppskhub-t1", "ppskhub-t2", "ppskhub-trainer"
TRAINEE_IDS = {T1: "T1", T2: T2}
MODULE = "communication"


@pytest.fixture(scope="module")
def site():  # noqa: ANN201
    reason = hub_missing_reason()
    if reason:
        pytest.skip(reason)
    from fixtures.exam.support import add_trainees

    from ppskit.hub.accounts import link_account

    # Under /tmp, not pytest's tmp_path (private to root): the accounts must reach the
    # Python and the ppskit package kept here; the course folder stays root-only.
    work = Path(tempfile.mkdtemp(prefix="ppskit-hub-", dir="/tmp"))
    course = work / "course"
    (course / "gradebook").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    shutil.copy(REPO / "gradebook" / "dashboard.ipynb", course / "gradebook")
    ledger = course / "gradebook" / "ppskit.db"
    db = f"sqlite:///{ledger}"
    accounts = [T1, T2, TRAINER]
    try:
        for account in accounts:
            make_account(account)
        add_trainees(db, sorted(TRAINEE_IDS.values()))
        link_account(T1, "T1", by="test trainer", db=db)
        ledger.chmod(0o600)
        course.chmod(0o700)
        # The module notebooks hold no answers: every account may read this copy, which
        # each trainee's server start copies into their own home.
        modules = work / "trainee-modules"
        shutil.copytree(REPO / "modules", modules)
        for folder, _dirs, files in os.walk(modules):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
        with running_hub(
            work,
            course=course,
            db=db,
            trainees=[T1, T2],
            trainers=[TRAINER],
            trainee_modules=modules,
        ) as hub:
            hub.start_servers(T1, T2)
            yield SimpleNamespace(hub=hub, db=db, ledger=ledger, course=course, work=work)
    finally:
        for account in accounts:
            remove_account(account)
        shutil.rmtree(work, ignore_errors=True)


# What a trainee's notebook does: open the module (no trainee id typed), finish its
# first exercise, press "Record my hours". The kernel prints what it saw as JSON.
FINISH_AND_RECORD = f"""
import json, os
from ppskit.exercises import open_module
from ppskit.exercises.backend import default_backend

module = open_module({MODULE!r})
first = module.exercise_ids[0]
module.mark_done(first)
message = module.record_hours()
print(json.dumps({{
    "trainee": module.trainee,
    "backend": type(default_backend()).__name__,
    "has_db_url": "PPSKIT_DB" in os.environ,
    "exercise": first,
    "message": message,
}}))
"""


# The notebook's writes go through ``LocalBackend`` on the service's side, whose ledger
# functions live in ppskit.ledger.progress (written alongside this package).
needs_progress_ledger = pytest.mark.skipif(
    importlib.util.find_spec("ppskit.ledger.progress") is None,
    reason="needs ppskit.ledger.progress (LocalBackend's mark_done / who / answers)",
)


def _ledger_rows(db: str, table: str) -> list[dict]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table}"))]
    engine.dispose()
    return rows


@pytest.mark.hub
@pytest.mark.slow
@needs_progress_ledger
def test_each_trainee_records_under_their_own_id(site) -> None:  # noqa: ANN001
    seen = {account: site.hub.run(account, FINISH_AND_RECORD).json() for account in (T1, T2)}
    for account, said in seen.items():
        # The hub user is the identity, as its linked tracker id; the kernel talks to
        # the service, not the ledger.
        assert said["trainee"] == TRAINEE_IDS[account]
        assert said["backend"] == "RemoteBackend"
        assert not said["has_db_url"]
        assert "Recorded" in said["message"], said["message"]
    progress = _ledger_rows(site.db, "exercise_progress")
    hours = [r for r in _ledger_rows(site.db, "hours_entries") if r["source"] == "module"]
    for account, trainee in TRAINEE_IDS.items():
        assert {
            (r["module_id"], r["exercise_id"]) for r in progress if r["trainee_id"] == trainee
        } == {(MODULE, seen[account]["exercise"])}
        mine = [r for r in hours if r["trainee_id"] == trainee]
        assert len(mine) == 1 and mine[0]["note"] == f"module:{MODULE}"
    # Pressing the button again records nothing more.
    again = site.hub.run(T1, "print(module.record_hours())")
    assert "already recorded" in again.stdout, again


@pytest.mark.hub
@pytest.mark.slow
@needs_progress_ledger
def test_a_trainee_cannot_ask_for_another_trainees_progress(site) -> None:  # noqa: ANN001
    # T2 finishes a module T1 never opens; then T1's kernel asks about T2.
    only_t2 = site.hub.run(
        T2,
        "from ppskit.exercises import open_module\n"
        "other = open_module('secondary-trauma')\n"
        "other.mark_done(other.exercise_ids[0])\n"
        "print(repr(other.exercise_ids[0]))",
    )
    assert only_t2.error is None, only_t2.error
    code = f"""
import json
from ppskit.exercises.backend import default_backend
from ppskit.exercises.module import LedgerProblem

backend = default_backend()
try:
    other = backend.progress({T2!r})
except LedgerProblem as exc:
    other = str(exc)
print(json.dumps({{"other": other, "own": backend.progress({T1!r}), "who": backend.who(None)}}))
"""
    said = site.hub.run(T1, code).json()
    assert said["other"] == "You can only see and record your own training, not another trainee's."
    # Asking for itself (by account name, or with no id at all) answers for T1 only.
    assert "secondary-trauma" not in said["own"]
    assert said["who"]["trainee_id"] == "T1"
    assert any(
        r["trainee_id"] == T2 and r["module_id"] == "secondary-trauma"
        for r in _ledger_rows(site.db, "exercise_progress")
    )


@pytest.mark.hub
@pytest.mark.slow
def test_the_service_refuses_unlinked_accounts_and_other_methods(site) -> None:  # noqa: ANN001
    hub = site.hub
    # The trainer's account is no trainee: the service says so, in words.
    status, text = hub.request(
        "/services/ppskit-progress/api/progress", token=hub.token(TRAINER), method="POST", body={}
    )
    assert status == 403
    assert json.loads(text) == {
        "error": "This hub account is not linked to a trainee yet; ask your trainer."
    }
    status, text = hub.request(
        "/services/ppskit-progress/api/link_account", token=hub.token(T1), method="POST", body={}
    )
    assert status == 404 and "no 'link_account'" in json.loads(text)["error"]
    status, text = hub.request("/services/ppskit-progress/api/progress", method="POST", body={})
    assert status == 401 and "hub sign-in" in json.loads(text)["error"]


@pytest.mark.hub
@pytest.mark.slow
def test_a_trainee_kernel_cannot_read_the_ledger_others_or_the_course(site) -> None:  # noqa: ANN001
    t2_home = f"/home/{T2}"
    code = f"""
import json
tried = {{}}
for what, attempt in {{
    "ledger": lambda: open({str(site.ledger)!r}, "rb").read(1),
    "course": lambda: __import__("os").listdir({str(site.course)!r}),
    "other_home": lambda: __import__("os").listdir({t2_home!r}),
}}.items():
    try:
        attempt()
        tried[what] = "read"
    except PermissionError:
        tried[what] = "PermissionError"
print(json.dumps(tried))
"""
    assert site.hub.run(T1, code).json() == {
        "ledger": "PermissionError",
        "course": "PermissionError",
        "other_home": "PermissionError",
    }


@pytest.mark.hub
@pytest.mark.slow
def test_the_dashboard_is_for_trainers_only(site) -> None:  # noqa: ANN001
    import time

    hub = site.hub
    path = "/services/ppskit-dashboard/"
    deadline = time.monotonic() + 120
    status, page = hub.request(path, token=hub.token(TRAINER))
    while status in (502, 503) and time.monotonic() < deadline:  # Voila still starting
        time.sleep(1)
        status, page = hub.request(path, token=hub.token(TRAINER))
    assert status == 200, page[:500]
    assert "voila" in page.lower()
    # Code never reaches the page.
    assert "show_dashboard" not in page
    status, _ = hub.request(path, token=hub.token(T1))
    assert status == 403
    # A visitor who has not signed in is sent to the hub's sign-in, not shown the page.
    status, _ = hub.request(path)
    assert status == 302


@pytest.mark.hub
@pytest.mark.slow
@pytest.mark.browser
def test_a_trainer_signs_in_and_sees_the_dashboard(site) -> None:  # noqa: ANN001
    """In a browser: the hub's sign-in page, the hub's OAuth, then the dashboard's charts;
    a trainee who signs in the same way gets 403."""
    from conftest_browser import chromium_missing_reason, launch

    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    def sign_in(page, account: str):  # noqa: ANN001, ANN202
        page.goto(f"{site.hub.url}/hub/login?next=/services/ppskit-dashboard/")
        page.fill("#username_input", account)
        page.fill("#password_input", "any password: the test hub's dummy authenticator")
        with page.expect_navigation():
            page.click("#login_submit")

    with sync_playwright() as p:
        browser = launch(p)
        try:
            trainer = browser.new_context().new_page()
            trainer.set_default_timeout(120_000)
            sign_in(trainer, TRAINER)
            expect(trainer.get_by_text("Supervisor dashboard")).to_be_visible(timeout=120_000)
            expect(trainer.locator('img[alt="Trainees by stage"]')).to_be_visible()
            assert trainer.url.startswith(f"{site.hub.url}/services/ppskit-dashboard/")
            assert "show_dashboard" not in trainer.content()

            trainee = browser.new_context().new_page()
            trainee.set_default_timeout(120_000)
            sign_in(trainee, T1)
            assert "Supervisor dashboard" not in trainee.content()
            assert "403" in trainee.content()
        finally:
            browser.close()


# --- The pieces without a hub: accounts, the service and its client, the config. -----


def test_accounts_default_to_the_trainee_id_and_links_win(db: str) -> None:
    from fixtures.exam.support import add_trainees

    from ppskit.hub.accounts import current_links, link_account, trainee_for_account

    add_trainees(db, ["T1", "jdoe", "MS-014"])
    # Registered under the hub name (hub names are lower case): no link needed.
    assert trainee_for_account("jdoe", db=db) == "jdoe"
    assert trainee_for_account("t1", db=db) == "T1"
    assert trainee_for_account("nobody", db=db) is None
    assert link_account("Pat", "MS-014", by="trainer", db=db) == (
        "The hub account 'pat' is now trainee MS-014."
    )
    assert trainee_for_account("pat", db=db) == "MS-014"
    assert "already" in link_account("pat", "MS-014", by="trainer", db=db)
    # A correction is a new row; the latest wins and the old one stays on record.
    link_account("pat", "T1", by="trainer", db=db)
    assert trainee_for_account("pat", db=db) == "T1"
    assert [(k.account, k.trainee_id) for k in current_links(db=db)] == [("pat", "T1")]
    # T1 now belongs to 'pat': a hub user who signs in as 't1' is not T1 any more.
    assert trainee_for_account("t1", db=db) is None


def test_linking_refuses_plainly(db: str) -> None:
    from fixtures.exam.support import add_trainees

    from ppskit.hub.accounts import link_account

    add_trainees(db, ["T1"])
    with pytest.raises(ValueError, match=r"did you mean 'T1'"):
        link_account("pat", "t1", by="trainer", db=db)
    with pytest.raises(ValueError, match="not a hub account name"):
        link_account("two words", "T1", by="trainer", db=db)
    with pytest.raises(ValueError, match="--by"):
        link_account("pat", "T1", by=" ", db=db)


def test_hub_link_and_accounts_commands(sqlite_db: str) -> None:
    from fixtures.exam.support import add_trainees
    from typer.testing import CliRunner

    from ppskit.cli import app

    add_trainees(sqlite_db, ["MS-014"])
    runner = CliRunner()
    done = runner.invoke(app, ["hub", "link", "pat", "MS-014", "--by", "Ana", "--db", sqlite_db])
    assert done.exit_code == 0 and "now trainee MS-014" in done.output
    listed = runner.invoke(app, ["hub", "accounts", "--db", sqlite_db])
    assert listed.exit_code == 0
    assert "pat" in listed.output and "MS-014" in listed.output and "Ana" in listed.output
    refused = runner.invoke(app, ["hub", "link", "pat", "nobody", "--by", "Ana", "--db", sqlite_db])
    assert refused.exit_code == 1 and "nobody" in refused.output
    assert "Traceback" not in refused.output


class FakeHubAuth:
    """What the service needs of ``HubAuth``: tokens known in advance, each a hub user."""

    access_scopes = {"access:services!service=ppskit-progress"}

    def __init__(self, users: dict[str, dict]):
        self.users = users

    def get_token(self, handler, in_cookie=True):  # noqa: ANN001, ANN201
        header = handler.request.headers.get("Authorization", "")
        return header.split(" ", 1)[1] if " " in header else None

    async def user_for_token(self, token, sync=True):  # noqa: ANN001, ANN201
        return self.users.get(token)

    def check_scopes(self, required, user):  # noqa: ANN001, ANN201
        return set(required) & set(user["scopes"])


class FakeBackend:
    """Records what the service asked; fails on request."""

    def __init__(self):
        self.calls: list[tuple] = []

    def progress(self, trainee_id):  # noqa: ANN001, ANN201
        self.calls.append(("progress", trainee_id))
        return {"communication": {"b", "a"}}

    def mark_done(self, trainee_id, module_id, exercise_id, answer=None):  # noqa: ANN001, ANN201
        self.calls.append(("mark_done", trainee_id, module_id, exercise_id, answer))

    def record_hours(self, trainee_id, module_id, active_minutes=None):  # noqa: ANN001, ANN201
        from ppskit.imports import ImportRejected, RowError

        if module_id == "too-much":
            raise ImportRejected("Record my hours", [RowError(0, "hours", "more than 24 hours")])
        if module_id == "broken":
            raise RuntimeError("disk I/O error")
        return f"Recorded {module_id}."

    def who(self, trainee_id):  # noqa: ANN001, ANN201
        return {"trainee_id": trainee_id}

    answers = my_training = who


@pytest.fixture
def service(sqlite_db: str):  # noqa: ANN201
    """The progress service on a free local port with a fake hub, and its pieces."""
    import asyncio
    import threading

    from fixtures.exam.support import add_trainees

    from ppskit.hub.accounts import link_account
    from ppskit.hub.service import make_app
    from ppskit.reports.serve import free_port

    add_trainees(sqlite_db, ["T1", "T2"])
    link_account("pat", "T1", by="test", db=sqlite_db)
    scope = ["access:services!service=ppskit-progress"]
    auth = FakeHubAuth(
        {
            "tok-pat": {"kind": "user", "name": "pat", "scopes": scope},
            "tok-t2": {"kind": "user", "name": "t2", "scopes": scope},
            "tok-stranger": {"kind": "user", "name": "stranger", "scopes": scope},
            "tok-noscope": {"kind": "user", "name": "pat", "scopes": []},
            "tok-service": {"kind": "service", "name": "x", "scopes": scope},
        }
    )
    backend = FakeBackend()
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        make_app(db=sqlite_db, hub_auth=auth, backend=backend).listen(port, "127.0.0.1")
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(10)
    url = f"http://127.0.0.1:{port}/services/ppskit-progress/"
    yield SimpleNamespace(url=url, backend=backend, port=port)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def test_the_service_answers_for_the_callers_own_trainee(service) -> None:  # noqa: ANN001
    from ppskit.hub.client import RemoteBackend

    pat = RemoteBackend(service.url, token="tok-pat")
    # The id the notebook sends (the hub user name) becomes the linked trainee id.
    assert pat.progress("pat") == {"communication": ["a", "b"]}
    pat.mark_done("pat", "communication", "ex-1", {"choice": "b"})
    assert pat.record_hours("T1", "communication", 12.5) == "Recorded communication."
    assert pat.who(None) == {"trainee_id": "T1"}
    assert service.backend.calls[:2] == [
        ("progress", "T1"),
        ("mark_done", "T1", "communication", "ex-1", {"choice": "b"}),
    ]
    # Registered under the account's own name: no link needed.
    assert RemoteBackend(service.url, token="tok-t2").who("t2") == {"trainee_id": "T2"}


def test_the_service_refuses_in_plain_words(service) -> None:  # noqa: ANN001
    from ppskit.exercises.module import LedgerProblem
    from ppskit.hub.client import RemoteBackend

    def refusal(token: str, call):  # noqa: ANN001, ANN202
        with pytest.raises(LedgerProblem) as caught:
            call(RemoteBackend(service.url, token=token))
        return str(caught.value)

    calls_before = len(service.backend.calls)
    assert refusal("tok-pat", lambda b: b.progress("T2")) == (
        "You can only see and record your own training, not another trainee's."
    )
    assert refusal("tok-stranger", lambda b: b.progress("stranger")) == (
        "This hub account is not linked to a trainee yet; ask your trainer."
    )
    assert "expired" in refusal("tok-wrong", lambda b: b.progress("pat"))
    assert "may not use" in refusal("tok-noscope", lambda b: b.progress("pat"))
    assert "Only trainees" in refusal("tok-service", lambda b: b.progress("pat"))
    assert len(service.backend.calls) == calls_before  # none of these reached the ledger
    # The ledger's own refusal is passed on as its sentence; a fault as a plain one.
    assert "more than 24 hours" in refusal("tok-pat", lambda b: b.record_hours("pat", "too-much"))
    broken = refusal("tok-pat", lambda b: b.record_hours("pat", "broken"))
    assert "nothing was saved" in broken and "disk" not in broken
    assert "not running on the hub" in refusal("", lambda b: b.progress("pat"))


def test_the_service_takes_only_backend_methods_as_json(service) -> None:  # noqa: ANN001
    import urllib.error
    import urllib.request

    def post(path: str, body: bytes, token: str = "tok-pat") -> tuple[int, dict]:
        req = urllib.request.Request(
            service.url + path, data=body, method="POST",
            headers={"Authorization": f"token {token}"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    assert post("api/progress", b"{}") == (200, {"result": {"communication": ["a", "b"]}})
    status, said = post("api/trainees_frame", b"{}")
    assert status == 404 and "no 'trainees_frame'" in said["error"]
    status, said = post("api/progress", b"[1, 2]")
    assert status == 400 and "JSON object" in said["error"]
    status, said = post("api/progress", b'{"db": "sqlite:////etc/passwd"}')
    assert status == 400 and "cannot run 'progress'" in said["error"]


def test_the_client_says_when_the_service_is_down() -> None:
    from ppskit.exercises.module import LedgerProblem
    from ppskit.hub.client import RemoteBackend
    from ppskit.reports.serve import free_port

    down = RemoteBackend(f"http://127.0.0.1:{free_port()}/services/ppskit-progress/", token="t")
    with pytest.raises(LedgerProblem, match="could not be reached, so nothing was saved"):
        down.mark_done("pat", "communication", "ex-1")
    with pytest.raises(ValueError, match="not one of the backend methods"):
        down.call("trainees_frame", "pat")


def test_default_backend_is_the_service_when_the_hub_says_so(monkeypatch) -> None:  # noqa: ANN001
    from ppskit.exercises.backend import LocalBackend, default_backend
    from ppskit.hub.client import RemoteBackend

    monkeypatch.setenv("PPSKIT_PROGRESS_URL", "http://127.0.0.1:1/services/ppskit-progress")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "abc")
    remote = default_backend()
    assert isinstance(remote, RemoteBackend)
    assert remote.url.endswith("/services/ppskit-progress/") and remote.token == "abc"
    monkeypatch.delenv("PPSKIT_PROGRESS_URL")
    assert isinstance(default_backend(), LocalBackend)


def _course(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    return course


def test_hub_config_writes_services_roles_and_spawner(tmp_path: Path) -> None:
    from traitlets.config import Config
    from typer.testing import CliRunner

    from ppskit.cli import app

    course = _course(tmp_path)
    out = tmp_path / "jupyterhub_config.py"
    db = "postgresql+psycopg://ppskit_app:secret@db/ppss"
    done = CliRunner().invoke(
        app,
        ["hub", "config", "--course", str(course), "--db", db, "--out", str(out),
         "--trainee", "Pat", "--trainee", "jdoe", "--trainer", "ana"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert out.stat().st_mode & 0o777 == 0o600  # it holds the ledger's password
    c = Config()
    exec(compile(out.read_text(), str(out), "exec"), {"get_config": lambda: c})
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert set(services) == {"ppskit-progress", "ppskit-dashboard"}
    for service in services.values():
        # The ledger URL reaches the services through their environment, never argv.
        assert service["environment"] == {"PPSKIT_DB": db}
        assert db not in " ".join(service["command"])
        assert service["cwd"] == str(course.resolve())
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["user"]["scopes"] == ["self", "access:services!service=ppskit-progress"]
    assert roles["ppskit-trainers"] == {
        "name": "ppskit-trainers",
        "groups": ["trainers"],
        "scopes": ["access:services!service=ppskit-dashboard"],
    }
    assert c.JupyterHub.load_groups == {
        "trainees": {"users": ["jdoe", "pat"]},
        "trainers": {"users": ["ana"]},
    }
    assert c.JupyterHub.spawner_class == "jupyterhub.spawner.LocalProcessSpawner"
    assert "access:services!service=ppskit-progress" in c.Spawner.server_token_scopes
    assert c.Spawner.environment["PPSKIT_PROGRESS_URL"].endswith("/services/ppskit-progress/")
    assert "PPSKIT_DB" not in c.Spawner.environment


def test_hub_config_refuses_plainly(tmp_path: Path) -> None:
    from ppskit.hub.config import config_text

    with pytest.raises(ValueError, match="not a course folder"):
        config_text(course=tmp_path, db="sqlite:///x.db")
    with pytest.raises(ValueError, match="both a trainee and a trainer"):
        config_text(course=_course(tmp_path), db="sqlite:///x.db", trainees=["a"], trainers=["A"])


def test_trainee_servers_never_get_the_ledger() -> None:
    from ppskit.hub.config import prepare_spawner

    def spawner(*groups: str) -> SimpleNamespace:
        user = SimpleNamespace(groups=[SimpleNamespace(name=g) for g in groups])
        return SimpleNamespace(user=user, environment={"PPSKIT_DB": "postgresql://…", "A": "1"})

    trainee, trainer = spawner("trainees"), spawner("trainers")
    prepare_spawner(trainee)
    prepare_spawner(trainer)
    assert trainee.environment == {"A": "1", "PPSKIT_HUB_ROLE": "trainee"}
    assert trainer.environment["PPSKIT_HUB_ROLE"] == "trainer"


def test_dashboard_service_uses_the_hubs_sign_in(tmp_path: Path) -> None:
    from ppskit.hub.dashboard_service import dashboard_service_command

    cmd = dashboard_service_command(tmp_path / "dashboard.ipynb", 10112, "/services/x/")
    assert "--Voila.base_url=/services/x/" in cmd
    assert "--Voila.identity_provider_class=ppskit.hub.voila_auth.HubIdentityProvider" in cmd
    # Everything ``ppskit dashboard`` promises still holds: no code, no tracebacks.
    assert "--VoilaConfiguration.strip_sources=True" in cmd
    assert "--VoilaConfiguration.show_tracebacks=False" in cmd


def test_services_listen_where_the_hubs_proxy_finds_them(monkeypatch) -> None:  # noqa: ANN001
    from ppskit.hub.service import listen_address

    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10111")
    assert listen_address() == ("127.0.0.1", 10111)
    # On Kubernetes the URL names the hub's Service, not an address of the pod.
    monkeypatch.setenv("JUPYTERHUB_SERVICE_URL", "http://hub:10112")
    assert listen_address() == ("0.0.0.0", 10112)
    monkeypatch.delenv("JUPYTERHUB_SERVICE_URL")
    assert listen_address(default=10112) == ("127.0.0.1", 10112)


@pytest.mark.hub
@pytest.mark.slow
@needs_progress_ledger
def test_a_parent_walks_a_module_on_the_hub(site) -> None:  # noqa: ANN001
    """The parent's path on the hub, in Chromium: the hub's sign-in is the only sign-in;
    the module shows no code; an exercise is finished and a story draft saved; the
    server is stopped and started again (nothing left in memory) and the progress and
    the draft come back; the hours are recorded under the trainee's own id; "My
    training" shows them. Screenshots: artifacts/screenshots/hub-walk-*.png."""

    from conftest_browser import (
        chromium_missing_reason,
        launch,
        screenshot,
        start_notebook,
        text_snippet,
    )

    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    from ppskit.exercises import load_content
    from ppskit.ledger.progress import exercise_finished, trainee_card

    module_id, notebook = (
        "telling-your-story",
        "modules/10-telling-your-story/10-telling-your-story.ipynb",
    )
    trainee = TRAINEE_IDS[T1]
    name = trainee_card(trainee, db=site.db)["name"]
    content = load_content(module_id)
    choice = next(e for e in content.exercises if e.kind == "choice" and not e.multiple)
    right = next(o for o in choice.options if o.correct)
    story = next(e for e in content.exercises if e.kind == "story")
    # Earlier sessions finished the rest of the module (written as the office would).
    for ex in content.exercises:
        if ex.id not in (choice.id, story.id):
            exercise_finished(trainee, module_id, ex.id, None, db=site.db)
    draft = "The night we waited in the emergency room, I felt alone."

    def open_notebook(page, path: str) -> None:  # noqa: ANN001
        start_notebook(page, f"{site.hub.url}/user/{T1}/lab/tree/{path}?reset")

    def card_of(page, title: str):  # noqa: ANN001, ANN202
        return page.locator(".widget-vbox").filter(has=page.locator("h3", has_text=title)).last

    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1366, "height": 1000})
        try:
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{site.hub.url}/hub/login?next=/user/{T1}/lab/tree/{notebook}")
            page.fill("#username_input", T1)
            page.fill("#password_input", "any password: the test hub's dummy authenticator")
            screenshot(page, "hub-walk-1-hub-sign-in.png")
            with page.expect_navigation():
                page.click("#login_submit")
            open_notebook(page, notebook)
            # The hub account is the trainee: nothing to type, nothing to change.
            expect(page.get_by_text(f"Signed in as {name} ({trainee})").first).to_be_visible()
            assert page.get_by_role("button", name="Change").filter(visible=True).count() == 0
            for code in ("open_module", "module.exercise", "module.finish"):
                assert page.get_by_text(code).filter(visible=True).count() == 0, code
            expect(page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")).to_have_count(0)
            screenshot(page, "hub-walk-2-module-signed-in.png")

            card = card_of(page, choice.title)
            card.scroll_into_view_if_needed()
            row = card.locator(".widget-hbox").filter(has_text=text_snippet(right.text)).last
            row.locator("input[type=checkbox]").check()
            card.get_by_role("button", name="Check my answer").click()
            expect(card.get_by_text("That's right.")).to_be_visible()
            builder = card_of(page, story.title)
            builder.scroll_into_view_if_needed()
            builder.locator("textarea").first.fill(draft)
            builder.get_by_role("button", name="Save my draft").click()
            expect(builder.get_by_text("Only you can read it").first).to_be_visible()
            screenshot(page, "hub-walk-3-exercise-and-draft.png")

            # Close everything: the trainee's server stops and starts again.
            page.close()
            site.hub.stop_server(T1)
            site.hub.start_servers(T1)
            page = context.new_page()
            page.set_default_timeout(120_000)
            open_notebook(page, notebook)
            expect(page.get_by_text(f"Signed in as {name} ({trainee})").first).to_be_visible()
            card = card_of(page, choice.title)
            card.scroll_into_view_if_needed()
            expect(card.get_by_text("You finished this exercise earlier")).to_be_visible()
            builder = card_of(page, story.title)
            expect(builder.locator("textarea").first).to_have_value(draft)
            screenshot(page, "hub-walk-4-reopened.png")

            areas = builder.locator("textarea")
            for i in range(1, areas.count()):
                areas.nth(i).fill("We found a parent group, and it helped. You are not alone.")
            selects = builder.locator("select")
            for i in range(selects.count()):
                selects.nth(i).select_option(index=1)
            for check in story.boundary_checks:
                q = (
                    builder.locator(".widget-hbox")
                    .filter(has_text=text_snippet(check.question))
                    .last
                )
                q.get_by_role("button", name=check.safe_answer, exact=True).click()
            builder.get_by_role("button", name="My story is ready").click()
            expect(builder.get_by_text("Your story is ready").first).to_be_visible()
            finish = (
                page.locator(".widget-vbox")
                .filter(has=page.get_by_role("button", name="Record my hours"))
                .last
            )
            finish.scroll_into_view_if_needed()
            finish.get_by_role("button", name="Record my hours").click()
            expect(finish.get_by_text(f"of this module for {trainee}")).to_be_visible()
            screenshot(page, "hub-walk-5-hours-recorded.png")

            open_notebook(page, "modules/00-my-training.ipynb")
            expect(page.get_by_text(f"My training: {name}")).to_be_visible()
            row = page.locator("tr", has_text="Telling your story").first
            expect(row).to_contain_text("recorded, waiting for your trainer")
            screenshot(page, "hub-walk-6-my-training.png")
        finally:
            browser.close()
    hours = [
        r
        for r in _ledger_rows(site.db, "hours_entries")
        if r["source"] == "module" and r["note"] == f"module:{module_id}"
    ]
    assert [r["trainee_id"] for r in hours] == [trainee]
