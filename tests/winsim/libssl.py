"""The few libssl calls Python's ``ssl`` module does not expose, made on the SSL_CTX of an ``ssl.SSLContext``.

Python 3.12's ``ssl`` cannot choose TLS 1.3 cipher suites or a group list, and has no ClientHello hook
(``SSLContext.set_ciphers`` only affects TLS 1.2 and below; Python docs, ``ssl`` module). These helpers call the
very libssl that ``_ssl`` is linked against (``dlsym`` on the ``_ssl`` extension module resolves through its
dependencies), on the ``SSL_CTX *`` that CPython keeps right after the object header of ``_ssl._SSLContext``
(Modules/_ssl.c ``PySSLContext``). The pointer is checked against ``SSL_CTX_get_options`` == ``ctx.options``
before any use, so a layout change fails loudly instead of corrupting memory.
"""

from __future__ import annotations

import ctypes
import ssl

_LIB = ctypes.CDLL(ssl._ssl.__file__)  # type: ignore[attr-defined]

_LIB.SSL_CTX_get_options.argtypes = [ctypes.c_void_p]
_LIB.SSL_CTX_get_options.restype = ctypes.c_uint64
_LIB.SSL_CTX_set_ciphersuites.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
_LIB.SSL_CTX_set_ciphersuites.restype = ctypes.c_int
_LIB.SSL_CTX_ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
_LIB.SSL_CTX_ctrl.restype = ctypes.c_long
_CLIENT_HELLO_CB = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.c_void_p)
_LIB.SSL_CTX_set_client_hello_cb.argtypes = [ctypes.c_void_p, _CLIENT_HELLO_CB, ctypes.c_void_p]
_LIB.SSL_CTX_set_client_hello_cb.restype = None
_LIB.SSL_client_hello_get0_ext.argtypes = [ctypes.c_void_p, ctypes.c_uint,
                                           ctypes.POINTER(ctypes.POINTER(ctypes.c_ubyte)),
                                           ctypes.POINTER(ctypes.c_size_t)]
_LIB.SSL_client_hello_get0_ext.restype = ctypes.c_int

SSL_CTRL_SET_GROUPS_LIST = 92  # openssl/ssl.h; SSL_CTX_set1_groups_list is a macro over SSL_CTX_ctrl
SSL_CLIENT_HELLO_SUCCESS = 1
SSL_CLIENT_HELLO_ERROR = 0
EXT_SUPPORTED_VERSIONS = 43  # RFC 8446 4.2.1
TLS1_3_VERSION = 0x0304
ALERT_HANDSHAKE_FAILURE = 40  # RFC 8446 6.2


def ctx_pointer(ctx: ssl.SSLContext) -> int:
    """The ``SSL_CTX *`` of ``ctx`` (verified, see the module docstring)."""
    pointer = ctypes.c_void_p.from_address(id(ctx) + object.__basicsize__).value
    if not pointer or _LIB.SSL_CTX_get_options(pointer) != int(ctx.options):
        raise RuntimeError("cannot locate the SSL_CTX of an ssl.SSLContext on this Python build")
    return pointer


def set_ciphersuites(ctx: ssl.SSLContext, suites: list[str]) -> None:
    """TLS 1.3 cipher suites (OpenSSL ``SSL_CTX_set_ciphersuites``); raises ValueError for unknown names."""
    if _LIB.SSL_CTX_set_ciphersuites(ctx_pointer(ctx), ":".join(suites).encode("ascii")) != 1:
        raise ValueError(f"OpenSSL rejected TLS 1.3 suites {suites}")


def set_groups(ctx: ssl.SSLContext, groups: list[str]) -> None:
    """Key exchange groups in preference order (``SSL_CTX_set1_groups_list``); ValueError for unknown names."""
    buf = ctypes.create_string_buffer(":".join(groups).encode("ascii"))
    if _LIB.SSL_CTX_ctrl(ctx_pointer(ctx), SSL_CTRL_SET_GROUPS_LIST, 0, ctypes.cast(buf, ctypes.c_void_p)) != 1:
        raise ValueError(f"OpenSSL rejected groups {groups}")


def _offers_tls13(ssl_pointer: int) -> bool:
    out = ctypes.POINTER(ctypes.c_ubyte)()
    size = ctypes.c_size_t()
    if not _LIB.SSL_client_hello_get0_ext(ssl_pointer, EXT_SUPPORTED_VERSIONS, ctypes.byref(out),
                                          ctypes.byref(size)):
        return False
    data = bytes(out[: size.value])
    if not data:
        return False
    versions = data[1: 1 + data[0]]
    return any(int.from_bytes(versions[i: i + 2], "big") == TLS1_3_VERSION for i in range(0, len(versions) - 1, 2))


def refuse_client_hellos(ctx: ssl.SSLContext, *, everything: bool, offering_tls13: bool) -> None:
    """Fail handshakes with a handshake_failure alert right after the ClientHello.

    ``everything``: every ClientHello; ``offering_tls13``: those whose supported_versions lists TLS 1.3. The
    callback object is kept on ``ctx`` so it lives as long as the SSL_CTX that calls it.
    """

    def callback(ssl_pointer: int, alert: ctypes._Pointer, _arg: int) -> int:  # type: ignore[type-arg]
        if everything or (offering_tls13 and _offers_tls13(ssl_pointer)):
            alert[0] = ALERT_HANDSHAKE_FAILURE
            return SSL_CLIENT_HELLO_ERROR
        return SSL_CLIENT_HELLO_SUCCESS

    c_callback = _CLIENT_HELLO_CB(callback)
    ctx.winsim_client_hello_cb = c_callback  # type: ignore[attr-defined]
    _LIB.SSL_CTX_set_client_hello_cb(ctx_pointer(ctx), c_callback, None)
