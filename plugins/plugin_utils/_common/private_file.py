# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files only their owner may read, on the controller: backups, result records, reports.

Directories are created 0700 and files 0600 from their creation on, whatever the umask; a file is written under a
temporary name in its directory and renamed over the final one, so a reader (a restore, a report, a person) never
sees half of it, and a writer killed half-way leaves the previous file as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def private_dir(path: Path) -> Path:
    """``path`` and every missing parent created 0700, whatever the umask (``mkdir(parents=True)`` gives the parents
    it creates the umask's mode, 0755 as a rule); ``path`` itself is made 0700 if it existed."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
        directory.chmod(0o700)
    path.chmod(0o700)
    return path


def write_private(path: Path, data: bytes | str) -> Path:
    """Replace ``path`` atomically with ``data`` (text as UTF-8), readable by its owner only; its directory (and
    any missing parent) private too."""
    private_dir(path.parent)
    handle, temporary = tempfile.mkstemp(prefix=".%s." % path.name, suffix=".tmp", dir=path.parent)  # 0600
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path
