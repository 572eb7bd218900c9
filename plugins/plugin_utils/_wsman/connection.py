# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A task's ``winrm`` connection turned into a WS-Man client, without opening a remote shell.

ansible-core's winrm connection opens a cmd shell (WinRS ``transfer/Create``) as soon as it connects
(ansible/plugins/connection/winrm.py ``_winrm_connect``: ``protocol.open_shell(codepage=65001)``). Hosts whose policy
forbids remote shells (``HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service\\WinRS``
``AllowRemoteShellAccess`` = 0, "Allow Remote Shell Access" in learn.microsoft.com/windows/win32/winrm/
installation-and-configuration-for-windows-remote-management) refuse that shell but still answer WMI over
WS-Management. So this module never calls the connection's ``_connect``: it asks the connection plugin for the
options it resolved from the inventory (``_build_winrm_kwargs``: host, port, scheme, path, transport, user,
password and every ``ansible_winrm_*`` pass-through with ansible-core's own defaults and warnings) and builds a
``winrm.Protocol`` from them the way ``_winrm_connect`` does, minus the shell.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlunsplit

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import HostUnreachable, InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import WsmanClient, redact
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.tickets import managed_kinit
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.winrm_protocol import (
    HAS_WINRM,
    client_for_protocol,
)

SUPPORTED = "winrm"
# The lab opt-in for the transports refused below: an inventory (or role, or extra) variable, read per host.
ALLOW_INSECURE_VAR = "schannel_allow_insecure_transport"
# pywinrm's names for HTTP Basic authentication (winrm/transport.py: "plaintext" and "ssl" are Basic too).
_BASIC = frozenset({"basic", "plaintext", "ssl"})


def transport_problems(scheme: str, transport: str, kwargs: dict[str, Any]) -> tuple[str | None, list[str]]:
    """What is unsafe in a host's WinRM settings: the reason to refuse before any credential is sent (or None), and
    warnings. Over plain HTTP, Basic sends the password base64-encoded, in clear, in every request (RFC 7617 section
    4), and with ``message_encryption: never`` every message (registry data, and for NTLM a handshake open to relay)
    goes in clear; WinRM itself refuses both unless its policy allows unencrypted traffic (AllowUnencryptedTraffic,
    "Allow unencrypted traffic"). With certificate validation off, any machine in the path can pose as the host."""
    fix = ("use HTTPS (ansible_winrm_scheme: https, port 5986), or NTLM/Kerberos with message encryption over HTTP "
           "(ansible_winrm_transport: ntlm or kerberos, ansible_winrm_message_encryption: auto or always); a lab "
           "may set %s: true to send it anyway" % ALLOW_INSECURE_VAR)
    refusal = None
    if scheme == "http" and transport in _BASIC:
        refusal = ("ansible_winrm_transport %s over ansible_winrm_scheme http sends the password in clear (HTTP "
                   "Basic, no TLS): refused before anything was sent; %s" % (transport, fix))
    elif scheme == "http" and str(kwargs.get("message_encryption", "auto")) == "never":
        refusal = ("ansible_winrm_message_encryption never over ansible_winrm_scheme http sends every WinRM "
                   "message in clear (transport %s): refused before anything was sent; %s" % (transport, fix))
    warnings = []
    if scheme == "https" and str(kwargs.get("server_cert_validation", "validate")) == "ignore":
        warnings.append("ansible_winrm_server_cert_validation is ignore: the host's certificate is not checked, so "
                        "anyone between this controller and the host can pose as it and read the credentials; set "
                        "it to validate with ansible_winrm_ca_trust_path naming the CA that signed the host's "
                        "certificate")
    return refusal, warnings


@dataclass(frozen=True)
class Endpoint:
    """Where and how the WS-Man client talks to the host: what lock-out checks and reboots need to know."""

    host: str
    port: int
    scheme: str
    transport: str
    url: str

    @property
    def over_tls(self) -> bool:
        """True when Schannel carries the management channel: HTTPS, or CredSSP (TLS inside the HTTP messages,
        MS-CSSP 3.1.5: "the TLS handshake")."""
        return self.scheme == "https" or self.transport == "credssp"


@dataclass
class Session:
    """An open WS-Man client on one host and the endpoint it talks to."""

    client: WsmanClient
    endpoint: Endpoint
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class WinrmTarget:
    """What a WS-Man session to one host is opened from, resolved from its connection plugin (plain data, so that a
    batch can resolve hosts in its main thread and open the sessions in worker threads)."""

    endpoint: Endpoint
    # pywinrm Protocol's keyword arguments (credentials, certificates, timeouts, pass-through); kept out of repr(),
    # like the password, so that no error message or log line that shows the target shows them.
    kwargs: dict[str, Any] = field(repr=False)
    password: str = field(repr=False)
    # Kerberos with a ticket ansible-core gets itself (kinit into a ccache it names in the process environment):
    # the ticket must be obtained in the process that opens the session, one principal per process.
    managed_kerberos: bool = False
    # That ticket cache (ansible-core's temporary file) when it was obtained for several hosts: held here for the
    # sessions' re-connects; removed when the task ends (tickets.release_all).
    ticket: Any = field(default=None, repr=False)
    # What the task result warns of (transport_problems), and the loud warning of an insecure transport allowed.
    warnings: tuple[str, ...] = ()


def winrm_target(connection: Any, timeout: int | None = None, allow_insecure: bool = False) -> WinrmTarget:
    """The WinRM endpoint and pywinrm arguments of a task's connection; InputError for a connection type other than
    winrm, and for a transport that would send credentials or messages in clear (``transport_problems``) unless
    ``allow_insecure`` (then it is a warning).

    ``timeout`` (seconds) overrides the operation and read timeouts, for short probes such as waiting for a host to
    come back from a reboot.
    """
    kind = getattr(connection, "transport", None)
    if kind != SUPPORTED:
        raise InputError(
            "ansible_connection is %r, but the fleetsec.schannel modules talk WMI over WS-Management with the "
            "host's WinRM settings: set ansible_connection=winrm (with ansible_winrm_transport and friends as for "
            "any Windows host). psrp opens a PowerShell runspace and ssh/local run no WS-Management at all, so they "
            "cannot carry StdRegProv calls." % (kind,)
        )
    if not HAS_WINRM:
        raise InputError("pywinrm is required on the controller to talk to Windows hosts: pip install pywinrm")
    connection._build_winrm_kwargs()  # ansible-core's option resolution, defaults and pass-through, no shell
    transport = next(iter(connection._winrm_transport))
    host = str(connection._winrm_host)
    try:
        netloc_host = "[%s]" % host if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address) else host
    except ValueError:
        netloc_host = host
    url = urlunsplit((connection._winrm_scheme, "%s:%d" % (netloc_host, connection._winrm_port),
                      connection._winrm_path, "", ""))
    kwargs = dict(connection._winrm_kwargs)
    kwargs["transport"] = transport
    timeout = timeout or connection._winrm_connection_timeout
    if timeout:  # as _winrm_connect: the read timeout must outlast the operation timeout
        kwargs["operation_timeout_sec"] = timeout
        kwargs["read_timeout_sec"] = timeout + 10
    endpoint = Endpoint(host=host, port=int(connection._winrm_port), scheme=str(connection._winrm_scheme),
                        transport=str(transport), url=url)
    refusal, warnings = transport_problems(endpoint.scheme, endpoint.transport, kwargs)
    if refusal is not None and not allow_insecure:
        raise InputError(refusal, code="insecure_transport")
    managed_kerberos = transport == "kerberos" and bool(connection._kerb_managed)
    if managed_kerberos and not connection._winrm_pass:
        # ansible-core would run kinit with an empty password, and its redaction of that "secret" garbles the error.
        raise InputError("ansible_winrm_kinit_mode is managed (Ansible runs kinit itself) but ansible_password is not "
                         "set: set ansible_password for ansible_user, or get a ticket yourself with kinit and set "
                         "ansible_winrm_kinit_mode: manual", code="ansible_password")
    if refusal is not None:
        warnings.insert(0, "INSECURE TRANSPORT ALLOWED (%s: true): %s" % (ALLOW_INSECURE_VAR, refusal.split(":")[0]))
    return WinrmTarget(endpoint=endpoint, kwargs=kwargs, password=connection._winrm_pass or "",
                       managed_kerberos=managed_kerberos,
                       warnings=tuple(warnings))


def open_target(target: WinrmTarget, max_reconnects: int = 3) -> Session:
    """A WS-Man client on the target, built as ansible-core's ``_winrm_connect`` builds its Protocol, minus the
    shell; it re-connects with a new Protocol when a connection is lost."""
    from winrm.protocol import Protocol

    def new_protocol() -> Any:
        try:
            return Protocol(target.endpoint.url, **target.kwargs)
        except Exception as exc:  # pywinrm validates its arguments here (unknown transport, cert files)
            raise HostUnreachable(redact("cannot set up WinRM to %s: %s" % (target.endpoint.url, exc),
                                         [target.password])) from None

    client = client_for_protocol(new_protocol(), reconnect=new_protocol, max_reconnects=max_reconnects)
    return Session(client=client, endpoint=target.endpoint, warnings=target.warnings)


def open_session(connection: Any, max_reconnects: int = 3, timeout: int | None = None,
                 allow_insecure: bool = False) -> Session:
    """The WS-Man client for a task's connection (see ``winrm_target`` and ``open_target``)."""
    target = winrm_target(connection, timeout, allow_insecure)
    if target.managed_kerberos:
        managed_kinit(connection, target.password)  # its cache is removed when the task ends (tickets.release_all)
    return open_target(target, max_reconnects)
