# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read IIS Crypto templates (``.ictpl``) into win_schannel options.

Format (as observed in an IIS Crypto 3.3 and an IIS Crypto 4.x user template in public repositories): XML root
``<iisCryptoTemplate version="3">`` with ``<header>`` (name, author, lastUpdated, description, builtIn),
``<schannel>`` holding ``<clientProtocols>``, ``<serverProtocols>``, ``<ciphers>``, ``<hashes>`` and
``<keyExchanges>``, then ``<advanced>`` and ``<cipherSuites>``; every setting is an
``<item name="..." value="..." [minimumOSVersion="Windows2022"]/>``.

Mapping decisions:
- Item values: ``-1`` (0xffffffff, 3.3-era protocols and all algorithms) and ``1`` (4.x-era protocols) mean
  enabled, ``0`` disabled (the same two templates); anything else is an error.
- Equal client and server protocol states give ``protocols: {name: state}``; differing ones (or a protocol in
  only one list) give ``{server: ..., client: ...}`` with the sides the template names.
- Names go through the catalog, so IIS Crypto labels (``SHA 256``, ``Triple DES 168/168``) become registry key
  names (``SHA256``) and unknown names are errors with "did you mean".
- ``DHE Minimum Key Length`` -> ``dh_min_key_bits: {server: N}``. IIS Crypto presents it as the server's DHE
  key length, and its backup restores it together with the ``KeyExchangeAlgorithms\\Diffie-Hellman`` key
  (a real IIS Crypto 3.x /backup .reg file, BanterBoy/PSNartacIISCrypto RegBackupHOTH.reg: that key is deleted a
  second time, after the advanced settings); a third-party .reg with a "DHE Minimum Key Length" section (the same
  file writes a wrong ``Hashes\\SHA 256`` key) writes ``ServerMinKeyBitLength`` alone. Client-side minimums are
  a separate decision (``dh_min_key_bits.client``) that the template does not make. 0 = not configured.
- ``FIPS Algorithm Policy`` -> ``fips_algorithm_policy`` (0 false, -1/1 true).
- ``Configured Cipher Suites`` (comma separated) -> ``cipher_suites``; an empty value -> ``[]`` (no policy,
  OS default order), which is what IIS Crypto's backup restores with ``"Functions"=-`` (RegBackupHOTH.reg).
  Suite names are checked by the policy engine (``parse_settings``), which knows the per-OS spellings.
- ``Override Enabled``, ``Enable HTTP3``, ``Enable AltSvc`` are not Schannel settings (the last two are HTTP.sys
  options on Windows Server 2022+): ignored, with a warning when the template turns them on.
- ``minimumOSVersion`` (``Windows2022``, ``Windows2012R2``): with ``os_key`` the item is skipped, with a warning,
  on older OSes; without ``os_key`` it is kept (the policy engine then decides per OS).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding

ROOT_TAG = "iisCryptoTemplate"
FORMAT_VERSION = "3"
_ENABLED_VALUES = ("-1", "1")
_DISABLED_VALUES = ("0",)
# (section element, option, catalog kind)
_ALGORITHM_SECTIONS = (("ciphers", "ciphers", "cipher"), ("hashes", "hashes", "hash"),
                       ("keyExchanges", "key_exchanges", "key_exchange"))
_PROTOCOL_SECTIONS = (("serverProtocols", "server"), ("clientProtocols", "client"))
_KNOWN_SECTIONS = frozenset(
    {"header", "schannel", "advanced", "cipherSuites"} | {s[0] for s in _ALGORITHM_SECTIONS}
    | {s[0] for s in _PROTOCOL_SECTIONS}
)
DHE_KEY_LENGTH = "DHE Minimum Key Length"
FIPS_POLICY = "FIPS Algorithm Policy"
SUITES_ITEM = "Configured Cipher Suites"
_UNMANAGED_ADVANCED = ("Override Enabled", "Enable HTTP3", "Enable AltSvc")
_OS_VERSION_RE = re.compile(r"^Windows(?:Server)?(\d{4})(R2)?$", re.IGNORECASE)


@dataclass
class IctplTemplate:
    """A read template: header fields, the win_schannel options it amounts to, and what was wrong with it."""

    name: str = ""
    description: str = ""
    author: str = ""
    last_updated: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def _os_rank(os_key: str) -> tuple[int, int]:
    return int(os_key[:4]), 1 if os_key.endswith("r2") else 0


def _label(rank: tuple[int, int]) -> str:
    return "Windows Server %d%s" % (rank[0], " R2" if rank[1] else "")


def _item_path(section: str, name: str) -> str:
    return '%s/item[@name="%s"]' % (section, name)


