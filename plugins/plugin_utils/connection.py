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
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlunsplit

from ansible_collections.fleetsec.schannel.plugins.plugin_utils.errors import HostUnreachable, InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.winrm_protocol import HAS_WINRM, client_for_protocol
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.wsman import WsmanClient, redact

SUPPORTED = "winrm"


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


def open_session(connection: Any, max_reconnects: int = 3, timeout: int | None = None) -> Session:
    """The WS-Man client for a task's connection; InputError for a connection type other than winrm.

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
    from winrm.protocol import Protocol

    connection._build_winrm_kwargs()  # ansible-core's option resolution, defaults and pass-through, no shell
    transports = list(connection._winrm_transport)
    transport = transports[0]
    password = connection._winrm_pass or ""
    host = str(connection._winrm_host)
    try:
        netloc_host = "[%s]" % host if isinstance(ipaddress.ip_address(host), ipaddress.IPv6Address) else host
    except ValueError:
        netloc_host = host
    url = urlunsplit((connection._winrm_scheme, "%s:%d" % (netloc_host, connection._winrm_port),
                      connection._winrm_path, "", ""))
    kwargs = dict(connection._winrm_kwargs)
    timeout = timeout or connection._winrm_connection_timeout
    if timeout:  # as _winrm_connect: the read timeout must outlast the operation timeout
        kwargs["operation_timeout_sec"] = timeout
        kwargs["read_timeout_sec"] = timeout + 10
    if transport == "kerberos" and connection._kerb_managed:
        connection._kerb_auth(connection._winrm_user, password)

    def new_protocol() -> Any:
        try:
            return Protocol(url, transport=transport, **kwargs)
        except Exception as exc:  # pywinrm validates its arguments here (unknown transport, cert files)
            raise HostUnreachable(redact("cannot set up WinRM to %s: %s" % (url, exc), [password])) from None

    client = client_for_protocol(new_protocol(), reconnect=new_protocol, max_reconnects=max_reconnects)
    endpoint = Endpoint(host=host, port=int(connection._winrm_port), scheme=str(connection._winrm_scheme),
                        transport=str(transport), url=url)
    return Session(client=client, endpoint=endpoint)
