"""Hub sign-in for the standalone Voila that shows the dashboard (imported by Voila only).

JupyterHub's own identity provider for Jupyter servers asks the hub who a visitor is and
lets in only holders of the service's access scope; trainers get that scope from the
``ppskit-trainers`` role, so trainees get 403. Voila registers the provider's handlers
(the OAuth callback, logout) at the server root, but behind the hub everything lives
under the service prefix, where Voila's own catch-all would take them: so they are
moved under ``base_url`` here.
"""

from __future__ import annotations

from jupyter_server.utils import url_path_join
from jupyterhub.singleuser.extension import JupyterHubAuthorizer, JupyterHubIdentityProvider

__all__ = ["HubIdentityProvider", "JupyterHubAuthorizer"]


class HubIdentityProvider(JupyterHubIdentityProvider):
    """JupyterHub's identity provider, with its handlers under Voila's ``base_url``."""

    def get_handlers(self) -> list:
        """The OAuth callback and logout handlers, prefixed with the service's URL."""
        base = getattr(self.parent, "base_url", "/") or "/"
        return [(url_path_join(base, path), *rest) for path, *rest in super().get_handlers()]