class _Reader:
    def __init__(self, os_key: str | None) -> None:
        self.os_key = os_key
        self.findings: list[Finding] = []

    def error(self, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(ERROR, code, path, message))

    def warning(self, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(WARNING, code, path, message))

    def applies(self, item: ET.Element, path: str) -> bool:
        """False (with a warning) when ``minimumOSVersion`` says the item is for a newer OS than ``os_key``."""
        minimum = item.get("minimumOSVersion")
        if minimum is None:
            return True
        match = _OS_VERSION_RE.match(minimum.strip())
        if not match:
            self.error("ictpl-bad-os-version", path,
                       'minimumOSVersion="%s" is not a Windows Server version: use e.g. "Windows2022" or '
                       '"Windows2012R2"' % minimum)
            return False
        rank = (int(match.group(1)), 1 if match.group(2) else 0)
        if self.os_key is None or _os_rank(self.os_key) >= rank:
            return True
        self.warning("ictpl-os-skipped", path,
                     "skipped on %s: the template applies it from %s on (minimumOSVersion=\"%s\")"
                     % (catalog.OS_INFO[self.os_key].label, _label(rank), minimum))
        return False

    def items(self, section: ET.Element, section_path: str) -> list[tuple[str, str, str]]:
        """(name, value, path) of the applicable ``<item>`` children; unknown child elements are warned about."""
        out: list[tuple[str, str, str]] = []
        seen: dict[str, str] = {}
        for child in section:
            if child.tag != "item":
                self.warning("ictpl-unknown-element", "%s/%s" % (section_path, child.tag),
                             "element <%s> is not part of an IIS Crypto template section: ignored" % child.tag)
                continue
            name = (child.get("name") or "").strip()
            if not name:
                self.error("ictpl-bad-item", "%s/item" % section_path,
                           '<item> without a name attribute: give it name="..." or remove it')
                continue
            path = _item_path(section_path, name)
            if not self.applies(child, path):
                continue
            if name.casefold() in seen:
                self.error("ictpl-duplicate", path,
                           "appears twice in <%s>: keep one <item> per name" % section_path.rsplit("/", 1)[-1])
                continue
            seen[name.casefold()] = path
            value = child.get("value")
            if value is None:
                self.error("ictpl-bad-value", path, '<item> without a value attribute: add value="-1" or value="0"')
                continue
            out.append((name, value.strip(), path))
        return out

    def state(self, value: str, path: str) -> str | None:
        if value in _ENABLED_VALUES:
            return "enabled"
        if value in _DISABLED_VALUES:
            return "disabled"
        self.error("ictpl-bad-value", path,
                   "value '%s' is not an IIS Crypto item state: use -1 or 1 (enabled) or 0 (disabled)" % value)
        return None

    def resolve(self, kind: str, name: str, path: str) -> str | None:
        try:
            return catalog.resolve(kind, name)
        except catalog.UnknownNameError as exc:
            self.error("ictpl-unknown-item", path, "%s: fix the name in the template or remove the item" % exc)
            return None


def _find(root: ET.Element, tag: str) -> ET.Element | None:
    """The first ``tag`` element anywhere below ``root`` (IIS Crypto versions nest sections differently)."""
    return next(root.iter(tag), None)


def _text(header: ET.Element | None, tag: str) -> str:
    if header is None:
        return ""
    child = header.find(tag)
    value = child.text if child is not None else header.get(tag)
    return (value or "").strip()


def _read_protocols(root: ET.Element, reader: _Reader) -> dict[str, Any] | None:
    sides: dict[str, dict[str, str]] = {}
    found = False
    for tag, side in _PROTOCOL_SECTIONS:
        section = _find(root, tag)
        if section is None:
            continue
        found = True
        for name, value, path in reader.items(section, tag):
            canonical = reader.resolve("protocol", name, path)
            state = reader.state(value, path)
            if canonical is not None and state is not None:
                sides.setdefault(canonical, {})[side] = state
    if not found:
        return None
    protocols: dict[str, Any] = {}
    for name in catalog.PROTOCOLS:
        by_side = sides.get(name)
        if not by_side:
            continue
        if len(by_side) == 2 and by_side["server"] == by_side["client"]:
            protocols[name] = by_side["server"]
        else:
            protocols[name] = {s: by_side[s] for s in ("server", "client") if s in by_side}
    return protocols


def _read_algorithms(root: ET.Element, reader: _Reader, settings: dict[str, Any]) -> None:
    for tag, option, kind in _ALGORITHM_SECTIONS:
        section = _find(root, tag)
        if section is None:
            continue
        states: dict[str, str] = {}
        for name, value, path in reader.items(section, tag):
            canonical = reader.resolve(kind, name, path)
            state = reader.state(value, path)
            if canonical is None or state is None:
                continue
            if canonical in states:
                reader.error("ictpl-duplicate", path, "names the same %s as another item ('%s'): keep one"
                             % (kind.replace("_", " "), canonical))
                continue
            states[canonical] = state
        settings[option] = states


