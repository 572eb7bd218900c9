"""What the tests and the client-impact benchmark ask of the prediction that the collection itself does not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.client_impact import predict_clients
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings

# Every reason a prediction may give for a client that does not connect.
REASONS = ("no common protocol", "no common suite", "no common group", "needs RC4", "needs 3DES", "needs RC4 or 3DES")


def client_matrix(profiles: Mapping[str, Settings], os_keys: Iterable[str] = catalog.OS_KEYS,
                  client_ids: Iterable[str] | None = None) -> dict[str, dict[str, dict[str, dict]]]:
    """Per profile, per OS, per client: the prediction as JSON -- the fleet report's "who connects, with what"
    matrix, computed without any host."""
    os_keys, ids = list(os_keys), None if client_ids is None else list(client_ids)
    return {
        name: {os_key: {p.id: p.to_json() for p in predict_clients(settings, os_key, ids)[1]} for os_key in os_keys}
        for name, settings in profiles.items()
    }
