"""The Kerberos inventory of docs/kerberos.md, as written, runs ``drift`` against members of the test realm.

Only what names the doc's example domain is replaced by the simulated one (realm, user, host names, addresses, the
CA file); each replaced value must be in the doc's block, so that the doc cannot drift from what is run. The
controller's kinit reads the doc's krb5.conf, its names and domain controller replaced the same way. The password
stays a vault variable, given as an extra variable here. Both hosts refuse NTLM, as in a hardened domain.
"""

from __future__ import annotations

import re

from tests.collection_path import REPO_ROOT
from tests.fleet.conftest import Controller, output
from tests.winsim.fleet import Fleet
from tests.winsim.kerberos_realm import KDC_ADDRESS

DOC = REPO_ROOT / "docs" / "kerberos.md"
HOSTS = {"ms-archive-01": "ms001", "ms-archive-02": "ms002"}
ADDRESSES = {"ms-archive-01": "10.0.10.21", "ms-archive-02": "10.0.10.22"}


def doc_inventory() -> str:
    """The first YAML block of the page: the inventory."""
    match = re.search(r"^```yaml\n(.*?)^```", DOC.read_text(), re.MULTILINE | re.DOTALL)
    assert match, f"no YAML block in {DOC}"
    return match.group(1)


def doc_krb5_conf(kerberos_realm) -> str:
    """The page's krb5.conf (its INI block), the example realm's names and domain controller replaced by the test
    realm's: MIT krb5 reads it as laid out there (comments on lines of their own, a realm's braces on several)."""
    match = re.search(r"^```ini\n(.*?)^```", DOC.read_text(), re.MULTILINE | re.DOTALL)
    assert match, f"no krb5.conf block in {DOC}"
    text = match.group(1)
    for old, new in (("dc01.example.com", f"{KDC_ADDRESS}:{kerberos_realm.port}"),
                     ("EXAMPLE.COM", kerberos_realm.realm), ("example.com", kerberos_realm.domain)):
        assert old in text, f"{old} is no longer in {DOC.name}'s krb5.conf: update this test"
        text = text.replace(old, new)
    return text


def test_the_documented_inventory_runs_drift_as_written(kerberos_realm, tmp_path):
    text = doc_inventory()
    krb5_conf = tmp_path / "krb5.conf"
    krb5_conf.write_text(doc_krb5_conf(kerberos_realm))
    with Fleet(tmp_path / "fleet", hosts=2, os_mix=("2022", "2012r2"), first_ip="127.20.25.1",
               kerberos=kerberos_realm.directory, transport="kerberos",
               host_options=("ms001=ntlm:refuse", "ms002=ntlm:refuse")) as fleet:
        replacements = {"svc-schannel@EXAMPLE.COM": kerberos_realm.principal,
                        "/etc/pki/fleetsec/ca.pem": str(fleet.ca_cert)}
        for doc_name, name in HOSTS.items():
            replacements[f"{doc_name}.example.com"] = f"{name}.{kerberos_realm.domain}"
            replacements[ADDRESSES[doc_name]] = fleet.host(name).ip
        replacements.update(HOSTS)  # after the FQDNs that hold the short names
        for old, new in replacements.items():
            assert old in text, f"{old} is no longer in {DOC.name}'s inventory: update this test"
            text = text.replace(old, new)
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(text)
        controller = Controller(tmp_path)
        proc = controller.run("fleetsec.schannel.drift", inventory,
                              env=controller.env(KRB5_CONFIG=str(krb5_conf)),
                              vault_schannel_password=kerberos_realm.password)
        counters = fleet.control.counters()
    results = controller.latest_results()
    assert {host: r["status"] for host, r in results.items()} == {"ms001": "drifted", "ms002": "drifted"}, \
        output(proc)[-3000:]
    assert proc.returncode == 2  # drifted, none failed
    for name in HOSTS.values():
        assert counters["hosts"][name]["wsman_calls"] > 0
        assert counters["hosts"][name]["auth_failures"] == 0
