#!/usr/bin/python
# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# The module runs as an action plugin on the controller (plugins/action/client_impact.py); this file holds its
# documentation only.

from __future__ import annotations

DOCUMENTATION = r"""
---
module: client_impact
short_description: Predict which TLS clients can still connect to MailStore Server under given Schannel settings
version_added: "0.1.0"
description:
  - For the settings a host would get (as M(fleetsec.schannel.win_schannel) takes them) on its Windows version,
    predicts for each known client (Windows XP to 11, .NET Framework applications, Chrome/Edge, Firefox, Safari,
    Thunderbird, Java 8/11, OpenSSL 1.0.2/1.1.1/3.x) whether it connects to MailStore's ports, with which protocol
    version and cipher suite, or why not (V(no common protocol), V(no common suite), V(no common group),
    V(needs RC4), V(needs 3DES), V(needs RC4 or 3DES)).
  - The host side is what the collection's policy engine says Schannel offers for those settings on that OS, seen
    through MailStore's .NET listener (C(dotnet_strong_crypto) in O(settings) removes what SCH_USE_STRONG_CRYPTO
    forbids on that OS). The client side is a table with a source per row; the result names what the sources
    leave unsettled.
  - With O(prove=true) each client's own ClientHello (its versions, suites and groups in its order) is sent to
    the host's ports by the TLS scan's handshake engine, and every difference between prediction and handshake
    is listed in RV(disagreements) and shown as a warning.
  - Fails the task when a client in O(required_clients) would be cut off, naming the clients and why; run it
    before M(fleetsec.schannel.win_schannel) and nothing is written to such a host.
  - Runs on the controller only; it reads and writes nothing on the host. The proof only opens TLS connections.
    It runs in check mode as well, so a drift check shows who a change would cut off before anything is written,
    and RV(summary) is shown as a warning whenever a client is cut off (unless O(warn=false)).
author:
  - fleetsec.schannel contributors (@fleetsec)
options:
  settings:
    description:
      - The Schannel settings to judge, in the option shape of M(fleetsec.schannel.win_schannel)
        (C(protocols), C(ciphers), C(hashes), C(key_exchanges), C(cipher_suites), C(ecc_curves),
        C(dotnet_strong_crypto), ...). Options left out keep the Windows default.
    type: dict
    required: true
  os:
    description:
      - The host's Windows version key, as M(fleetsec.schannel.win_schannel) returns it in its C(os.key) result.
    type: str
    required: true
    choices: ["2008r2", "2012r2", "2016", "2019", "2022", "2025"]
  clients:
    description:
      - Client ids to predict; default every known client. Ids are listed in docs/client-impact.md. A
        client's display name (V(Windows XP SP3 (Schannel\))), or its id written with spaces and any case
        (V(Windows XP)), names it too.
    type: list
    elements: str
  required_clients:
    description:
      - Client ids (or display names, as for O(clients)) that must still connect. The task fails when any of them
        would be cut off.
      - The role passes C(schannel_required_clients) here.
    type: list
    elements: str
    default: []
  certificates:
    description:
      - Key types of the certificates MailStore presents on its ports. Suites the certificates cannot serve
        are never chosen. MailStore Server creates an RSA certificate.
    type: list
    elements: str
    choices: [RSA, ECDSA, DSS]
    default: [RSA]
  host:
    description:
      - Address to send the handshakes to when O(prove=true). Default the inventory host's C(ansible_host), else
        its inventory name.
    type: str
  ports:
    description:
      - MailStore TLS ports to prove the prediction on.
    type: list
    elements: int
    default: [8460, 8462, 8463]
  prove:
    description:
      - Send each client's ClientHello to O(ports) and compare with the prediction. Needs tlslite-ng on the
        controller (requirements/verify.txt).
    type: bool
    default: false
  timeout:
    description:
      - Seconds per handshake when proving.
    type: float
    default: 5.0
  profile:
    description:
      - Name of the profile the settings come from, used in the RV(summary) line only, which then begins
        C(applying `recommended` on) instead of C(applying these settings on).
    type: str
  warn:
    description:
      - Show RV(summary) as a warning when a client is cut off. The role sets it to V(false), since it predicts for
        every Windows version before any host is read; its summary warns once per run, only for the versions the
        run's hosts have, grouped.
    type: bool
    default: true
  role_variables:
    description:
      - Name the schannel role's variables in the messages (C(schannel_required_clients) for O(required_clients),
        and C(schannel_os_keys) as the way to say which Windows versions the fleet has). The role sets it.
    type: bool
    default: false
notes:
  - Check mode is supported and changes nothing, since the module never writes.
  - Assumption, unsettled in Microsoft's documents and stated with its sources in the code and in
    docs/client-impact.md, that MailStore's .NET listener passes SCH_USE_STRONG_CRYPTO when C(SchUseStrongCrypto=1),
    as .NET clients do.
seealso:
  - module: fleetsec.schannel.win_schannel
  - module: fleetsec.schannel.tls_scan
"""

