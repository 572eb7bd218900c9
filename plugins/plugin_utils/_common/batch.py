# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One task for a batch of hosts: each host's WS-Man job in a thread of the task's own process.

Why: at fleet size every task per host costs Ansible a forked worker, the task's templating and a result through
the scheduler, about as much as a whole ``debug`` task, and a worker per host also pays its own WinRM login in a
process that starts cold. A batch task runs on one host (``run_once``) and checks every host of the play's batch,
``concurrency`` at a time, in threads: the WS-Man work is network-bound per host and small in CPU, so threads of
one process overlap the waits without a fork each. Each host's connection is the one a task running on that host
would get (``host_connections.batch_openers``: the host's own variables and connection options, as ansible-core
resolves them for a task), and each host's result is built exactly as a task per host builds it (``run_on_host``):
a fault fails that host alone, with its WS-Man/WMI code, in its own entry.

The role then hands each host its entry with one light task per host (win_schannel ``from_batch``), so Ansible's
recap, ``register``, handlers and exit codes see every host as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import FleetsecError, InputError
from ansible_collections.fleetsec.schannel.plugins.plugin_utils._wsman.connection import Session

DEFAULT_CONCURRENCY = 50
Opener = Callable[[], Session]


def run_batch(
    openers: Iterable[tuple[str, Opener]],
    job: Callable[[Session, str], dict[str, Any]],
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Callable[[int], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Every host's result (inventory name -> result, in the order given), ``concurrency`` hosts at a time.

    ``openers`` yields each host's name and the call that opens its session; it is consumed in the calling thread,
    while the hosts already yielded are being worked on (so it may use what is not thread-safe, such as Ansible's
    templating). A FleetsecError from the opener fails that host alone (unreachable, or the input error).
    ``job(session, name)`` is the task's job on the host. ``progress(done)`` is called as hosts finish.
    """
    if concurrency < 1:
        raise InputError("concurrency must be 1 or more hosts at a time, not %r" % concurrency, code="concurrency")
    finished = itertools.count(1)  # next() on it is atomic in CPython: a progress figure shared by the threads

    def one(name: str, opener: Opener) -> dict[str, Any]:
        try:
            result = run_on_host(opener, lambda session: job(session, name))
        except Exception as exc:  # a bug must fail its host, not cost the whole batch its results
            result = {"failed": True, "msg": "%s: %s" % (type(exc).__name__, exc),
                      "error": {"type": type(exc).__name__, "message": str(exc)}}
        done = next(finished)
        if progress is not None:
            progress(done)
        return result

    futures: dict[str, Future[dict[str, Any]]] = {}
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="wsman-batch") as pool:
        for name, opener in openers:
            if name not in futures:
                futures[name] = pool.submit(one, name, opener)
    return {name: future.result() for name, future in futures.items()}


def failing(error: FleetsecError) -> Opener:
    """An opener that fails its host with ``error`` (a host whose connection could not be resolved)."""

    def open_host() -> Session:
        raise error

    return open_host


def counts(results: dict[str, dict[str, Any]]) -> dict[str, int]:
    """How many hosts of a batch ended how: unreachable, failed, changed, ok."""
    tally = {"ok": 0, "changed": 0, "failed": 0, "unreachable": 0}
    for result in results.values():
        if result.get("unreachable"):
            tally["unreachable"] += 1
        elif result.get("failed"):
            tally["failed"] += 1
        elif result.get("changed"):
            tally["changed"] += 1
        else:
            tally["ok"] += 1
    return tally


# What a host's own task returns of its batch entry: what Ansible and the role's later tasks read per host (status,
# message and code, the Windows version for the TLS scan, the reboot state, warnings to show, the diff with --diff,
# the calls). Ansible's scheduling process copies and converts every per-host result, once per host, in one
# process: the whole entry (every value read, every change) cost it more than the rest of the light task. The whole
# entry stays in the batch result, where ``full_result`` finds it.
HANDED_OUT = ("changed", "failed", "unreachable", "msg", "error", "os", "reboot_required", "reboot_pending",
              "warnings", "diff", "calls")


def batch_entry(variables: Mapping[str, Any], name: str, host: str) -> dict[str, Any] | None:
    """Host ``host``'s result in the batch result held by variable ``name``; None when the batch did not check it
    (it was skipped, as in an apply, or the host was not in it)."""
    batch = variables.get(name)
    hosts = batch.get("hosts") if isinstance(batch, Mapping) else None
    entry = hosts.get(host) if isinstance(hosts, Mapping) else None
    return dict(entry) if isinstance(entry, Mapping) else None


def hand_out(entry: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The part of a host's batch entry its own task returns, with ``batch`` naming where the whole entry is."""
    return {**{key: entry[key] for key in HANDED_OUT if key in entry}, "batch": name,
            "changes_count": len(entry.get("changes") or ())}


def full_result(variables: Mapping[str, Any], result: Any, host: str) -> Any:
    """A host's whole result: its batch entry when its task handed one out (``batch``), else the result itself."""
    name = result.get("batch") if isinstance(result, Mapping) else None
    entry = batch_entry(variables, name, host) if isinstance(name, str) else None
    return entry if entry is not None else result


def calls_of(session: Session | None) -> dict[str, Any]:
    """``{total, by_operation}``: the WS-Man requests a task cost (retries after a lost connection included)."""
    by_operation = dict(sorted(session.client.calls.items())) if session else {}
    return {"total": sum(by_operation.values()), "by_operation": by_operation}


def run_on_host(open_host: Callable[[], Session], job: Callable[[Session], dict[str, Any]]) -> dict[str, Any]:
    """One host's task result: open its session, run the job, map any FleetsecError with ``to_result()``, and add
    ``calls`` (the WS-Man requests it cost), failed or not. The same for a task per host and for a batch."""
    session: Session | None = None
    result: dict[str, Any] = {}
    try:
        session = open_host()
        result.update(job(session))
    except FleetsecError as error:
        result.update(error.to_result())
    if session is not None and session.warnings:
        result["warnings"] = [*session.warnings, *(result.get("warnings") or [])]
    result["calls"] = calls_of(session)
    return result
