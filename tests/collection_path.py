"""Expose the checkout as the ``fleetsec.schannel`` collection to Python and to ansible-core."""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COLLECTIONS_ROOT = REPO_ROOT / "collections"


def ensure_collection_importable() -> Path:
    """Link the checkout under ``collections/ansible_collections/fleetsec/schannel``; return ``collections``."""
    link = COLLECTIONS_ROOT / "ansible_collections" / "fleetsec" / "schannel"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO_ROOT, target_is_directory=True)
    root = str(COLLECTIONS_ROOT)
    if root not in sys.path:
        sys.path.insert(0, root)
    paths = [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join([root, *paths])
    return COLLECTIONS_ROOT
