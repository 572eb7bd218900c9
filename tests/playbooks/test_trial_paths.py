"""Paths an administrator's trial of the shipped playbooks walked and found wrong: a host whose MailStore ports
accept no handshake passing its TLS verification, a verification that cannot see a change awaiting its reboot,
the summary of a host never reached, the messages of the pre-flight checks, a --limit that matches no host."""

from __future__ import annotations

import re

from tests.winsim.fleet import Fleet

from .conftest import Playbooks


def test_an_ecdsa_host_whose_ports_accept_no_handshake_fails_verification_and_compliance(tmp_path):
    """recommended enables only RSA suites; a host whose certificate is ECDSA completes no handshake at all on the
    MailStore ports: harden with verification fails that host (named, with the likely cause), compliance too."""
    with Fleet(tmp_path / "fleet", hosts=2, os_mix=("2019",), first_ip="127.20.90.1", reboot_seconds=0.2,
               host_options=("ms002=certificate:ecdsa",)) as fleet:
        playbooks = Playbooks(fleet, tmp_path)
        harden = playbooks.run("harden", schannel_verify_tls=True, schannel_max_fail_percentage=100)
        assert harden.returncode == 2, harden.output[-3000:]
        assert harden.status() == {"ms001": "changed", "ms002": "failed"}
        tls = harden.results["ms002"]["verification"]["tls"]
        assert tls["verdict"] == "fail"
        no_handshake = [f for f in tls["findings"] if f["id"] == "NO_HANDSHAKE"]
        assert sorted(f["port"] for f in no_handshake) == [8460, 8462, 8463]
        assert {f["severity"] for f in no_handshake} == {"high"}
        assert "port 8460 answers TCP but accepts no TLS handshake" in harden.stdout
        assert "whose key is RSA" in harden.stdout

        compliance = playbooks.run("compliance")
        assert compliance.returncode == 2, compliance.output[-3000:]
        assert compliance.status() == {"ms001": "compliant", "ms002": "failed"}
        assert "accepts no TLS handshake" in compliance.stdout
