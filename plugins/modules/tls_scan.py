#!/usr/bin/python
# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation stub: the module runs on the controller as an action plugin (plugins/action).

DOCUMENTATION = r"""
---
module: tls_scan
short_description: Verify from the controller what a host's TLS ports really offer, against its Schannel settings
version_added: 0.1.0
description:
  - Sends real TLS handshakes from the Ansible controller to the host's MailStore Server ports and reports, per
    port, the protocol versions and cipher suites accepted, the server's suite preference, the key exchange groups,
    the DH group size and a certificate summary. No connection to the host's WinRM is used.
  - Judges what it finds against the win_schannel O(settings) on the host's Windows version O(os) (the collection's
    policy engine knows what those settings allow there). Anything accepted that the settings disable is a failure
    (verdict V(fail)); a protocol the settings enable that nothing accepts is a warning finding ("enabled but
    unusable") while another enabled protocol works, and a failure (C(NO_HANDSHAKE), V(fail)) when no enabled
    protocol completes a handshake, naming the likely cause (no enabled suite fits the certificate's key type); a
    port that does not answer a TLS 1.2 hello (or refuses the connection) is V(unreachable), never
    hardened. A port that answers TLS but not an SSL 2.0 hello (Schannel may stay silent) does not offer SSL 2.0.
  - Every hello signals secure renegotiation (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, SSL 3.0 hellos included), so
    servers in renegotiation strict mode (C(AllowInsecureRenegoClients=0)) answer it. Any suite on the wire is named
    (by its IANA code when it has no name) and judged; a probe that fails, or a hello the server did not
    understand, makes the result incomplete (verdict V(fail)), never V(pass).
  - Findings are named as testssl.sh, sslyze and SSL Labs name them, each with a severity and a source, SWEET32,
    POODLE (SSL 3.0 with CBC), RC4 (RFC 7465), LOGJAM / WEAK_DH (DH under 2048 bits), SSLV2, SSLV3, TLS1_0 and
    TLS1_1 (deprecated, RFC 8996), NULL/EXPORT/anonymous suites, NO_FORWARD_SECRECY.
  - "O(depth=compliance) gives the same answer as a full sweep with handshakes in proportion to protocol versions:
    per version one ClientHello offering every suite code outside the settings (every code of the blocks the IANA
    registry assigns suites from; another hello only when the server picks one),
    then one per allowed suite and per allowed group. Measured on the collection's simulated hosts: 11-15 handshakes
    per port for the C(recommended) profile and 39 for C(xp_compatible), against 439-441 and 442 for
    O(depth=full)."
  - O(depth=full) is sslyze's sweep, every suite of every version (SSL 2.0 to TLS 1.3) one handshake each, and its
    curve sweep. Hundreds of failed handshakes per port may write Schannel events 36874/36888 on the host.
  - ClientHellos are built and ServerHellos read with tlslite-ng. Requires the Python packages C(tlslite-ng) and,
    for O(depth=full), C(sslyze) on the controller (C(requirements/verify.txt)); the task fails with an install
    hint when one is missing.
  - With O(hosts) one task scans many hosts (a serial batch, a whole inventory) from the controller, O(concurrency)
    hosts at a time, and returns each host's result under RV(hosts). Run it once (C(run_once)) for the batch, since
    at fleet size every task per host costs Ansible about a fork and its templating, which one task for the batch
    does not.
author:
  - fleetsec.schannel contributors (@fleetsec)
options:
  host:
    description: Address to scan. Default is the inventory host's C(ansible_host), else its inventory name.
      Not with O(hosts).
    type: str
  hosts:
    description:
      - Inventory hosts to scan in one task, each at its C(ansible_host) (else its name) with its name as SNI when
        that is a DNS name. Give O(os) as a mapping of these names to their version keys, or as one key for all.
      - A host without a version key in O(os) fails alone (C(failed) and C(msg) in its result); the others are
        scanned.
    type: list
    elements: str
  concurrency:
    description: With O(hosts), how many hosts are scanned at once (each with its ports in parallel).
    type: int
    default: 16
  ports:
    description: TCP ports to scan, in parallel (one socket at a time per port).
    type: list
    elements: int
    default: [8460, 8462, 8463]
  depth:
    description: C(compliance) (few handshakes, same verdict) or C(full) (sslyze's sweep).
    type: str
    choices: [compliance, full]
    default: compliance
  timeout:
    description: Seconds one handshake may take (connect, send, every read). A handshake that times out makes the
      port's result incomplete (never "refused").
    type: float
    default: 5
  port_timeout:
    description: Seconds the scan of one port may take in all; a port cut short is reported as incomplete
      (finding C(SCAN_INCOMPLETE), verdict V(fail)).
    type: float
    default: 120
  settings:
    description:
      - The win_schannel options the host should have (a profile as the role resolves it). Only the options that
        decide what a listener offers are read (C(protocols), C(protocol_sides), C(ciphers), C(hashes),
        C(key_exchanges), C(cipher_suites), C(ecc_curves), C(dh_min_key_bits)); the others are accepted and ignored.
      - Required, unless O(settings_by_os) is given.
    type: dict
  settings_by_os:
    description:
      - Instead of O(settings), the settings per Windows version key (as M(fleetsec.schannel.schannel_resolve)
        returns them for an IIS Crypto template whose items carry C(minimumOSVersion)); each host is judged by the
        entry of its version.
    type: dict
  settings_from:
    description:
      - Instead of O(settings) or O(settings_by_os), the name of a variable holding the result of
        M(fleetsec.schannel.schannel_resolve); read as stored, as M(fleetsec.schannel.win_schannel) reads it.
    type: str
  os:
    description:
      - The host's Windows version key as win_schannel returns it in C(os.key)
        (C(2008r2), C(2012r2), C(2016), C(2019), C(2022), C(2025)). Required.
      - With O(hosts), one key for every host or a mapping of inventory host to key; or see O(os_from).
    type: raw
  os_from:
    description:
      - With O(hosts), instead of O(os), the variable in which each host registered a
        M(fleetsec.schannel.win_schannel) or M(fleetsec.schannel.win_schannel_info) result; its C(os.key) is the
        host's version. Read as stored, without templating every host's result again.
    type: str
  server_name:
    description: Name sent in the SNI extension. Default is O(host) when it is a DNS name, else the inventory
      hostname when that is one; an IP literal is never sent (RFC 6066 section 3). Not with O(hosts).
    type: str
  fail_on_findings:
    description: Fail the task when the verdict is not V(pass) or a finding has severity C(critical) or C(high).
      By default the task reports and does not fail, so the result can go into the fleet report.
    type: bool
    default: false
notes:
  - Check mode is supported; the scan only reads and runs in check mode too.
seealso:
  - module: fleetsec.schannel.win_schannel
  - module: fleetsec.schannel.compliance_report
"""

