# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client impact prediction checked on the wire: each client's own ClientHello, sent to the host's ports.

The hello of a client row (``module_utils/clients.py``) is its versions, its suites in its order and its groups in
its order, sent through the TLS scan's handshake engine (``plugin_utils/_common/handshake.py``). Two things of a row
are not sent, because the engine cannot and they cannot change a Windows host's answer:
- the post-quantum hybrid group X25519MLKEM768 (tlslite-ng cannot build its key share; no Windows version here
  enables ML-KEM hybrids, tls-supported-groups-in-windows-11-24h2-and-later.md);
- an empty group list (Windows XP offers no elliptic curve): the engine then offers its default groups, which no
  suite of such a client can use.

A prediction and a handshake agree when both say "connects" with the same protocol and suite, or both say "cut
off" (any refusal: alert, close, or a version/suite the prediction did not expect counts as disagreement).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils.client_impact import Prediction
from ansible_collections.fleetsec.schannel.plugins.module_utils.clients import CLIENTS, Client, suite_code
from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import GROUP_CODES, VERSIONS
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.handshake import (
    ClientHello,
    Outcome,
    handshake,
)

UNSENDABLE_GROUPS = frozenset({"X25519MLKEM768"})


def client_hello(client: Client) -> ClientHello:
    """The ClientHello ``client`` sends (module docstring for what is left out)."""
    groups = tuple(GROUP_CODES[g] for g in client.groups if g not in UNSENDABLE_GROUPS)
    versions = tuple(p for p in client.protocols if p in VERSIONS)
    suites = tuple(suite_code(name) for name in client.suites)
    if not groups:
        return ClientHello(versions, suites)
    return ClientHello(versions, suites, groups)


def observed(outcome: Outcome) -> dict[str, Any]:
    """What the handshake showed, in the prediction's terms."""
    return {
        "connects": outcome.accepted,
        "protocol": outcome.version,
        "suite": outcome.suite_name,
        "group": outcome.group_name,
        "answer": outcome.kind,
        "alert": outcome.alert_name,
        "detail": outcome.detail,
    }


def agrees(prediction: Prediction, seen: dict[str, Any]) -> bool:
    if prediction.connects != seen["connects"]:
        return False
    return not prediction.connects or (prediction.protocol, prediction.suite) == (seen["protocol"], seen["suite"])


def prove(predictions: Iterable[Prediction], host: str, ports: Iterable[int],
          timeout: float = 5.0) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Send each predicted client's hello to every port: (proof per port and client, disagreements)."""
    predictions = list(predictions)
    proof: dict[str, dict[str, Any]] = {}
    disagreements: list[dict[str, Any]] = []
    for port in ports:
        per_client: dict[str, Any] = {}
        for prediction in predictions:
            seen = observed(handshake(host, port, client_hello(CLIENTS[prediction.id]), timeout))
            seen["agrees"] = agrees(prediction, seen)
            per_client[prediction.id] = seen
            if not seen["agrees"]:
                disagreements.append({
                    "port": port, "client": prediction.id, "predicted": prediction.to_json(), "observed": seen,
                    "message": "%s on port %d: predicted %s, the handshake %s" % (
                        prediction.name, port, _say(prediction.connects, prediction.protocol, prediction.suite),
                        _say(seen["connects"], seen["protocol"], seen["suite"], seen["answer"], seen["alert"])),
                })
        proof[str(port)] = per_client
    return proof, disagreements


def _say(connects: bool, protocol: str | None, suite: str | None, answer: str = "", alert: str | None = None) -> str:
    if connects:
        return "connects with %s %s" % (protocol, suite)
    return "cut off" + (" (%s%s)" % (answer, ": " + alert if alert else "") if answer else "")
