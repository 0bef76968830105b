"""ppskit on JupyterHub: the trainee is the hub user.

* :mod:`ppskit.hub.accounts`: which trainee a hub account is (``ppskit hub link``);
* :mod:`ppskit.hub.service`: the progress service trainees' notebooks call, so their
  kernels never hold the ledger's credentials;
* :mod:`ppskit.hub.client`: the notebook's side of it (``RemoteBackend``);
* :mod:`ppskit.hub.dashboard_service`: the supervisor dashboard behind the hub's
  sign-in, for trainers only;
* :mod:`ppskit.hub.config`: ``ppskit hub config`` writes the ``jupyterhub_config.py``.

See docs/jupyterhub.md.
"""
