# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every WS-Man message after the first one, sent as plain HTTP/1.1 on pywinrm's own authenticated connection.

pywinrm sends each message through ``requests.Session``, urllib3's pool and ``http.client`` (winrm/transport.py
``send_message``, ``_send_message_request``; winrm/encryption.py ``prepare_encrypted_request``): request preparation,
hooks, header validation, the pool's bookkeeping and ``email``'s header parser for every answer. A StdRegProv read is
one small message and one small answer, so that general machinery was most of the controller's CPU per WS-Man call
(``benchmarks/module_cost.py --profile``), and a check of one host is 40 to 68 calls.

NTLM and Kerberos authenticate a TCP connection, not a request (MS-NLMP 1.3; RFC 4559 section 4 for the Negotiate
and Kerberos schemes; MS-WSMV 3.1.4.1.32: "the client MUST use the same connection" for the messages of an
authenticated session). Once pywinrm has authenticated and set up message encryption on its first message, its
keep-alive connection sits in urllib3's pool; this module takes that connection out of the pool and speaks to it
directly: the same request line and headers requests sent (minus any compression), the body sealed as pywinrm seals
it, the answer read by Content-Length or chunks and unsealed by pywinrm. Answers map to pywinrm's exceptions as
``_send_message_request`` maps them (401: InvalidCredentialsError; another status of 400 or more: WinRMTransportError
with the unsealed body, which ``Protocol.send_message`` turns into a WSManFaultError), so ``Protocol.send_message`` is
unchanged: only the transport's ``send_message`` of that one Transport object is replaced. A connection the host
closed or reset surfaces as ConnectionResetError, which the client treats as a lost connection (it re-connects with
a new Protocol, authenticating again).

