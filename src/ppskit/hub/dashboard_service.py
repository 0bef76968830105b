"""The supervisor dashboard as a JupyterHub service, for trainers only.

The same Voila page as ``ppskit dashboard`` (:mod:`ppskit.reports.serve`): outputs only,
no code, no tracebacks, one pre-heated kernel, and a standalone Voila that refuses
execute requests from the browser. What changes is the door: instead of a shared token,
the hub's sign-in. Voila runs with JupyterHub's identity provider
(:mod:`ppskit.hub.voila_auth`), so each visit is checked with the hub and only users
holding ``access:services!service=ppskit-dashboard`` (the ``trainers`` group, through
the ``ppskit-trainers`` role that ``ppskit hub config`` writes) get the page; everyone
else gets 403. No Jupyter server, terminal or file browser is behind it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SERVICE_NAME = "ppskit-dashboard"
ACCESS_SCOPE = f"access:services!service={SERVICE_NAME}"
DEFAULT_PREFIX = f"/services/{SERVICE_NAME}/"
DEFAULT_PORT = 10112


def dashboard_service_command(
    notebook: Path, port: int, prefix: str, host: str = "127.0.0.1"
) -> list[str]:
    """Voila's command line: ``ppskit dashboard``'s, with the hub's sign-in and prefix.

    ``host`` is the address to listen on (:func:`ppskit.hub.service.bind_host`): this
    machine's 127.0.0.1 by default, every address of the hub's pod on Kubernetes (the
    later option wins over ``ppskit dashboard``'s 127.0.0.1).
    """
    from ppskit.reports.serve import voila_command

    # ``voila_command`` already has ``--Voila.auto_token=True``, which the hub's provider
    # needs: without it Voila hands the provider an empty token it cannot take.
    return [
        *voila_command(notebook, port),
        f"--Voila.base_url={prefix}",
        "--Voila.identity_provider_class=ppskit.hub.voila_auth.HubIdentityProvider",
        "--Voila.authorizer_class=ppskit.hub.voila_auth.JupyterHubAuthorizer",
        *([f"--Voila.ip={host}"] if host != "127.0.0.1" else []),
    ]


def dashboard_service_env(db: str | None) -> dict[str, str]:
    """Voila's environment: the hub's variables kept, the ledger URL made absolute."""
    from ppskit.db import resolve_url

    env = dict(os.environ)
    env["PPSKIT_DB"] = resolve_url(db)
    for name in ("JUPYTER_TOKEN", "JUPYTER_TOKEN_FILE", "PPSKIT_DASHBOARD_TOKEN"):
        env.pop(name, None)
    return env


def run_dashboard_service(*, db: str | None = None, port: int | None = None) -> None:
    """Replace this process with Voila (the hub stops the service with SIGTERM).

    ``LedgerNotFound`` when the ledger does not exist; ``ValueError`` with a plain
    sentence when the dashboard notebook is missing or the hub's variables are not set.
    """
    from ppskit.db import require_ledger
    from ppskit.hub.service import listen_address
    from ppskit.reports.serve import dashboard_notebook

    require_ledger(db)
    if not os.environ.get("JUPYTERHUB_API_TOKEN"):
        raise ValueError(
            "The dashboard service is started by JupyterHub (see docs/jupyterhub.md); "
            "to open the dashboard on this computer, run 'ppskit dashboard'."
        )
    try:
        notebook = dashboard_notebook()
    except FileNotFoundError as exc:
        raise ValueError(str(exc)) from exc
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or DEFAULT_PREFIX
    host, port = listen_address(port, default=DEFAULT_PORT)
    command = dashboard_service_command(notebook, port, prefix, host)
    sys.stdout.flush()
    os.execve(command[0], command, dashboard_service_env(db))
