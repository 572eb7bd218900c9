"""The lean channel's HTTP/1.1 reader (plugin_utils/_wsman/lean.py): bodies by Content-Length, by chunks or up to the
close, and a connection that ends early is a lost connection (the client then re-connects)."""

from __future__ import annotations

import io

import pytest

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.lean import LeanChannel


class Closed:
    """Stands in for the channel's socket: records that the channel closed it."""

    closed = False

    def close(self) -> None:
        self.closed = True


def read(raw: bytes) -> tuple[int, dict[str, str], bytes, bool]:
    channel = LeanChannel.__new__(LeanChannel)
    sock = Closed()
    channel.sock, channel.reader = sock, None
    status, headers, body = channel._read_response(io.BufferedReader(io.BytesIO(raw)))
    return status, headers, body, sock.closed


def test_content_length_keeps_the_connection():
    status, headers, body, closed = read(b"HTTP/1.1 200 \r\nContent-Type: application/soap+xml\r\n"
                                         b"Content-Length: 5\r\n\r\nhello")
    assert (status, headers["content-type"], body, closed) == (200, "application/soap+xml", b"hello", False)


def test_chunked_body_with_a_trailer():
    raw = b"HTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n"
    assert read(raw)[:3] == (500, {"transfer-encoding": "chunked"}, b"abcde")


def test_connection_close_and_http_1_0_close_after_the_answer():
    assert read(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")[3] is True
    assert read(b"HTTP/1.0 200 OK\r\n\r\nup to the close")[2:] == (b"up to the close", True)


@pytest.mark.parametrize("raw", [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", b"SSH-2.0-OpenSSH\r\n"])
def test_an_answer_cut_short_or_not_http_is_a_lost_connection(raw):
    with pytest.raises(ConnectionResetError):
        read(raw)
