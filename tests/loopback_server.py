"""A listening socket on a loopback address with a thread accepting on it: the base of the tests' small TCP servers
(test doubles where the simulator cannot help, relays that hold connections silent)."""

from __future__ import annotations

import contextlib
import socket
import threading


class LoopbackServer:
    """Accepts on ``ip`` (port chosen by the kernel, in ``port``) and hands each connection to ``handle``, on the
    accepting thread: a subclass that must serve connections side by side starts its own thread there. Set every
    attribute ``handle`` needs before calling ``__init__``: accepting starts at once."""

    def __init__(self, ip: str) -> None:
        self.sock = socket.create_server((ip, 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ignored = self.sock.accept()
            except OSError:
                return
            self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (Linux)
        self.sock.close()
        self.thread.join(timeout=5)
