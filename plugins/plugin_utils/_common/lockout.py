# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Would these settings cut the management channel? Computed before any write.

WinRM over HTTPS terminates TLS in Schannel (HTTP.sys; "Configure WinRM for HTTPS",
learn.microsoft.com/troubleshoot/windows-client/system-management-components/configure-winrm-for-https), and
CredSSP runs a TLS handshake inside the WinRM messages (MS-CSSP 3.1.5), also Schannel's. After a change and the
reboot Schannel needs, the host must still offer a protocol version and a cipher suite that the controller's TLS
client offers, or no later task reaches it. The controller's client is the one pywinrm uses: requests/urllib3's
default context (``urllib3.util.ssl_.create_urllib3_context``: TLS 1.2 minimum in urllib3 2, the OpenSSL
default cipher list). What the host offers afterwards comes from the settings and the OS defaults the policy
engine knows (protocol defaults per OS, the suite order, enabled ciphers/hashes/key exchanges). The live
connection's negotiated protocol and suite are probed with one handshake and must stay possible, or the
next connection will change them: that is said as a warning.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.consistency import side_enabled, tls_protocols
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import Settings
from ansible_collections.fleetsec.schannel.plugins.module_utils.suite_order import translate_suites
from ansible_collections.fleetsec.schannel.plugins.module_utils.suites import OsSuite, os_suites
from ansible_collections.fleetsec.schannel.plugins.module_utils.tls_codes import SSL_MODULE_NAMES

# ssl.TLSVersion -> the catalog's protocol names.
# ssl.TLSVersion members are the ssl module's names with "_" for ".".
_PROTOCOL_NAMES = {ssl.TLSVersion[name.replace(".", "_")]: label for name, label in SSL_MODULE_NAMES.items()}


@dataclass(frozen=True)
class ControllerTls:
    """Protocols (catalog names) and suite codes (IANA) the controller's TLS client offers."""

    protocols: frozenset[str]
    suites: frozenset[int]


@dataclass(frozen=True)
class Negotiated:
    """What the live management connection negotiated: protocol (catalog name) and suite (IANA code, name)."""

    protocol: str
    suite_code: int | None
    suite_name: str


def controller_tls(context: ssl.SSLContext | None = None) -> ControllerTls:
    """What a TLS client built like pywinrm's (urllib3's default context) offers."""
    if context is None:
        from urllib3.util.ssl_ import create_urllib3_context

        context = create_urllib3_context()
    low = context.minimum_version
    high = context.maximum_version
    protocols = frozenset(
        name for version, name in _PROTOCOL_NAMES.items()
        if (low == ssl.TLSVersion.MINIMUM_SUPPORTED or version >= low)
        and (high == ssl.TLSVersion.MAXIMUM_SUPPORTED or version <= high)
    )
    # OpenSSL's cipher id is 0x0300XXXX with the IANA code in the low 16 bits (SSL_CIPHER_get_id).
    suites = frozenset(cipher["id"] & 0xFFFF for cipher in context.get_ciphers())
    return ControllerTls(protocols=protocols, suites=suites)


def probe_negotiated(host: str, port: int, timeout: float = 5.0) -> Negotiated | None:
    """One handshake with the controller's client settings (no certificate check: only the parameters count)."""
    from urllib3.util.ssl_ import create_urllib3_context

    context = create_urllib3_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=host) as tls:
            name, version, _bits = tls.cipher() or ("", "", 0)
    except (OSError, ssl.SSLError):
        return None
    code = next((c["id"] & 0xFFFF for c in context.get_ciphers() if c["name"] == name), None)
    return Negotiated(protocol=SSL_MODULE_NAMES.get(version, version), suite_code=code, suite_name=name)


def _algorithm_on(settings: Settings, option: str, name: str | None) -> bool:
    """Whether the cipher/hash/key exchange key ``name`` stays enabled (not managed or default: the OS's)."""
    if name is None:
        return True
    states = getattr(settings, option) or {}
    return states.get(name, "default") != "disabled"


def host_offer_after(settings: Settings, os_key: str) -> tuple[list[str], list[OsSuite]]:
    """Server-side protocols and suites the host offers once the settings are applied and it rebooted."""
    protocols = [p for p in tls_protocols(os_key) if side_enabled(settings, p, "server", os_key)]
    if settings.cipher_suites:
        order = list(translate_suites(settings, os_key).suites)
    else:
        order = [s for s in os_suites(os_key) if s.enabled_by_default]
    usable = [
        s for s in order
        if _algorithm_on(settings, "ciphers", s.suite.cipher)
        and _algorithm_on(settings, "hashes", s.suite.hash)
        and _algorithm_on(settings, "key_exchanges", s.suite.key_exchange)
    ]
    return protocols, usable


def lockout_problems(
    settings: Settings,
    os_key: str,
    controller: ControllerTls,
    negotiated: Negotiated | None,
    authentication: str = "RSA",
) -> tuple[list[str], list[str]]:
    """``(errors, warnings)``: errors when no protocol+suite is left in common; warnings when the live pair goes.

    ``authentication`` is the host certificate's key type (taken from the negotiated suite when known): an RSA
    certificate cannot serve ECDSA suites and the other way round.
    """
    protocols, suites = host_offer_after(settings, os_key)
    label = catalog.os_label(os_key)
    common_protocols = [p for p in protocols if p in controller.protocols]
    pairs = [
        (p, s) for p in common_protocols for s in suites
        if p in s.suite.protocols and s.suite.code in controller.suites
        and s.suite.authentication in (authentication, "ANY")
    ]
    if pairs:
        warnings = []
        if negotiated and not any(
            p == negotiated.protocol and s.suite.code == negotiated.suite_code for p, s in pairs
        ):
            p, s = pairs[0]
            warnings.append(
                "the management connection negotiates %s with %s today; after this change it would use %s with %s"
                % (negotiated.protocol, negotiated.suite_name, p, s.suite.name)
            )
        return [], warnings
    if not common_protocols:
        reason = "the host would offer %s and this controller's TLS client offers %s" % (
            ", ".join(protocols) or "no protocol", ", ".join(sorted(controller.protocols)))
    else:
        reason = "no cipher suite the host would offer for %s is one this controller's TLS client offers" % (
            ", ".join(common_protocols))
    live = " (today it negotiates %s with %s)" % (negotiated.protocol, negotiated.suite_name) if negotiated else ""
    return [
        "these settings would cut the WinRM management channel to this %s host after its reboot: WinRM over "
        "HTTPS/CredSSP uses Schannel, and %s%s. Keep a protocol and a suite in common, manage the host over HTTP "
        "with message encryption, or set allow_lockout: true if you have another way in" % (label, reason, live)
    ], []
