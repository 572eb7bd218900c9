"""Test-wide setup: make the checkout importable as ``ansible_collections.fleetsec.schannel``; the test Kerberos
realm shared by every test that authenticates with Kerberos.

ansible-core resolves collection code only below a directory named ``ansible_collections``; the checkout is
linked into ``collections/ansible_collections/fleetsec/schannel`` (the same layout pytest-ansible creates), and
that tree is put on ``sys.path`` and ``ANSIBLE_COLLECTIONS_PATH`` for every test and child process.
"""

import pytest

from tests.collection_path import ensure_collection_importable
from tests.winsim.kerberos_realm import KerberosRealm

ensure_collection_importable()


@pytest.fixture(scope="session")
def kerberos_realm(tmp_path_factory):
    """A real MIT Kerberos realm on 127.0.0.1 for the whole run (tests.winsim.kerberos_realm): the user
    ``winadmin@FLEETSEC.TEST`` and ``HTTP/msNNN.fleetsec.test`` for ms001..ms020; fleets join it with
    ``Fleet(kerberos=realm.directory)``. Created in well under a second; stopped at the end of the session."""
    with KerberosRealm(tmp_path_factory.mktemp("kerberos-realm"), [f"ms{i:03d}" for i in range(1, 21)]) as realm:
        yield realm
