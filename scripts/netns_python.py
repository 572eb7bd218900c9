"""Start a Python interpreter in a network namespace of its own, with only the loopback interface, up.

The simulated fleet binds fixed loopback addresses (127.20.0.0/16, the KDC's port, the simulator's control port), so
two test processes on one machine would take each other's addresses. ``scripts/run_pytest.py`` starts each pytest
worker through this script: every worker gets its own loopback and the workers cannot collide. Used as
``python netns_python.py ARGS...``: it unshares the network namespace (unshare(2) with CLONE_NEWNET; needs root or
CAP_SYS_ADMIN), sets ``lo`` up (SIOCGIFFLAGS/SIOCSIFFLAGS, netdevice(7)) and then executes ``python ARGS...`` in
the same process, so the namespace is the whole worker's. Run with no arguments, it checks that it can do that.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import socket
import struct
import sys

CLONE_NEWNET = 0x40000000  # <sched.h>
SIOCGIFFLAGS = 0x8913  # <linux/sockios.h>
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1  # <net/if.h>


def enter_own_network() -> None:
    """Move this (single-threaded) process into a new network namespace and set its loopback interface up."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"unshare(CLONE_NEWNET): {os.strerror(error)} (needs root or CAP_SYS_ADMIN)")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH", b"lo", 0).ljust(40, b"\0")
        flags = struct.unpack_from("16sH", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP).ljust(40, b"\0"))


def main(argv: list[str]) -> int:
    enter_own_network()
    if not argv:
        return 0
    os.execv(sys.executable, [sys.executable, *argv])
    return 1  # not reached: execv replaces the process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
