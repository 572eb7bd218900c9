# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The glue between pywinrm and the typed WS-Man client: its exceptions mapped to ours, a client over a Protocol.

Everything that knows pywinrm's exception classes and ``winrm.protocol.Protocol`` attributes is here, so that
``wsman.py`` runs over any ``send`` and this file is the one to read when pywinrm changes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import (
    DEFAULT_MAX_ENVELOPE_SIZE,
    WSMAN_TIMED_OUT,
    WsmanClient,
    WsmanError,
    WsmanFault,
    WsmanProtocolError,
    _collapse,
    is_connection_lost,
)
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.lean import go_lean

try:
    from winrm.exceptions import (
        InvalidCredentialsError,
        WinRMError,
        WinRMOperationTimeoutError,
        WinRMTransportError,
        WSManFaultError,
    )

    HAS_WINRM = True
except ImportError:
    HAS_WINRM = False


def fault_from_pywinrm(exc: Any, operation: str | None = None) -> WsmanFault:
    """``winrm.exceptions.WSManFaultError`` as a WsmanFault: the raw body when it parses, else its parsed fields."""
    try:
        return WsmanFault.from_xml(exc.response, http_status=exc.code, operation=operation)
    except WsmanProtocolError:
        pass
    return WsmanFault(
        http_status=exc.code,
        code=exc.fault_code,
        subcode=exc.fault_subcode,
        reason=_collapse(exc.reason or "") or None,
        wsman_code=exc.wsman_fault_code,
        wmi_code=exc.wmierror_code,
        operation=operation,
    )


def classify(exc: Exception, operation: str, client: WsmanClient, auth_method: str | None = None
             ) -> WsmanError | None:
    """Map pywinrm's exceptions to WsmanFault / WsmanTransportError; None for anything else (sockets, requests)."""
    if not HAS_WINRM:
        return None
    if isinstance(exc, WSManFaultError):
        return fault_from_pywinrm(exc, operation)
    if isinstance(exc, WinRMOperationTimeoutError):
        # pywinrm raises this bare for WSManFault 2150858793, the body is gone (winrm/protocol.py).
        return WsmanFault(
            http_status=500,
            code="s:Receiver",
            subcode="w:TimedOut",
            reason="The WS-Management service cannot complete the operation within the time specified in "
            "OperationTimeout (PT%dS)." % client.operation_timeout_s,
            wsman_code=WSMAN_TIMED_OUT,
            operation=operation,
        )
    if isinstance(exc, WinRMTransportError):
        try:
            return WsmanFault.from_xml(exc.response_text, http_status=exc.code, operation=operation)
        except WsmanProtocolError:
            return client.transport_error(
                "HTTP %s from the WinRM service during %s" % (exc.code, operation), exc, status=exc.code
            )
    if isinstance(exc, InvalidCredentialsError):
        # A 401 after the session had authenticated means the host dropped the NTLM/Kerberos context (service
        # restart, idle timeout): a fresh authentication may cure it. A 401 on the first request is a bad login.
        if client.answered > 0:
            return client.transport_error("authentication failed during %s: %s" % (operation, exc), exc,
                                          status=401, connection_lost=True)
        return client.transport_error(login_refused(operation, exc, auth_method), exc, status=401,
                                      connection_lost=False)
    if isinstance(exc, WinRMError):
        return client.transport_error("WinRM error during %s: %s" % (operation, exc), exc,
                                      connection_lost=is_connection_lost(exc))
    return None


# WinRM answers 401 alike to a wrong password and to what its policy refuses: Basic while "Allow Basic
# authentication" (AllowBasic) is off, or Basic for a domain account; a message in clear over HTTP while "Allow
# unencrypted traffic" (AllowUnencryptedTraffic) is off (MS-WSMV 2.2.4.34; pywinrm issue #154).
POLICY_CAUSE = ("its WinRM service policy does not accept this transport (Basic needs AllowBasic, Basic takes local "
                "accounts only, and a message not encrypted over HTTP needs AllowUnencryptedTraffic; see `winrm get "
                "winrm/config/service` on the host)")
CREDENTIALS_CAUSE = "the user name or password is wrong"
POLICY_FIX = "use NTLM or Kerberos with message encryption, or HTTPS"
CREDENTIALS_FIX = "check ansible_user and ansible_password"
# Hardened domains refuse NTLM ("Network security: Restrict NTLM: Incoming NTLM traffic" = Deny all, or "Deny all
# domain accounts"; RestrictReceivingNTLMTraffic under HKLM\SYSTEM\CurrentControlSet\Control\Lsa\MSV1_0,
# learn.microsoft.com "Network security: Restrict NTLM: Incoming NTLM traffic"): the host answers 401 as to a wrong
# password.
NTLM_REFUSED_CAUSE = "the host's domain refuses NTLM (policy \"Network security: Restrict NTLM\")"
NTLM_REFUSED_FIX = "for a domain that refuses NTLM use ansible_winrm_transport: kerberos"
# A service ticket the host cannot decrypt (KRB_AP_ERR_MODIFIED, RFC 4120 3.2.3): the SPN it was issued for is
# another computer's, or the host's key changed since (computer password reset, keytab replaced).
KERBEROS_TICKET_CAUSE = ("the host could not accept the Kerberos ticket: the service principal it was issued for "
                         "(HTTP/ and the host name, or ansible_winrm_kerberos_hostname_override) names another "
                         "computer, or the host's key changed (its computer password or keytab)")