EXAMPLES = r"""
- name: Verify the MailStore ports against the applied profile
  fleetsec.schannel.tls_scan:
    settings: "{{ schannel_settings }}"
    os: "{{ schannel_apply.os.key }}"
  register: tls

- name: Verify every host of the serial batch from one task, 16 hosts at a time
  fleetsec.schannel.tls_scan:
    hosts: "{{ ansible_play_batch }}"
    settings: "{{ schannel_settings }}"
    os_from: schannel_apply  # registered by a win_schannel task on each host
  run_once: true
  register: tls

- name: Full sslyze sweep of one port, failing on serious findings
  fleetsec.schannel.tls_scan:
    ports: [8462]
    depth: full
    settings: "{{ schannel_settings }}"
    os: "2019"
    fail_on_findings: true
"""

RETURN = r"""
verdict:
  description: V(pass), V(fail) (a port accepts what the settings forbid, or could not be scanned fully) or
    V(unreachable) (a port did not answer).
  returned: success, without O(hosts)
  type: str
  sample: pass
ports:
  description: Per port (as a string key) what it offers.
  returned: success, without O(hosts)
  type: dict
  sample:
    "8460":
      reachable: true
      complete: true
      protocols:
        TLS 1.2:
          accepted: true
          suites: [{name: TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, code: "0xC028"}]
          server_preference: null
      groups: [x25519, secp256r1, secp384r1]
      dh_bits: null
      certificate: {subject: CN=ms001, key_type: RSA, key_bits: 2048, not_after: "2027-01-01T00:00:00+00:00"}
      handshakes: 10
      seconds: 0.03
      detail: ""
findings:
  description: Findings, each C({id, severity, port, protocol, suite, message, source}); severity is one of
    critical, high, medium, low, info.
  returned: success, without O(hosts)
  type: list
  elements: dict
  sample:
    - {id: RC4, severity: high, port: 8460, protocol: TLS 1.2, suite: TLS_RSA_WITH_RC4_128_SHA,
       message: port 8460 accepts TLS_RSA_WITH_RC4_128_SHA, source: "RFC 7465 (RC4 prohibited); ..."}
handshakes:
  description: Handshakes the scan cost over all ports (for O(depth=full), as sslyze reports its attempts); with
    O(hosts), over every host.
  returned: success
  type: int
  sample: 30
expected:
  description: What the settings allow on this OS (protocols, suites per protocol, groups, DH size).
  returned: success, without O(hosts)
  type: dict
depth:
  description: The depth used.
  returned: success
  type: str
host:
  description: The address scanned.
  returned: success, without O(hosts)
  type: str
hosts:
  description: With O(hosts), each host's result by inventory name, as one host's task returns it (RV(verdict),
    RV(ports), RV(findings), RV(handshakes), RV(expected), RV(host)); C(failed) and C(msg) for a host that could
    not be scanned.
  returned: success, with O(hosts)
  type: dict
verdicts:
  description: With O(hosts), how many hosts got each verdict (C(failed) for hosts that could not be scanned).
  returned: success, with O(hosts)
  type: dict
  sample: {pass: 98, fail: 1, unreachable: 1}
"""
