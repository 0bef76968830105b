"""``ppskit hub config``: a ``jupyterhub_config.py`` for a hub where trainees train.

What it sets up (docs/jupyterhub.md explains each part):

* two hub-managed services run by the hub, both with the ledger URL in their
  environment (never on a command line, where other accounts could read it):
  ``ppskit-progress`` (:mod:`ppskit.hub.service`), which every signed-in user may call
  for their own trainee, and ``ppskit-dashboard`` (:mod:`ppskit.hub.dashboard_service`),
  open to the ``trainers`` group only;
* roles: the ``user`` role gains the progress service's access scope; ``ppskit-trainers``
  holds the dashboard's and is given to the ``trainers`` group;
* the single-user servers: LocalProcessSpawner (each trainee a Unix account), their hub
  token allowed to call the progress service, ``$PPSKIT_PROGRESS_URL`` pointing at it,
  and :func:`prepare_spawner` telling trainees' servers from trainers'.

The authenticator is the site's choice (PAM by default on a local hub); the file says
where to set it.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from ppskit.hub.dashboard_service import DEFAULT_PORT as DASHBOARD_PORT
from ppskit.hub.dashboard_service import SERVICE_NAME as DASHBOARD_SERVICE
from ppskit.hub.service import DEFAULT_PORT as PROGRESS_PORT
from ppskit.hub.service import SERVICE_NAME as PROGRESS_SERVICE

TRAINERS_GROUP = "trainers"
TRAINEES_GROUP = "trainees"
#: Set in every single-user server: ``trainee`` or ``trainer``.
ROLE_ENV = "PPSKIT_HUB_ROLE"

#: What a trainee server's token may do: the hub's defaults plus the progress service.
SERVER_TOKEN_SCOPES = (
    "users:activity!user",
    "access:servers!server",
    f"access:services!service={PROGRESS_SERVICE}",
)


def _py(value) -> str:  # noqa: ANN001
    # Strings and lists of strings as Python literals in one quoting style (JSON's is
    # valid Python for them), so the written file reads evenly.
    return json.dumps(value, ensure_ascii=False)


def _names(values) -> list[str]:  # noqa: ANN001
    from ppskit.hub.accounts import account_name

    return sorted({account_name(v) for v in values or ()})


def config_text(
    *,
    course: Path,
    db: str,
    python: str | None = None,
    bind_url: str = "http://127.0.0.1:8000",
    progress_url: str | None = None,
    progress_port: int = PROGRESS_PORT,
    dashboard_port: int = DASHBOARD_PORT,
    trainees: list[str] | None = None,
    trainers: list[str] | None = None,
    trainee_modules: Path | str | None = None,
) -> str:
    """The text of ``jupyterhub_config.py`` (``ValueError`` in words for bad input).

    ``python`` runs the services (default: this interpreter, which has ppskit);
    ``progress_url`` is where trainees' kernels reach the progress service (default: the
    service's own address on this machine, right for LocalProcessSpawner; on Kubernetes
    the proxy's, see docs/jupyterhub.md). ``trainee_modules``: a folder of the module
    notebooks every account can read (default: the course's ``modules/``), copied into
    each trainee's home when their server starts.
    """
    course = Path(course).resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise ValueError(
            f"{course} is not a course folder (it has no nbgrader_config.py); pass --course "
            "with the folder the trainers work in."
        )
    if not (db or "").strip():
        raise ValueError("Pass --db with the ledger's URL (the app role's, on PostgreSQL).")
    from ppskit.db import resolve_url

    db = resolve_url(db)
    python = python or sys.executable
    trainees, trainers = _names(trainees), _names(trainers)
    both = set(trainees) & set(trainers)
    if both:
        raise ValueError(
            f"{', '.join(sorted(both))} cannot be both a trainee and a trainer on one hub: "
            "a trainer sees every trainee's record."
        )
    progress_service_url = f"http://127.0.0.1:{progress_port}"
    progress_url = progress_url or f"{progress_service_url}/services/{PROGRESS_SERVICE}/"
    values = {
        "COURSE": str(course),
        "TRAINEE_MODULES": str(Path(trainee_modules) if trainee_modules else course / "modules"),
        "LEDGER": db,
        "PYTHON": python,
        "PROGRESS_URL": progress_url,
    }
    allowed = (
        f"c.Authenticator.allowed_users = {_py(sorted(set(trainees + trainers)))}"
        if trainees or trainers
        else "# c.Authenticator.allowed_users = [...]  # who may sign in (or allow_all)"
    )
    head = "\n".join(f"{k} = {_py(v)}" for k, v in values.items())
    return f'''"""JupyterHub configuration for ppskit (`ppskit hub config`, {date.today()}).

Trainees are hub users; their notebooks save progress through the ppskit-progress
service and never see the ledger. The dashboard is a service for the trainers group.
This file holds the ledger's URL: keep it readable by the hub's account only.
See docs/jupyterhub.md.
"""

from functools import partial

from ppskit.hub.config import prepare_spawner

c = get_config()  # noqa: F821 - JupyterHub provides it

{head}

c.JupyterHub.bind_url = {_py(bind_url)}
# Sign-in: PAM (the machine's accounts) unless the site sets another authenticator, e.g.
# c.JupyterHub.authenticator_class = "oauthenticator.GenericOAuthenticator"
{allowed}

# Each trainee is a Unix account; their server runs as them and cannot read the course
# folder or the ledger.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.default_url = "/lab"
c.Spawner.environment = {{"PPSKIT_PROGRESS_URL": PROGRESS_URL}}
c.Spawner.server_token_scopes = {_py(list(SERVER_TOKEN_SCOPES))}
c.Spawner.pre_spawn_hook = partial(prepare_spawner, modules=TRAINEE_MODULES)

c.JupyterHub.load_groups = {{
    {_py(TRAINEES_GROUP)}: {{"users": {_py(trainees)}}},
    {_py(TRAINERS_GROUP)}: {{"users": {_py(trainers)}}},
}}
c.JupyterHub.load_roles = [
    # Every signed-in user may call the progress service; it answers for their own
    # linked trainee only. (Redefining "user" keeps its default scope, "self".)
    {{"name": "user", "scopes": ["self", "access:services!service={PROGRESS_SERVICE}"]}},
    # Only trainers open the dashboard.
    {{
        "name": "ppskit-trainers",
        "groups": [{_py(TRAINERS_GROUP)}],
        "scopes": ["access:services!service={DASHBOARD_SERVICE}"],
    }},
]
c.JupyterHub.services = [
    {{
        "name": {_py(PROGRESS_SERVICE)},
        "url": {_py(progress_service_url)},
        "command": [PYTHON, "-m", "ppskit", "hub", "progress-service"],
        "cwd": COURSE,
        "environment": {{"PPSKIT_DB": LEDGER}},
        "display": False,
    }},
    {{
        "name": {_py(DASHBOARD_SERVICE)},
        "url": "http://127.0.0.1:{dashboard_port}",
        "command": [PYTHON, "-m", "ppskit", "hub", "dashboard-service"],
        "cwd": COURSE,
        "environment": {{"PPSKIT_DB": LEDGER}},
        # Trainers are not asked "allow this service to know who you are?".
        "oauth_no_confirm": True,
    }},
]
'''


def write_config(out: Path, **options) -> Path:
    """Write :func:`config_text` to ``out`` (mode 0600: it holds the ledger's URL)."""
    import os

    text = config_text(**options)
    out = Path(out)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(out, 0o600)  # an existing file keeps its mode on open(): set it
    return out


def prepare_spawner(spawner, modules: str | None = None) -> None:  # noqa: ANN001
    """``pre_spawn_hook``: tell a trainer's server from a trainee's, and keep the ledger
    out of trainees' servers.

    ``$PPSKIT_HUB_ROLE`` is ``trainer`` for members of the ``trainers`` group and
    ``trainee`` for everyone else. A trainee's server never gets ``PPSKIT_DB``, whatever
    else the site configured. Trainees get the trainee workspace (``ppskit workspace
    install``, run as them) and their own copy of the module notebooks in ``modules``.
    """
    groups = {group.name for group in getattr(spawner.user, "groups", [])}
    role = "trainer" if TRAINERS_GROUP in groups else "trainee"
    spawner.environment = {**spawner.environment, ROLE_ENV: role}
    if role == "trainee":
        spawner.environment.pop("PPSKIT_DB", None)
        workspace = _workspace_hook()
        if workspace is not None:
            workspace(spawner, modules=modules)


def _workspace_hook():  # noqa: ANN202
    # The trainee workspace is written separately (ppskit.workspace); use it when present.
    try:
        from ppskit import workspace
    except ImportError:
        return None
    return getattr(workspace, "prepare_trainee_spawner", None)
