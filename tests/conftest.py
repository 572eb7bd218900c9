"""Test-wide setup: make the checkout importable as ``ansible_collections.fleetsec.schannel``.

ansible-core resolves collection code only below a directory named ``ansible_collections``; the checkout is
linked into ``collections/ansible_collections/fleetsec/schannel`` (the same layout pytest-ansible creates), and
that tree is put on ``sys.path`` and ``ANSIBLE_COLLECTIONS_PATH`` for every test and child process.
"""

from tests.collection_path import ensure_collection_importable

ensure_collection_importable()
