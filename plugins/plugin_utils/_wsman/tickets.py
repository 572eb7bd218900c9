# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kerberos ticket caches this process gets with ansible-core's managed kinit, and their removal.

ansible-core's winrm plugin (``_kerb_auth``) runs kinit into a ``tempfile.NamedTemporaryFile`` in $TMPDIR, named in
the process environment (``KRB5CCNAME``), and relies on that file object being garbage collected to delete it. An
Ansible worker leaves with ``os._exit`` (multiprocessing), which runs no finaliser: a cache still referenced then (by
the connection plugin, a re-opened session, a batch's shared ticket, a kinit that failed) stayed on disk with a TGT
valid for hours and a service ticket. So every cache is noted here when kinit creates it and removed by
``release_all`` when the task ends (the action's ``finally``: success, failure, an exception), at interpreter exit
(``atexit``), and on SIGINT and SIGTERM: on Ctrl-C Ansible passes the signal on to its workers, whose own handler
(ansible/executor/process/worker.py ``_term``) ends them with ``os._exit``, so the caches go first, then that
handler runs.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import signal
import threading
from functools import partial
from typing import Any

from ansible.errors import AnsibleConnectionFailure

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import HostUnreachable
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.client import connection_hint, redact

# MIT krb5's words (kinit as ansible-core quotes it) for a KDC that refused the principal's credentials: trying the
# same password again, once per host, only adds failures towards the account's lock-out threshold.
CREDENTIALS_REFUSED = re.compile(r"Password incorrect|Preauthentication failed|Client's credentials have been "
                                 r"revoked|Password has expired|Cannot read password while getting initial "
                                 r"credentials")

_lock = threading.RLock()  # re-entrant: the signal handler may run while the main thread holds it
_caches: dict[str, Any] = {}  # path -> the NamedTemporaryFile ansible-core made for it
_signals_handled = threading.Event()  # set once this process removes its caches on SIGINT and SIGTERM


def managed_kinit(connection: Any, password: str) -> Any:
    """ansible-core's kinit for ``connection``'s principal (``ansible_winrm_kinit_mode: managed``); the ticket cache
    (noted for ``release_all``). HostUnreachable with kinit's words and their cause and fix when kinit failed (the
    cache it made is removed at once)."""
    try:
        connection._kerb_auth(connection._winrm_user, password)
    except AnsibleConnectionFailure as exc:
        release(getattr(connection, "_kerb_ccache", None))
        connection._kerb_ccache = None
        message = str(exc)
        hint = connection_hint(message)
        raise HostUnreachable(redact(message + (" -- " + hint if hint else ""), [password])) from None
    finally:
        _note(getattr(connection, "_kerb_ccache", None))
    return connection._kerb_ccache


def _note(cache: Any) -> None:
    name = getattr(cache, "name", None)
    if not name:
        return
    with _lock:
        _caches[name] = cache
        if not _signals_handled.is_set() and threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, partial(_on_signal, signal.getsignal(signum)))
            _signals_handled.set()


def _on_signal(previous: Any, signum: int, frame: Any) -> None:
    """Remove the caches, then do what the signal did before (an Ansible worker's handler ends it with os._exit)."""
    release_all()
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)


def release(cache: Any) -> None:
    """Remove one ticket cache (its file, and ``KRB5CCNAME`` when it names it)."""
    name = getattr(cache, "name", None)
    if not name:
        return
    with _lock:
        _caches.pop(name, None)
    with contextlib.suppress(OSError):
        cache.close()  # NamedTemporaryFile: deletes the file
    with contextlib.suppress(FileNotFoundError):
        os.unlink(name)  # kinit may have replaced the file, or close() not deleted it
    if os.environ.get("KRB5CCNAME") == "FILE:%s" % name:
        del os.environ["KRB5CCNAME"]


def release_all() -> None:
    """Remove every ticket cache this process got with managed kinit."""
    with _lock:
        caches = list(_caches.values())
    for cache in caches:
        release(cache)


atexit.register(release_all)
