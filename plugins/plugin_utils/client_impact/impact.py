# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job of ``fleetsec.schannel.client_impact``: check the options, predict, optionally prove, judge.

Runs on the controller only and writes nothing anywhere. A required client the settings would cut off fails the
task (``RequiredClientCutOff``), so a play that runs this before ``win_schannel`` stops before any write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.client_impact import (
    CERTIFICATE_TYPES,
    cut_off_message,
    predict_clients,
    unknown_clients,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.clients import CLIENTS
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import FleetsecError, InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.policy import parse_or_raise


class RequiredClientCutOff(FleetsecError):
    """A client the user declared required would be cut off by the settings: refuse before anything is written."""


@dataclass(frozen=True)
class ImpactOptions:
    settings: Mapping[str, Any]
    os_key: str
    clients: Sequence[str] | None = None
    required_clients: Sequence[str] = ()
    certificates: Sequence[str] = ("RSA",)
    host: str | None = None
    ports: Sequence[int] = catalog.MAILSTORE_TLS_PORTS
    prove: bool = False
    timeout: float = 5.0
    profile: str | None = None  # only for the summary line: "applying `recommended` on ..."
    # Word the messages with the schannel role's variables (its pre-flight checks every version in schannel_os_keys).
    role_variables: bool = False


def _folded(text: str) -> str:
    """``Windows XP`` and ``windows_xp`` alike: lower case, every run of other characters one ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


# A client as the output names it (``Windows XP SP3 (Schannel)``) or shortened to its id's words (``Windows XP``).
_CLIENT_NAMES = {**{_folded(c.name): c.id for c in CLIENTS.values()}, **{_folded(i): i for i in CLIENTS}}


def client_ids(given: Sequence[str]) -> list[str]:
    """Each entry as its client id: an id, the client's display name, or either spelled with spaces and any case.
    An entry that names no client is kept as given, for ``unknown_clients`` to report."""
    return [given_id if given_id in CLIENTS else _CLIENT_NAMES.get(_folded(str(given_id)), given_id)
            for given_id in given]


def _check(options: ImpactOptions) -> None:
    problems: list[str] = []
    if options.os_key not in catalog.OS_INFO:
        problems.append("os: %r is not a supported Windows version; use one of %s"
                        % (options.os_key, ", ".join(catalog.OS_KEYS)))
    required = "schannel_required_clients" if options.role_variables else "required_clients"
    for option, ids in (("clients", options.clients or ()), (required, options.required_clients)):
        problems += ["%s: %s" % (option, message) for message in unknown_clients(ids)]
    wrong = [c for c in options.certificates if c not in CERTIFICATE_TYPES]
    if wrong or not options.certificates:
        problems.append("certificates: %s; use a non-empty subset of %s"
                        % ("%r is not a certificate type" % wrong[0] if wrong else "empty",
                           ", ".join(CERTIFICATE_TYPES)))
    if options.prove and not options.host:
        problems.append("host: prove needs the address of the host to send the handshakes to")
    if problems:
        raise InputError("; ".join(problems), code="bad-option")


def run_client_impact(options: ImpactOptions) -> dict[str, Any]:
    """The module's result (documentation: plugins/modules/client_impact.py)."""
    options = replace(options, clients=client_ids(options.clients) if options.clients else options.clients,
                      required_clients=client_ids(options.required_clients))
    _check(options)
    settings = parse_or_raise(dict(options.settings), "settings", code="bad-settings")
    wanted = list(options.clients) if options.clients else None
    if wanted is not None:
        wanted += [c for c in options.required_clients if c not in wanted]
    offer, predictions = predict_clients(settings, options.os_key, wanted, options.certificates)
    cut_off = [p.id for p in predictions if not p.connects]
    required_cut = [p for p in predictions if not p.connects and p.id in options.required_clients]
    result: dict[str, Any] = {
        "changed": False,
        "os": options.os_key,
        "host_offer": offer.to_json(),
        "clients": [p.to_json() for p in predictions],
        "cut_off": cut_off,
        "required_cut_off": [p.id for p in required_cut],
        "summary": cut_off_message(predictions, options.os_key,
                                   "`%s`" % options.profile if options.profile else "these settings"),
        "proof": None,
        "disagreements": [],
    }
    if options.prove:
        from ansible_collections.fleetsec.schannel.plugins.plugin_utils.client_impact.proof import prove

        result["proof"], result["disagreements"] = prove(predictions, str(options.host), options.ports,
                                                         options.timeout)
    if required_cut:
        versions = (" The settings are checked for every Windows version in schannel_os_keys before any host is "
                    "read: if the fleet has no %s, set schannel_os_keys to the versions it has (e.g. "
                    "[\"2019\", \"2022\"])." % catalog.os_label(options.os_key)) if options.role_variables else ""
        error = RequiredClientCutOff(
            "refused: these settings on %s would cut off required client%s %s; nothing was written. Keep a "
            "profile that serves them, or remove them from %s if they may be cut off.%s"
            % (catalog.os_label(options.os_key), "s" if len(required_cut) > 1 else "",
               "; ".join("%s (%s: %s)" % (p.id, p.reason, p.detail) for p in required_cut),
               "schannel_required_clients" if options.role_variables else "required_clients", versions),
            code="required-client-cut-off", details={"required_cut_off": result["required_cut_off"]})
        return {**result, **error.to_result()}
    return result