KERBEROS_TICKET_FIX = ("set ansible_winrm_kerberos_hostname_override to this host's own FQDN (`setspn -L <computer>` "
                       "lists its SPNs), or repair the host's computer account")


def login_refused(operation: str, exc: Exception, auth_method: str | None) -> str:
    """The message for a 401 on the first request, its causes in the order of likelihood for the transport used.

    NTLM is encrypted (message encryption over HTTP, TLS over HTTPS), so the policy on Basic and unencrypted
    traffic never applies: a wrong password or a domain refusing NTLM. Over Kerberos the KDC already accepted the
    password (a wrong one fails at kinit), so a 401 means the host could not accept the ticket: it was issued for
    another computer's SPN, or for a key the host no longer holds. Over Basic (or a transport sending in clear) the
    policy is the likely cause.
    """
    if auth_method in ("ntlm", "negotiate"):
        causes = (CREDENTIALS_CAUSE, NTLM_REFUSED_CAUSE)
        fixes = (CREDENTIALS_FIX, NTLM_REFUSED_FIX)
    elif auth_method == "kerberos":
        causes, fixes = (KERBEROS_TICKET_CAUSE,), (KERBEROS_TICKET_FIX,)
    elif auth_method == "credssp":
        causes, fixes = (CREDENTIALS_CAUSE, POLICY_CAUSE), (CREDENTIALS_FIX, POLICY_FIX)
    else:
        causes, fixes = (POLICY_CAUSE, CREDENTIALS_CAUSE), (POLICY_FIX, CREDENTIALS_FIX)
    return "the host refused the login during %s (HTTP 401): %s: %s (%s)" % (
        operation, ", or ".join(causes), ", then ".join(fixes), exc)


def client_for_protocol(
    protocol: Any, reconnect: Callable[[], Any] | None = None, **kwargs: Any
) -> WsmanClient:
    """A client sending through a ``winrm.protocol.Protocol``, with its endpoint, timeout and envelope size.

    ``reconnect`` returns a new Protocol (fresh connection and authentication); the client uses it to recover an
    idempotent request from a lost connection (see WsmanClient). The operation timeout stays the Protocol's
    (pywinrm requires read_timeout_sec > operation_timeout_sec, so the HTTP read cannot time out before the
    service answers with w:TimedOut).
    """
    if not HAS_WINRM:
        raise InputError("pywinrm is required on the controller to talk to Windows hosts: pip install pywinrm")
    transport = protocol.transport
    options: dict[str, Any] = {
        "operation_timeout_s": int(protocol.operation_timeout_sec),
        "locale": getattr(protocol, "locale", "en-US"),
        "to": transport.endpoint,
        "max_envelope_size": int(getattr(protocol, "max_env_sz", DEFAULT_MAX_ENVELOPE_SIZE)),
        "secrets": [getattr(transport, "password", None) or ""],
        "classify": partial(classify, auth_method=getattr(transport, "auth_method", None)),
    }
    if reconnect is not None:
        options["reconnect"] = lambda: sender(reconnect())
    options.update(kwargs)
    return WsmanClient(sender(protocol), **options)


def sender(protocol: Any) -> Callable[[str], bytes]:
    """``protocol.send_message``, minus requests' per-request rescan of the environment for proxies.

    pywinrm resolves the environment's proxies, CA bundle and no_proxy for its endpoint once, when it builds its
    requests session (winrm/transport.py ``build_session``: ``merge_environment_settings``), and then sends prepared
    requests with ``Session.send``, which with ``trust_env`` on resolves the environment's proxies again for every
    request (requests/sessions.py ``resolve_proxies``: three scans of ``os.environ``, a tenth of the controller's CPU
    per request in benchmarks/module_cost.py --profile). Once the session exists it already holds what the
    environment said, so ``trust_env`` is turned off for it; authentication and encryption stay pywinrm's.
    """

    def send(message: str) -> bytes:
        answer = protocol.send_message(message)
        session = getattr(protocol.transport, "session", None)
        if session is not None and session.trust_env:
            session.trust_env = False
        go_lean(protocol.transport)  # the next messages skip requests' per-request machinery (winrm_lean.py)
        return answer

    return send
