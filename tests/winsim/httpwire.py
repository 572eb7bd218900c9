"""HTTP/1.1 framing as Windows' HTTP.sys answers WinRM clients, and MS-WSMV message encryption.

Message encryption (MS-WSMV 2.2.9.1; pywinrm 0.5.0 winrm/encryption.py): the body is a two-part
``multipart/encrypted`` MIME message; the second part is ``<uint32 LE signature length><signature><sealed data>``
produced by the security context's WinRM wrap (auth.py): NTLM's 16-byte signature, or Kerberos' GSS wrap-IOV
header (RFC 4121 token header plus the encrypted header copy; pyspnego ``wrap_winrm``). The ``protocol`` parameter
names the package: ``application/HTTP-SPNEGO-session-encrypted`` after ``Negotiate`` authentication (whatever
Negotiate chose inside: pywinrm 0.5.0 sends it for NTLM and for Kerberos, encryption.py ``Encryption.__init__``),
``application/HTTP-Kerberos-session-encrypted`` after the ``Kerberos`` scheme (MS-WSMV 2.2.9.1.2; pypsrp 0.9.1
wsman.py picks it when its 401 answer was ``Kerberos``). The host answers in the protocol the request used.
"""

from __future__ import annotations

import asyncio
import email.utils
import struct
from dataclasses import dataclass

MAX_BODY = 16 * 1024 * 1024
SERVER = "Microsoft-HTTPAPI/2.0"  # WinRM is served by HTTP.sys
SOAP_CONTENT_TYPE = "application/soap+xml;charset=UTF-8"
SPNEGO_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
KERBEROS_PROTOCOL = "application/HTTP-Kerberos-session-encrypted"
ENCRYPTION_PROTOCOLS = (SPNEGO_PROTOCOL, KERBEROS_PROTOCOL)
BOUNDARY = b"--Encrypted Boundary"
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
           411: "Length Required", 413: "Request Entity Too Large", 500: "Internal Server Error"}


class BadRequest(Exception):
    """The peer sent something that is not HTTP/1.1 we can frame."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class HttpRequest:
    method: str
    target: str
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes
    wire_size: int

    def keep_alive(self) -> bool:
        return self.headers.get("connection", "").casefold() != "close"


async def read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    """Next request on the connection, or None when the peer closed it between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise BadRequest(400) from exc
        return None
    except asyncio.LimitOverrunError as exc:
        raise BadRequest(400) from exc
    lines = head[:-4].decode("iso-8859-1").split("\r\n")
    try:
        method, target, _version = lines[0].split(" ", 2)
    except ValueError:
        raise BadRequest(400) from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequest(400)
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    if "chunked" in headers.get("transfer-encoding", "").casefold():
        body = await _read_chunked(reader)
    elif "content-length" in headers:
        try:
            length = int(headers["content-length"])
        except ValueError:
            raise BadRequest(400) from None
        if length > MAX_BODY:
            raise BadRequest(413)
        body = await reader.readexactly(length)
    elif method == "POST":
        raise BadRequest(411)
    else:
        body = b""
    return HttpRequest(method, target, headers, body, len(head) + len(body))


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return b"".join(parts)
        total += size
        if total > MAX_BODY:
            raise BadRequest(413)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def response(status: int, body: bytes = b"", *, headers: list[tuple[str, str]] | None = None,
             content_type: str | None = None, close: bool = False) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, '')}"]
    if content_type is not None and body:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Server: {SERVER}")
    lines.append(f"Date: {email.utils.formatdate(usegmt=True)}")
    lines.extend(f"{name}: {value}" for name, value in headers or [])
    if close:
        lines.append("Connection: close")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("iso-8859-1") + body


def encrypted_content_type(protocol: str) -> str:
    return f'multipart/encrypted;protocol="{protocol}";boundary="Encrypted Boundary"'


def encryption_protocol(headers: dict[str, str]) -> str | None:
    """The ``protocol`` of an encrypted request body (one of ENCRYPTION_PROTOCOLS), None when it is not encrypted."""
    ctype = headers.get("content-type", "")
    if not ctype.startswith("multipart/encrypted"):
        return None
    return next((p for p in ENCRYPTION_PROTOCOLS if f'protocol="{p}"' in ctype), None)


def split_encrypted(body: bytes) -> tuple[int, bytes, bytes]:
    """Encrypted request body -> (declared plaintext length, signature, sealed data). Raises ValueError."""
    parts = [p for p in body.split(BOUNDARY + b"\r\n") if p]
    if len(parts) != 2:
        raise ValueError("expected two MIME parts")
    header, payload = parts
    length = int(header.split(b"Length=", 1)[1].split(b"\r\n", 1)[0])
    if payload.endswith(BOUNDARY + b"--\r\n"):
        payload = payload[: -len(BOUNDARY + b"--\r\n")]
    prefix = b"\tContent-Type: application/octet-stream\r\n"
    if not payload.startswith(prefix):
        raise ValueError("missing octet-stream part")
    data = payload[len(prefix) :]
    (sig_len,) = struct.unpack("<I", data[:4])
    return length, data[4 : 4 + sig_len], data[4 + sig_len :]


def join_encrypted(plain_length: int, signature: bytes, sealed: bytes, protocol: str = SPNEGO_PROTOCOL) -> bytes:
    """Response body in the framing pywinrm's encryption.py parses (the mirror of its _encrypt_message)."""
    return (
        BOUNDARY + b"\r\n"
        b"\tContent-Type: " + protocol.encode() + b"\r\n"
        b"\tOriginalContent: type=" + SOAP_CONTENT_TYPE.encode() + b";Length=" + str(plain_length).encode() + b"\r\n"
        + BOUNDARY + b"\r\n"
        b"\tContent-Type: application/octet-stream\r\n"
        + struct.pack("<I", len(signature)) + signature + sealed + BOUNDARY + b"--\r\n"
    )