Kerberos (pywinrm 0.5.0's vendored requests_kerberos, ``HTTPKerberosAuth`` with ``mutual_authentication=REQUIRED``):
its response hook checks the host's AP-REP (mutual authentication, RFC 4559 section 5) on the first answer that is not
a 401 and then sets ``auth_done``; from then on ``__call__`` adds no Authorization header and ``handle_other`` passes
every answer through untouched (winrm/vendor/requests_kerberos/kerberos_.py ``__call__``, ``handle_other``). So once
``auth_done`` is set the hook has nothing left to do on an answer but its 401 branch, which would start a new security
context on a connection whose messages are sealed with the old one: the lean channel raises InvalidCredentialsError
there instead, as pywinrm's ``_send_message_request`` does when the hook gives a 401 back. Sealing and unsealing stay
pywinrm's (winrm/encryption.py ``_build_kerberos_message``/``_decrypt_kerberos_message``: ``wrap_winrm`` and
``unwrap_winrm`` of the host's security context, MS-WSMV 2.2.9.1 as that class cites it); over HTTPS no message is
sealed and TLS carries the answers.

Only NTLM and Kerberos without a proxy go lean: CredSSP keeps pywinrm's path (its sealing splits messages into
16 KiB chunks and its context lives per host in the auth object), and a proxy is requests' to resolve.
"""

from __future__ import annotations

import io
import socket
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

try:
    import requests
    from winrm.exceptions import InvalidCredentialsError, WinRMTransportError

    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

MARK = "_fleetsec_lean"
MAX_LINE = 65536  # as http.client's _MAXLINE
SKIPPED_HEADERS = frozenset(("content-length", "content-type", "transfer-encoding", "accept-encoding", "host"))


def go_lean(transport: Any) -> bool:
    """Replace ``transport.send_message`` with the lean one when this transport qualifies; True when it did.

    Called after the transport's first message (authentication done, encryption set up). Anything unexpected in
    pywinrm's or urllib3's objects leaves the transport as it is.
    """
    if not HAS_REQUESTS or getattr(transport, MARK, None) is not None:
        return bool(getattr(transport, MARK, False))
    channel = _take_connection(transport)
    setattr(transport, MARK, channel is not None)
    if channel is not None:
        transport.send_message = channel.send_message
    return channel is not None


def _take_connection(transport: Any) -> LeanChannel | None:
    session = getattr(transport, "session", None)
    endpoint = getattr(transport, "endpoint", "")
    encryption = getattr(transport, "encryption", None)
    auth_method = getattr(transport, "auth_method", None)
    if session is None or auth_method not in ("ntlm", "kerberos"):
        return None
    if auth_method == "kerberos" and getattr(session.auth, "auth_done", None) is not True:
        return None  # the host's AP-REP not checked yet: requests_kerberos' hook still has mutual authentication to do
    if any((session.proxies or {}).get(scheme) for scheme in ("http", "https", "all")):
        return None
    if encryption is None and not endpoint.lower().startswith("https"):
        return None  # NTLM over HTTP without message encryption: not a configuration this collection supports
    if encryption is not None and not all(hasattr(encryption, name) for name in
                                          ("_encrypt_message", "_decrypt_response", "MIME_BOUNDARY",
                                           "protocol_string")):
        return None
    pool = _pool_of(session, endpoint)
    if pool is None:
        return None
    connection = pool._get_conn()
    sock = getattr(connection, "sock", None)
    if not isinstance(sock, socket.socket):
        pool._put_conn(connection)  # not connected: leave the pool as it was
        return None
    template = session.prepare_request(requests.Request("POST", endpoint, data=b""))
    return LeanChannel(transport, sock, endpoint, dict(template.headers), encryption)


def _pool_of(session: Any, endpoint: str) -> Any:
    """urllib3's connection pool that holds the session's connection to ``endpoint`` (requests keys its pools with
    its TLS settings, so the pool is found by scheme, host and port rather than built again from the URL)."""
    url = urlsplit(endpoint)
    port = url.port or (443 if url.scheme == "https" else 80)
    pools = getattr(session.get_adapter(endpoint).poolmanager, "pools", None)
    for key in list(pools.keys()) if pools is not None else ():
        pool = pools.get(key)
        if (getattr(pool, "scheme", None) == url.scheme and getattr(pool, "host", None) == url.hostname
                and getattr(pool, "port", None) == port and hasattr(pool, "_get_conn")):
            return pool
    return None


class LeanChannel:
    """One authenticated keep-alive connection to the WinRM listener, written and read as HTTP/1.1."""

    def __init__(self, transport: Any, sock: socket.socket, endpoint: str, headers: dict[str, str],
                 encryption: Any) -> None:
        url = urlsplit(endpoint)
        self.host = url.hostname
        self.timeout = transport.read_timeout_sec
        self.encryption = encryption
        self.sock: socket.socket | None = sock
        sock.settimeout(self.timeout)
        self.reader: io.BufferedReader | None = sock.makefile("rb")
        target = (url.path or "/") + ("?" + url.query if url.query else "")
        lines = ["POST %s HTTP/1.1" % target, "Host: %s" % url.netloc.rsplit("@", 1)[-1], "Accept-Encoding: identity"]
        lines += ["%s: %s" % (name, value) for name, value in headers.items() if name.lower() not in SKIPPED_HEADERS]
        self.head = ("\r\n".join(lines) + "\r\n").encode("latin-1")
        if encryption is not None:
            self.content_type = b'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % (
                encryption.protocol_string)
            self.trailer = encryption.MIME_BOUNDARY + b"--\r\n"
            self.sealed_marker = 'protocol="%s"' % encryption.protocol_string.decode()
        else:
            self.content_type = b"application/soap+xml;charset=UTF-8"

    def send_message(self, message: str | bytes) -> bytes:
        """Send one message and return the answer's (unsealed) body, raising as pywinrm's transport does."""
        if isinstance(message, str):
            message = message.encode("utf-8")
        if self.encryption is not None:
            message = self.encryption._encrypt_message(message, self.host) + self.trailer
        if self.sock is None or self.reader is None:
            raise ConnectionResetError("Connection reset: the host closed the WinRM connection")
        try:
            self.sock.sendall(b"%sContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s" % (
                self.head, self.content_type, len(message), message))
            status, headers, body = self._read_response(self.reader)
        except TimeoutError:
            self.close()
            raise TimeoutError("Read timed out. (read timeout=%s)" % self.timeout) from None
        except OSError:
            self.close()
            raise
        if status == 401:
            raise InvalidCredentialsError("the specified credentials were rejected by the server")
        text = self._unseal(headers, body) if body else b""
        if status >= 400:
            raise WinRMTransportError("http", status, text.decode())
        return text

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = self.reader = None

    def _unseal(self, headers: dict[str, str], body: bytes) -> bytes:
        # As winrm/encryption.py parse_encrypted_response: sealed only when the answer names the protocol.
        if self.encryption is not None and self.sealed_marker in headers.get("content-type", ""):
            return self.encryption._decrypt_response(SimpleNamespace(content=body), self.host)
        return body

    def _read_response(self, reader: io.BufferedReader) -> tuple[int, dict[str, str], bytes]:
        """Status, headers (lower-case names) and body of one answer (RFC 9112 6.3: chunked, else Content-Length,
        else up to the close)."""
        status_line = reader.readline(MAX_LINE + 1)
        if not status_line:
            raise ConnectionResetError("Connection reset: the host closed the WinRM connection (RemoteDisconnected)")
        version, _space, rest = status_line.partition(b" ")
        try:
            status = int(rest[:3])
        except ValueError:
            raise ConnectionResetError("Connection aborted: not an HTTP status line: %r" % status_line[:80]) from None
        headers: dict[str, str] = {}
        while True:
            line = reader.readline(MAX_LINE + 1)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _colon, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        keep_alive = version == b"HTTP/1.1" and headers.get("connection", "").lower() != "close"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked(reader)
        elif "content-length" in headers:
            length = int(headers["content-length"])
            body = reader.read(length)
            if len(body) < length:
                raise ConnectionResetError("Connection aborted: the answer ended after %d of %d bytes"
                                           % (len(body), length))
        else:
            body, keep_alive = reader.read(), False
        if not keep_alive:
            self.close()
        return status, headers, body

    @staticmethod
    def _read_chunked(reader: io.BufferedReader) -> bytes:
        chunks = []
        while True:
            size_line = reader.readline(MAX_LINE + 1)
            if not size_line:
                raise ConnectionResetError("Connection aborted: the answer ended inside a chunk")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while reader.readline(MAX_LINE + 1) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields
                return b"".join(chunks)
            chunks.append(reader.read(size))
            reader.readline(MAX_LINE + 1)  # the CRLF after the chunk