def _read_advanced(root: ET.Element, reader: _Reader, settings: dict[str, Any]) -> None:
    section = _find(root, "advanced")
    if section is None:
        return
    for name, value, path in reader.items(section, "advanced"):
        if name.casefold() == DHE_KEY_LENGTH.casefold():
            if not re.fullmatch(r"\d+", value):
                reader.error("ictpl-bad-value", path,
                             "value '%s' is not a key length: use 1024, 2048, 3072 or 4096" % value)
            elif int(value):
                settings["dh_min_key_bits"] = {"server": int(value)}
        elif name.casefold() == FIPS_POLICY.casefold():
            state = reader.state(value, path)
            if state is not None:
                settings["fips_algorithm_policy"] = state == "enabled"
        elif name.casefold() in (n.casefold() for n in _UNMANAGED_ADVANCED):
            if value != "0":
                reader.warning("ictpl-unmanaged", path,
                               "'%s' is not a Schannel setting and is not applied by win_schannel: set it on the "
                               "host separately" % name)
        else:
            reader.error("ictpl-unknown-item", path,
                         "unknown advanced setting '%s': known are %s; remove the item"
                         % (name, ", ".join((DHE_KEY_LENGTH, FIPS_POLICY, *_UNMANAGED_ADVANCED))))


def _read_suites(root: ET.Element, reader: _Reader, settings: dict[str, Any]) -> None:
    section = _find(root, "cipherSuites")
    if section is None:
        return
    for name, value, path in reader.items(section, "cipherSuites"):
        if name.casefold() != SUITES_ITEM.casefold():
            reader.error("ictpl-unknown-item", path,
                         "unknown cipher suite setting '%s': the list belongs in <item name=\"%s\" value=\"A,B\"/>"
                         % (name, SUITES_ITEM))
            continue
        settings["cipher_suites"] = [s.strip() for s in value.split(",") if s.strip()]


def read_ictpl(text: str | bytes, os_key: str | None = None) -> IctplTemplate:
    """Read a template; every problem is a Finding (never an exception), the settings hold what could be read."""
    reader = _Reader(os_key)
    template = IctplTemplate(findings=reader.findings)
    if os_key is not None and os_key not in catalog.OS_KEYS:
        reader.error("ictpl-bad-os", "os_key",
                     "unknown OS key '%s': use one of %s" % (os_key, ", ".join(catalog.OS_KEYS)))
        return template
    head = text[:4096] if isinstance(text, str) else text[:4096].decode("latin-1")
    if "<!DOCTYPE" in head or "<!ENTITY" in head:
        reader.error("ictpl-xml", ROOT_TAG, "the template contains a DTD; IIS Crypto templates have none: remove it")
        return template
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        reader.error("ictpl-xml", ROOT_TAG,
                     "not well-formed XML (%s): export the template again from IIS Crypto" % exc)
        return template
    if root.tag != ROOT_TAG:
        reader.error("ictpl-root", root.tag,
                     "root element is <%s>, not <%s>: this is not an IIS Crypto template" % (root.tag, ROOT_TAG))
        return template
    version = root.get("version")
    if version != FORMAT_VERSION:
        reader.warning("ictpl-version", ROOT_TAG,
                       'template format version %s; this reader knows version="%s" and reads it as such'
                       % ("'%s'" % version if version is not None else "missing", FORMAT_VERSION))
    for container in (root, _find(root, "schannel")):
        for child in container if container is not None else ():
            if child.tag not in _KNOWN_SECTIONS:
                reader.warning("ictpl-unknown-element", child.tag,
                               "element <%s> is not part of an IIS Crypto template: ignored" % child.tag)
    header = _find(root, "header")
    template.name = _text(header, "name")
    template.description = _text(header, "description")
    template.author = _text(header, "author")
    template.last_updated = _text(header, "lastUpdated")
    settings: dict[str, Any] = {}
    protocols = _read_protocols(root, reader)
    if protocols is not None:
        settings["protocols"] = protocols
    _read_algorithms(root, reader, settings)
    _read_advanced(root, reader, settings)
    _read_suites(root, reader, settings)
    template.settings = settings
    return template


def parse_ictpl(text: str | bytes, os_key: str | None = None) -> tuple[dict[str, Any], list[Finding]]:
    """win_schannel options (raw, as a user would write them) from a template, and the findings."""
    template = read_ictpl(text, os_key)
    return template.settings, template.findings
