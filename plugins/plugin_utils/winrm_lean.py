# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every WS-Man message after the first one, sent on pywinrm's own authenticated connection without requests'
per-request machinery.

pywinrm sends each message through ``requests.Session``: ``prepare_request`` (settings merged, URL parsed, auth
attached), then ``Session.send`` (hooks, cookie extraction, redirect handling) around the adapter's ``send``
(winrm/transport.py ``send_message``, ``_send_message_request``; winrm/encryption.py ``prepare_encrypted_request``).
A StdRegProv read is one small message, so that general machinery was about a third of the controller's CPU per
WS-Man call (``benchmarks/module_cost.py --profile``), and a check of one host is 40 to 68 calls.

Once pywinrm has authenticated and set up message encryption (its first message), a message needs only: seal it as
pywinrm does, POST it through the same ``HTTPAdapter`` (same connection pool, so the same NTLM-authenticated
keep-alive connection, with requests' own exception mapping and ``Response``), and let pywinrm unseal the answer and
turn a SOAP fault into its exceptions (``Protocol.send_message`` is unchanged: only the transport's
``send_message`` of that one Transport object is replaced). A dropped connection surfaces as before (a new
connection is not authenticated: the host answers 401, and the client re-connects with a new Protocol).

Only for NTLM without a proxy: Kerberos and CredSSP keep their per-response hooks (mutual authentication, CredSSP's
16 KiB chunks), and a proxy is requests' to resolve; those keep pywinrm's path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

try:
    import requests
    from winrm.exceptions import InvalidCredentialsError, WinRMTransportError

    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

MARK = "_fleetsec_lean"


def go_lean(transport: Any) -> bool:
    """Replace ``transport.send_message`` with the lean one when this transport qualifies; True when it did.

    Called after the transport's first message (authentication done, encryption set up). Anything unexpected in
    pywinrm's objects leaves the transport as it is.
    """
    if not HAS_REQUESTS or getattr(transport, MARK, None) is not None:
        return bool(getattr(transport, MARK, False))
    lean = _lean_sender(transport)
    setattr(transport, MARK, lean is not None)
    if lean is not None:
        transport.send_message = lean
    return lean is not None


def _lean_sender(transport: Any) -> Any:
    session = getattr(transport, "session", None)
    endpoint = getattr(transport, "endpoint", "")
    encryption = getattr(transport, "encryption", None)
    if session is None or getattr(transport, "auth_method", None) != "ntlm":
        return None
    if any((session.proxies or {}).get(scheme) for scheme in ("http", "https", "all")):
        return None
    if encryption is None and not endpoint.lower().startswith("https"):
        return None  # NTLM over HTTP without message encryption: not a configuration this collection supports
    if encryption is not None and not all(hasattr(encryption, name) for name in
                                          ("_encrypt_message", "MIME_BOUNDARY", "protocol_string")):
        return None
    template = session.prepare_request(requests.Request("POST", endpoint, data=b""))
    adapter = session.get_adapter(endpoint)
    host = urlsplit(endpoint).hostname
    timeout = transport.read_timeout_sec
    if encryption is not None:
        content_type = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % (
            encryption.protocol_string.decode())
        trailer = encryption.MIME_BOUNDARY + b"--\r\n"

    def send_message(message: str | bytes) -> bytes:
        if isinstance(message, str):
            message = message.encode("utf-8")
        prepared = template.copy()
        if encryption is not None:
            prepared.body = encryption._encrypt_message(message, host) + trailer
            prepared.headers["Content-Type"] = content_type
        else:
            prepared.body = message
        prepared.headers["Content-Length"] = str(len(prepared.body))
        # As winrm/transport.py _send_message_request, minus Session.send (Session.send's defaults: no stream, the
        # session's verify/cert/proxies).
        try:
            response = adapter.send(prepared, timeout=timeout, verify=session.verify, cert=session.cert,
                                    proxies=session.proxies)
            response.raise_for_status()
        except requests.HTTPError as ex:
            if ex.response.status_code == 401:
                raise InvalidCredentialsError("the specified credentials were rejected by the server") from None
            text = transport._get_message_response_text(ex.response) if ex.response.content else b""
            raise WinRMTransportError("http", ex.response.status_code, text.decode()) from None
        return transport._get_message_response_text(response)

    return send_message
