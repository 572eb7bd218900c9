# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A forked worker stops writing to a host once the ansible-playbook process that forked it is gone.

ansible-core runs each task in a worker process forked by ansible-playbook, in a session of its own
(ansible/executor/process/worker.py ``WorkerProcess``: ``os.setsid()``), so a SIGKILL of ansible-playbook, or of
its process group, does not reach the workers: they went on writing to their hosts, then blocked for ever sending
their result into a queue whose reader was gone (the other workers still hold the pipe open). A worker's parent is
its controller; when the worker is orphaned the kernel gives it another parent (init or a subreaper), so
``os.getppid()`` changing is the sign. ``watch()`` notes the parent when a task starts; ``check()`` before each
write raises ControllerGone, the writer records where it stopped (the partial record beside the backup, which the
next run and the restore read), and ``exit_orphan()`` ends the process without sending anything.
"""

from __future__ import annotations

import os
from typing import NoReturn

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import FleetsecError

# The parent noted when this process's task started (a worker serves one task); empty where no task watches.
_watched: dict[str, int] = {}
EXIT_ORPHANED = 70  # an exit status no one waits for, distinct from Python's own 1


class ControllerGone(FleetsecError):
    """The ansible-playbook process that started this task is gone: nothing more may be written."""


def watch() -> None:
    """Note this process's parent (the controller) at the start of a task."""
    _watched["parent"] = os.getppid()


def controller_gone() -> bool:
    parent = _watched.get("parent")
    return parent is not None and os.getppid() != parent


def check() -> None:
    """Raise ControllerGone when the controller that started the task is gone (before a write)."""
    if controller_gone():
        raise ControllerGone("the controller (ansible-playbook, pid %d) is gone: the write stopped here"
                             % _watched["parent"])


def exit_orphan() -> NoReturn:
    """End an orphaned worker at once: no result can reach a controller that is gone, and sending one would block."""
    os._exit(EXIT_ORPHANED)
