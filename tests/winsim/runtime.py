"""One simulated host on the network: its listeners, connections, authentication, faults and reboots.

Ports: 5985 WinRM HTTP, 5986 WinRM HTTPS, 8460/8462/8463 MailStore Server TLS. Every
TLS listener serves what the Windows model builds from its Schannel registry as of the last boot; a reboot rebuilds
them. 5986 is HTTP.sys (native Schannel, the registry alone); the MailStore ports are a .NET process, which adds
SCH_USE_STRONG_CRYPTO when ``SchUseStrongCrypto`` is set (host.py). Each accepted socket's ClientHello is peeked at
first (legacy_tls.py, ``TlsListener``): Schannel's refusals are answered with its alert, the pairs OpenSSL cannot
serve (SSL 3.0, RC4, 3DES) are handshaken by tlslite-ng, the rest by OpenSSL; the connection handler after the
handshake is the same for both stacks.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import errno
import socket
import ssl
import struct
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from tests.winsim import host_settings, httpwire, legacy_tls
from tests.winsim.auth import AUTH_ERRORS, AuthSession, KerberosMember, UserStore, parse_authorization
from tests.winsim.counters import HostCounters
from tests.winsim.faults import FaultSpec, HostFaults
from tests.winsim.os_profiles import computer_name
from tests.winsim.pki import HostCertificates
from tests.winsim.soap import NS_N, WsmanFault, WsmanRequest, fault_envelope, parse_request
from tests.winsim.wsman import SHELL_URI, WMI_PREFIX, Caller, dispatch

if TYPE_CHECKING:
    from tests.winsim.host import SimulatedWindows

HTTP_PORT = 5985
HTTPS_PORT = 5986
MAILSTORE_PORTS = (8460, 8462, 8463)
IDLE_TIMEOUT = 120.0  # HTTP.sys idle connection timeout (netsh http show timeout: IdleConnectionTimeout 120 s)


@dataclass(frozen=True)
class FleetSettings:
    """Settings shared by every host of one simulator process."""

    latency_ms: int
    reboot_seconds: float
    users: UserStore


def quota_fault() -> WsmanFault:
    """What a host under ``fault-after`` answers: the max-concurrent-operations quota fault.

    Shape of pywinrm's test_exceptions.py capture (s:Receiver, w:InternalError, MSFT_WmiError detail with
    error_Code 2150859174 = ERROR_WSMAN_QUOTA_MAX_OPERATIONS, MessageID "HRESULT 0x803381a6").
    """
    text = (
        "The WS-Management service cannot process the request. This user is allowed a maximum number of 1500 "
        "concurrent operations, which has been exceeded. Close existing operations for this user, or raise the "
        "quota for this user. "
    )
    detail = (
        '<p:MSFT_WmiError b:IsCIM_Error="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:b="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd" '
        'xmlns:p="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError" '
        'xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common" xsi:type="p:MSFT_WmiError_Type">'
        '<p:CIMStatusCode xsi:type="cim:cimUnsignedInt">27</p:CIMStatusCode>'
        '<p:CIMStatusCodeDescription xsi:type="cim:cimString" xsi:nil="true"/>'
        '<p:ErrorSource xsi:type="cim:cimString" xsi:nil="true"/>'
        '<p:ErrorSourceFormat xsi:type="cim:cimUnsignedShort">0</p:ErrorSourceFormat>'
        '<p:ErrorType xsi:type="cim:cimUnsignedShort">0</p:ErrorType>'
        f'<p:Message xsi:type="cim:cimString">{text}</p:Message>'
        '<p:MessageID xsi:type="cim:cimString">HRESULT 0x803381a6</p:MessageID>'
        '<p:OtherErrorSourceFormat xsi:type="cim:cimString" xsi:nil="true"/>'
        '<p:OtherErrorType xsi:type="cim:cimString" xsi:nil="true"/>'
        '<p:OwningEntity xsi:type="cim:cimString" xsi:nil="true"/>'
        '<p:PerceivedSeverity xsi:type="cim:cimUnsignedShort">0</p:PerceivedSeverity>'
        '<p:ProbableCause xsi:type="cim:cimUnsignedShort">0</p:ProbableCause>'
        '<p:ProbableCauseDescription xsi:type="cim:cimString" xsi:nil="true"/>'
        '<p:error_Category xsi:type="cim:cimUnsignedInt">30</p:error_Category>'
        '<p:error_Code xsi:type="cim:cimUnsignedInt">2150859174</p:error_Code>'
        '<p:error_Type xsi:type="cim:cimString">HRESULT</p:error_Type>'
        f'<p:error_WindowsErrorMessage xsi:type="cim:cimString">{text}</p:error_WindowsErrorMessage>'
        "</p:MSFT_WmiError>"
    )
    return WsmanFault("s:Receiver", "w:InternalError", text, None, detail=detail)


def method_label(req: WsmanRequest) -> str:
    """Counter key: ``Shell.Create``, ``StdRegProv.GetDWORDValue``, ``Win32_OperatingSystem.Get``, ``WQL.Pull``."""
    op = req.action.rstrip("/").rpartition("/")[2] or "?"
    uri = req.resource_uri
    if uri.casefold() == SHELL_URI.casefold():
        return f"Shell.{op}"
    if uri.casefold().startswith(WMI_PREFIX):
        cls = uri.rstrip("/").rpartition("/")[2]
        return f"{'WQL' if cls == '*' else cls}.{op}"
    return f"{uri or '?'}.{op}"


@dataclass
class Reply:
    """What the connection handler does with one request."""

    data: bytes = b""
    close: bool = False
    reset: bool = False
    after: Callable[[], None] | None = None


class HostRuntime:
    """A host's network presence. States: up, down (fault), rebooting, hung (reboot-hang), off (shut down)."""

    def __init__(self, settings: FleetSettings, name: str, ip: str, model: SimulatedWindows,
                 certs: HostCertificates) -> None:
        self.settings = settings
        self.name = name
        self.ip = ip
        self.model = model
        self.certs = certs
        self.state = "stopped"
        self.faults = HostFaults()
        self.counters = HostCounters()
        self.shells: set[str] = set()
        self.enumerations: dict[str, list[str]] = {}
        # Domain membership and NTLM policy, as installed (server.py): the host's Kerberos name and keytab (None
        # outside a realm) and whether NTLM is refused.
        self.kerberos: KerberosMember | None = None
        self.refuse_ntlm = False
        self._servers: list[asyncio.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task] = set()

    # --- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self.faults.has("down"):
            self.state = "down"
            return
        await self._listen()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self._unlisten()
        self.state = "stopped"

    async def _listen(self) -> None:
        self.state = "starting"  # a second clear_fault arriving meanwhile must not listen twice
        # Building the contexts parses keys and, once per state dir, runs `openssl dhparam`: off the event loop,
        # which serves every other host meanwhile.
        tls = await asyncio.to_thread(self.model.tls_context, self.certs)
        router = await asyncio.to_thread(self.model.hello_router, self.certs)
        winrm_tls, winrm_router = tls, router
        if self.model.dotnet_strong_crypto:  # only then do HTTP.sys and the .NET listeners differ (host.py)
            winrm_tls = await asyncio.to_thread(self.model.tls_context, self.certs, "winrm")
            winrm_router = await asyncio.to_thread(self.model.hello_router, self.certs, "winrm")
        servers: list = []
        try:
            servers.append(await self._serve(partial(self._wsman_connection, "http", HTTP_PORT), HTTP_PORT, None))
            servers.append(TlsListener(partial(self._wsman_connection, "https", HTTPS_PORT),
                                       self._listen_socket(HTTPS_PORT), winrm_tls, winrm_router))
            for port in MAILSTORE_PORTS:
                servers.append(TlsListener(partial(self._mailstore_connection, port), self._listen_socket(port), tls,
                                           router))
        except BaseException:
            for server in servers:
                server.close()
            raise
        self._servers = servers
        self.state = "up"

    async def _serve(self, handler, port: int, tls: ssl.SSLContext | None) -> asyncio.Server:
        return await asyncio.start_server(handler, self.ip, port, ssl=tls, reuse_address=True, backlog=128)

    def _listen_socket(self, port: int) -> socket.socket:
        """A listening socket as ``asyncio.start_server`` makes it (SO_REUSEADDR, backlog 128, non-blocking)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.ip, port))
            sock.listen(128)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        return sock

    async def _unlisten(self) -> None:
        """Close listeners (new connections are refused) and drop every open connection, as a dead host does."""
        servers, self._servers = self._servers, []
        for server in servers:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for server in servers:
            await server.wait_closed()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- faults and power -----------------------------------------------------------------------------------

    async def set_fault(self, spec: FaultSpec) -> None:
        self.faults.set(spec)
        if spec.kind == "down" and self.state == "up":
            await self._unlisten()
            self.state = "down"

    async def clear_fault(self, kind: str | None) -> None:
        was_hang = self.faults.has("reboot-hang")
        self.faults.clear(kind)
        if self.state == "down" and not self.faults.has("down"):
            await self._listen()
        elif self.state == "hung" and was_hang and not self.faults.has("reboot-hang"):
            await self._complete_boot()

    def schedule_reboot(self) -> None:
        """After a successful Win32Shutdown(reboot)/Reboot(): go away, boot, come back (MS doc "Win32Shutdown method
        of the Win32_OperatingSystem class")."""
        self._spawn(self._reboot())

    def schedule_power_off(self) -> None:
        self._spawn(self._power_off())

    async def _reboot(self) -> None:
        self.state = "rebooting"
        await self._unlisten()
        self.shells.clear()
        self.enumerations.clear()
        if self.faults.has("reboot-hang"):
            self.state = "hung"
            return
        await asyncio.sleep(self.settings.reboot_seconds)
        await self._complete_boot()

    async def _power_off(self) -> None:
        self.state = "off"
        await self._unlisten()
        self.shells.clear()
        self.enumerations.clear()

    async def power_on(self) -> None:
        if self.state == "off":
            await self._complete_boot()

    async def _complete_boot(self) -> None:
        self.model.boot()
        self.counters.boots += 1
        if self.faults.has("down"):
            self.state = "down"
            return
        await self._listen()

    # --- WinRM configuration ----------------------------------------------------------------------------------

    def setting(self, name: str) -> bool:
        """A registry-backed switch as the host's registry holds it now (host_settings.py)."""
        return host_settings.read_switch(self.model, name)

    def set_setting(self, name: str, on: bool) -> None:
        host_settings.write_switch(self.model, name, on)

    def allow_unencrypted(self) -> bool:
        return self.setting("allow-unencrypted")

    def new_enumeration(self, items: list[str]) -> str:
        context = "uuid:" + str(uuid.uuid4()).upper()
        self.enumerations[context] = items
        return context

    # --- connections ----------------------------------------------------------------------------------------

    async def _mailstore_connection(self, port: int, reader: asyncio.StreamReader,
                                    writer: asyncio.StreamWriter) -> None:
        """MailStore Server TLS port: the handshake is what matters; a request gets a minimal answer.

        Decision (no MailStore capture to copy): after the handshake the first bytes received get
        ``404 Not Found`` with ``Server: MailStore Server`` and the connection closes; a client that sends nothing
        is dropped after 10 s. Only the TLS handshake is modelled; no MailStore protocol is simulated.
        """
        self.counters.tls_handshakes[str(port)] += 1
        self._writers.add(writer)
        try:
            data = await asyncio.wait_for(reader.read(65536), 10)
            if data:
                writer.write(b"HTTP/1.1 404 Not Found\r\nServer: MailStore Server\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                await writer.drain()
        except (OSError, ssl.SSLError, TimeoutError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _wsman_connection(self, scheme: str, port: int, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
        self.counters.connections += 1
        if scheme == "https":
            self.counters.tls_handshakes[str(port)] += 1
        self._writers.add(writer)
        session = AuthSession(self.kerberos, self.refuse_ntlm)
        try:
            while True:
                try:
                    req = await asyncio.wait_for(httpwire.read_request(reader), IDLE_TIMEOUT)
                except httpwire.BadRequest as exc:
                    writer.write(httpwire.response(exc.status, close=True))
                    await writer.drain()
                    break
                if req is None:
                    break
                self.counters.requests += 1
                self.counters.bytes_in += req.wire_size
                delay = self.settings.latency_ms + self.faults.slow_ms()
                if delay:
                    await asyncio.sleep(delay / 1000)
                if self.state != "up":
                    break
                peer = writer.get_extra_info("peername")
                reply = self._handle(req, session, scheme, port, peer[0] if peer else "")
                if reply.reset:
                    self.counters.resets += 1
                    _reset(writer)
                    return
                writer.write(reply.data)
                self.counters.bytes_out += len(reply.data)
                await writer.drain()
                if reply.after is not None:
                    reply.after()
                if reply.close or not req.keep_alive():
                    break
        except (OSError, ssl.SSLError, TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            if not writer.transport.is_closing():
                writer.close()

    def basic_accepted(self, scheme: str) -> bool:
        """Basic is off on the WinRM service unless enabled ("Allow Basic authentication" policy, AllowBasic; MS-WSMV
        2.2.4.34 ServiceAuthType Basic default false), and over HTTP it also needs unencrypted traffic allowed
        (pywinrm README "Encryption"; diyan/pywinrm#154, #296)."""
        return self.setting("allow-basic") and (scheme == "https" or self.allow_unencrypted())

    def _challenge(self, scheme: str, *, failed: bool) -> Reply:
        """401 as HTTP.sys sends it: Negotiate always; Kerberos on a domain member (the WinRM service's Auth/Kerberos
        is on by default, MS-WSMV 2.2.4.34; a domain controller's WinRM 401 lists ``WWW-Authenticate: Negotiate`` and
        ``WWW-Authenticate: Kerberos``, curl capture in rapid7/metasploit-framework pull request 20490); Basic only
        where the service would accept it."""
        if failed:
            self.counters.auth_failures += 1
        else:
            self.counters.auth_challenges += 1
        headers = [("WWW-Authenticate", "Negotiate")]
        if self.kerberos is not None:
            headers.append(("WWW-Authenticate", "Kerberos"))
        if self.basic_accepted(scheme):
            headers.append(("WWW-Authenticate", 'Basic realm="WSMAN"'))
        return Reply(httpwire.response(401, headers=headers))

    def _handle(self, req: httpwire.HttpRequest, session: AuthSession, scheme: str, port: int,
                client_ip: str) -> Reply:
        if req.target.partition("?")[0].casefold() != "/wsman":
            return Reply(httpwire.response(404))
        if req.method != "POST":
            return Reply(httpwire.response(405, headers=[("Allow", "POST")]))
        authorization = req.headers.get("authorization")
        basic_user = None
        final: list[tuple[str, str]] = []  # the last token of a completed exchange (Kerberos AP-REP: mutual auth)
        if authorization:
            kind, data = parse_authorization(authorization)
            # NTLM rides only in the Negotiate scheme: the service's Auth settings are Basic, Kerberos, Negotiate,
            # Certificate, CredSSP (MS-WSMV 2.2.4.34 ServiceAuthType), and a real host answered curl's
            # "Authorization: NTLM ..." with a fresh 401 "Negotiate" / 'Basic realm="WSMAN"' (stored-code index id
            # 36182481427, a pywinrm troubleshooting write-up; tests/winsim/README.md).
            if kind in ("negotiate", "kerberos"):
                try:
                    token = base64.b64decode(data, validate=True)
                    if self.faults.has("wrong-password") and token.startswith(b"NTLMSSP\x00\x03"):
                        raise ValueError("wrong-password fault")
                    out = session.step(token)
                except AUTH_ERRORS:
                    session.context = None
                    session.complete = False
                    return self._challenge(scheme, failed=True)
                name = "Kerberos" if kind == "kerberos" else "Negotiate"  # answer in the client's scheme
                if not session.complete:
                    self.counters.auth_challenges += 1
                    header = f"{name} {base64.b64encode(out or b'').decode()}"
                    return Reply(httpwire.response(401, headers=[("WWW-Authenticate", header)]))
                if out:
                    # RFC 4559 section 5: the server's final token rides on the successful response; pywinrm's
                    # Kerberos auth requires it (mutual_authentication=REQUIRED, vendored requests_kerberos
                    # handle_other raises MutualAuthenticationError without it).
                    final = [("WWW-Authenticate", f"{name} {base64.b64encode(out).decode()}")]
            elif kind == "basic":
                if not self.basic_accepted(scheme) or self.faults.has("wrong-password"):
                    return self._challenge(scheme, failed=True)
                basic_user = self.settings.users.check_basic(data, self.name)
                if basic_user is None:
                    return self._challenge(scheme, failed=True)
            else:
                return self._challenge(scheme, failed=True)
        elif not session.complete:
            # NTLM authenticates the TCP connection, not the request: HTTP.sys keeps the credentials of an NTLM
            # exchange for that keep-alive connection only ("Credential Caching on NTLM KA Connections",
            # learn.microsoft.com/windows/win32/http/credential-caching). A request on a connection that has not
            # completed the exchange (a new connection after a reset, for instance) gets the 401 challenge again,
            # even when its body is sealed with the context of an earlier connection (401 Negotiate, as packer
            # issue 6205's capture shows and WinRb/WinRM's re-authentication on a 401 to an encrypted POST expects).
            return self._challenge(scheme, failed=False)

        protocol = httpwire.encryption_protocol(req.headers)
        encrypted = protocol is not None
        if encrypted:
            if basic_user is not None or not session.complete:
                return Reply(httpwire.response(400, close=True))
            try:
                length, signature, sealed = httpwire.split_encrypted(req.body)
                plain = session.unwrap(signature, sealed)
            except (ValueError, IndexError, struct.error, *AUTH_ERRORS):
                return Reply(httpwire.response(400, close=True))
            if len(plain) != length:
                return Reply(httpwire.response(400, close=True))
        else:
            plain = req.body
            if plain and scheme == "http" and not self.allow_unencrypted():
                # An unencrypted SOAP message over HTTP is rejected like bad credentials (pywinrm issue #154).
                return self._challenge(scheme, failed=True)
        if not plain:
            # pywinrm's empty-body POST that completes authentication before encryption starts (pywinrm 0.5.0
            # winrm/transport.py setup_encryption()).
            return Reply(httpwire.response(200, headers=final))
        owner = basic_user or session.user or ""
        if session.mechanism == "kerberos" and basic_user is None:
            # Windows names a domain account DOMAIN\user (rsp:Owner); the realm's first label stands for the NetBIOS
            # domain name (choice: the test realm has no separate NetBIOS name).
            user, _at, realm = owner.partition("@")
            owner = f"{realm.split('.')[0]}\\{user}"
        elif "\\" not in owner:  # a local account, as Windows names it: COMPUTER\user
            owner = f"{computer_name(self.name)}\\{owner}"
        caller = Caller(owner, client_ip, f"{scheme}://{self.ip}:{port}/wsman")
        return self._wsman_call(plain, (session, protocol) if protocol else None, caller, final)

    def _wsman_call(self, plain: bytes, sealing: tuple[AuthSession, str] | None, caller: Caller,
                    headers: list[tuple[str, str]]) -> Reply:
        self.counters.wsman_calls += 1
        if self.faults.take_reset():
            return Reply(reset=True)
        req: WsmanRequest | None = None
        after = None
        try:
            req = parse_request(plain)
            self.counters.methods[method_label(req)] += 1
            if self.faults.take_call():
                raise quota_fault()
            outcome = dispatch(self, req, caller)
            status, body, after = 200, outcome.body, outcome.after
        except WsmanFault as fault:
            self.counters.faults_sent += 1
            if fault.action == "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault" and req is not None and (
                    req.action.startswith(NS_N)):
                fault.action = f"{NS_N}/fault"
            status, body = 500, fault_envelope(fault, req.message_id if req else None, self.name)
        if sealing is not None:
            session, protocol = sealing
            signature, sealed = session.wrap(body)
            data = httpwire.response(status, httpwire.join_encrypted(len(body), signature, sealed, protocol),
                                     headers=headers, content_type=httpwire.encrypted_content_type(protocol))
        else:
            data = httpwire.response(status, body, headers=headers, content_type=httpwire.SOAP_CONTENT_TYPE)
        return Reply(data, after=after)


class TlsListener:
    """A TLS port: accepts TCP itself so that each ClientHello can be refused as Schannel refuses it or routed to
    OpenSSL or tlslite-ng (legacy_tls.py). Same interface as ``asyncio.Server`` for ``HostRuntime``:
    ``close()`` stops accepting and drops sockets still being routed or handshaken (by either stack);
    ``wait_closed()``.
    """

    def __init__(self, handler, sock: socket.socket, ctx: ssl.SSLContext, router: legacy_tls.HelloRouter) -> None:
        self.handler = handler
        self.sock = sock
        self.ctx = ctx
        self.router = router
        self._routing: set[asyncio.Task] = set()
        self._accepting = asyncio.get_running_loop().create_task(self._accept())
        # Closed when the accept task ends, however it ends: a task cancelled before its first step never runs the
        # coroutine's body, so a ``finally`` there would leave the port bound (a listener closed in the same loop
        # iteration that made it, as _listen's error path does).
        self._accepting.add_done_callback(lambda _task: sock.close())

    def close(self) -> None:
        self._accepting.cancel()
        for task in list(self._routing):
            task.cancel()  # _route/_tlslite close their socket, or shut it down under a tlslite thread that closes it

    async def wait_closed(self) -> None:
        await asyncio.gather(self._accepting, *self._routing, return_exceptions=True)

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, _peer = await loop.sock_accept(self.sock)
            except OSError as exc:
                if exc.errno == errno.ECONNABORTED:
                    continue  # the client gave up before accept() took the connection: nothing to do
                # Out of descriptors/buffers, or anything unexpected: say so and retry after a pause instead of
                # spinning, as asyncio's own accept loop does (ACCEPT_RETRY_DELAY).
                print(f"winsim: accept on {self.sock.getsockname()} failed: {exc}; retrying in 1 s",
                      file=sys.stderr, flush=True)
                await asyncio.sleep(1)
                continue
            task = loop.create_task(self._route(conn))
            self._routing.add(task)
            task.add_done_callback(self._routing.discard)

    async def _route(self, conn: socket.socket) -> None:
        conn.setblocking(False)
        handed = False
        try:
            pin = self.router.route(await legacy_tls.peek_first_record(conn))
            if isinstance(pin, legacy_tls.Refusal):
                handed = True
                legacy_tls.refuse(conn, pin)
            elif isinstance(pin, legacy_tls.Silence):
                handed = True
                await legacy_tls.stay_silent(conn, IDLE_TIMEOUT)
            elif pin is None or isinstance(pin, ssl.SSLContext):
                await self._connect(conn, pin or self.ctx)
                handed = True
            else:
                handed = True  # _tlslite and its thread own the socket from here on
                await self._tlslite(conn, pin)
        except (OSError, ssl.SSLError, EOFError):
            pass  # a failed handshake: nothing to serve (asyncio.start_server drops these silently too)
        finally:
            if not handed:
                conn.close()

    async def _connect(self, sock: socket.socket, ctx: ssl.SSLContext | None) -> None:
        """Run the connection handler on ``sock`` (after an OpenSSL handshake when ``ctx``), as start_server does.

        On return the transport owns ``sock``; on a failed handshake asyncio has closed it and this raises.
        """
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, self.handler, loop=loop)
        await loop.connect_accepted_socket(lambda: protocol, sock, ssl=ctx)

    async def _tlslite(self, conn: socket.socket, pin: legacy_tls.Pin) -> None:
        """tlslite handshake and relay in a thread (tlslite is blocking); the handler runs on a socketpair.

        Owns ``conn``: the thread closes it once started, this coroutine before that.
        """
        loop = asyncio.get_running_loop()
        legacy = self.router
        try:
            outer, inner = socket.socketpair()
        except OSError:
            conn.close()
            raise
        handshaken = loop.create_future()

        def report(ok: bool) -> None:
            if not handshaken.done():
                handshaken.set_result(ok)

        def notify(ok: bool) -> None:
            with contextlib.suppress(RuntimeError):  # the event loop may be closed by now
                loop.call_soon_threadsafe(report, ok)

        def work() -> None:
            tls = None
            try:
                conn.setblocking(True)
                tls = legacy.handshake(conn, pin)
            except legacy_tls.TLSLITE_ERRORS:
                pass  # refused or broken handshake: closed below, as OpenSSL drops it
            finally:
                notify(tls is not None)
                if tls is None:
                    conn.close()
                    inner.close()
            if tls is not None:
                legacy_tls.relay(tls, conn, inner, IDLE_TIMEOUT)

        handed = False
        try:
            try:
                threading.Thread(target=work, name=f"tlslite-{pin.protocol}", daemon=True).start()
            except RuntimeError:  # "can't start new thread": conn and inner are still ours to close
                conn.close()
                inner.close()
                raise
            if await handshaken:
                outer.setblocking(False)
                await self._connect(outer, None)
                handed = True
        except asyncio.CancelledError:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # the thread's blocking handshake or relay ends and closes it
            raise
        finally:
            if not handed:
                outer.close()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Abort with RST (SO_LINGER 0): the client sees 'Connection reset by peer' mid-request."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
