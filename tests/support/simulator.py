"""The one entry point through which benchmarks/ and scripts/ drive the simulated Windows fleet (tests/winsim).

``Fleet(state_dir, hosts=N, os_mix=(...), first_ip=...)`` starts N simulated MailStore Server hosts speaking
WS-Management on loopback addresses (a context manager: the hosts stop with it); ``Fleet.inventory`` is an Ansible
inventory for them, ``FleetHost`` one host of it; ``KerberosRealm`` a real MIT realm on loopback to join them to
(``Fleet(kerberos=realm.directory, transport="kerberos")``). Everything else of the simulator is the tests' business.
"""

from __future__ import annotations

from tests.winsim.fleet import Fleet, FleetHost
from tests.winsim.kerberos_realm import KerberosRealm

__all__ = ["Fleet", "FleetHost", "KerberosRealm"]