EXAMPLES = r"""
- name: Who is cut off if recommended is applied here?
  fleetsec.schannel.client_impact:
    settings: "{{ schannel_profiles.recommended }}"
    os: "2019"
  register: impact

- name: Refuse a profile that would lock out Windows 7 clients and Chrome users
  fleetsec.schannel.client_impact:
    settings: "{{ schannel_profiles.modern }}"
    os: "{{ schannel_state.os.key }}"
    required_clients: [windows_7, chrome]

- name: Prove the prediction with real handshakes after the reboot
  fleetsec.schannel.client_impact:
    settings: "{{ schannel_profiles.recommended }}"
    os: "2022"
    prove: true
"""

RETURN = r"""
clients:
  description: One prediction per client.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Client id.
      type: str
      sample: windows_xp
    name:
      description: Client name.
      type: str
      sample: Windows XP SP3 (Schannel)
    connects:
      description: Whether the client completes the handshake.
      type: bool
    protocol:
      description: The version both would negotiate (also when the handshake then fails); null when none.
      type: str
      sample: TLS 1.2
    suite:
      description: IANA name of the suite chosen; null when the client is cut off.
      type: str
      sample: TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
    group:
      description: Key exchange group chosen, when the suite needs one.
      type: str
      sample: x25519
    reason:
      description: Why the client is cut off; null when it connects.
      type: str
      sample: needs RC4 or 3DES
    detail:
      description: What the host and the client offer where they miss each other.
      type: str
    unsettled:
      description: What the client's sources leave open; empty when nothing.
      type: str
  sample:
    - {id: windows_xp, name: Windows XP SP3 (Schannel), connects: false, protocol: TLS 1.0, suite: null,
       group: null, reason: needs RC4 or 3DES, detail: "...", unsettled: ""}
cut_off:
  description: Ids of the clients that would be cut off.
  returned: always
  type: list
  elements: str
  sample: [windows_xp, windows_vista, windows_7]
required_cut_off:
  description: Ids of required clients that would be cut off; the task fails when this is not empty.
  returned: always
  type: list
  elements: str
summary:
  description: One line naming who is cut off and why.
  returned: always
  type: str
  sample: "applying these settings on Windows Server 2019 cuts off: Windows XP SP3 (Schannel) (needs RC4 or 3DES)"
host_offer:
  description: What the host's MailStore listener offers under the settings (protocols, suites in order, curves).
  returned: always
  type: dict
os:
  description: The Windows version key judged.
  returned: always
  type: str
proof:
  description: Per port (string key) and client id, what the handshake showed (connects, protocol, suite, group,
    answer, alert, agrees); null unless O(prove=true).
  returned: always
  type: dict
disagreements:
  description: Every port and client where the handshake did not match the prediction, with a message.
  returned: always
  type: list
  elements: dict
"""
