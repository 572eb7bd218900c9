# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read IIS Crypto templates (``.ictpl``) into win_schannel options.

Format (as observed in an IIS Crypto 3.3 and an IIS Crypto 4.x user template in public repositories): XML root
``<iisCryptoTemplate version="3">`` with ``<header>`` (name, author, lastUpdated, description, builtIn),
``<schannel>`` holding ``<clientProtocols>``, ``<serverProtocols>``, ``<ciphers>``, ``<hashes>`` and
``<keyExchanges>``, then ``<advanced>`` and ``<cipherSuites>``; every setting is a
``<templateItem name="..." value="..." [minimumOSVersion="Windows2022"]/>``. Only that spelling is read: no
template with another element name for items was found, so any other child of a section is an unknown element
(a warning), and a template from which no setting at all can be read is an error, never an empty success.

Mapping decisions:
- Item values: ``-1`` (0xffffffff, 3.3-era protocols and all algorithms) and ``1`` (4.x-era protocols) mean
  enabled, ``0`` disabled (the same two templates); anything else is an error. An item without a ``value``
  attribute is "not set" (IIS Crypto 4.x writes ``Enable HTTP3`` and ``Enable AltSvc`` that way): nothing is
  managed for it.
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
- ``minimumOSVersion`` (``Windows2022``, ``Windows2012R2``): the item applies from that version on, as IIS
  Crypto applies it. Read with ``os_key``, an item for a newer OS is skipped with a warning. Read without one,
  every item is kept in ``settings`` and its minimum in ``minimum_os``; ``for_os(os_key)`` then gives the
  settings of one host, so a template read once on the controller is rendered per host as IIS Crypto would
  (no Server 2022 suite list on 2016 or 2019). The same setting may appear once per minimum (e.g. one suite list
  for every OS and one from Windows2022 on): the variant with the highest minimum the OS reaches wins.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.findings import ERROR, WARNING, Finding

ROOT_TAG = "iisCryptoTemplate"
ITEM_TAG = "templateItem"
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

# A setting's place in the options: ("protocols", name, side), (option, name), ("dh_min_key_bits", "server"),
# ("fips_algorithm_policy",), ("cipher_suites",).
SettingPath = tuple[str, ...]
OsRank = tuple[int, int]


@dataclass(frozen=True)
class _Entry:
    """One readable item: where it goes in the options, its value, and the OS it applies from."""

    path: SettingPath
    value: Any
    minimum: OsRank | None
    minimum_text: str
    xml_path: str


@dataclass
class IctplTemplate:
    """A read template: header fields, the win_schannel options it amounts to, and what was wrong with it.

    ``settings`` holds the options for the OS the template was read for, or, read without an OS, every item
    (the newest variant of each); ``minimum_os`` maps the option path of each item that carries a
    ``minimumOSVersion`` (``protocols.TLS 1.3.server``, ``cipher_suites``) to the first OS key it applies to.
    ``for_os`` renders the template for one OS.
    """

    name: str = ""
    description: str = ""
    author: str = ""
    last_updated: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    minimum_os: dict[str, str] = field(default_factory=dict)
    entries: list[_Entry] = field(default_factory=list, repr=False)

    def for_os(self, os_key: str) -> tuple[dict[str, Any], list[Finding]]:
        """The options for one OS (items for newer versions left out) and a warning for each item left out.

        Raises KeyError for an OS key the catalog does not know.
        """
        if os_key not in catalog.OS_INFO:
            raise KeyError("unknown OS key %r: use one of %s" % (os_key, ", ".join(catalog.OS_KEYS)))
        return _assemble(self.entries, os_key)


def _os_rank(os_key: str) -> OsRank:
    return int(os_key[:4]), 1 if os_key.endswith("r2") else 0


def _first_os(rank: OsRank) -> str | None:
    """The first catalog OS key at or after ``rank`` (None when the template names a version after them all)."""
    return next((key for key in catalog.OS_KEYS if _os_rank(key) >= rank), None)


def _label(rank: OsRank) -> str:
    return "Windows Server %d%s" % (rank[0], " R2" if rank[1] else "")


def _item_path(section: str, name: str) -> str:
    return '%s/%s[@name="%s"]' % (section, ITEM_TAG, name)


def _path_text(path: SettingPath) -> str:
    return ".".join(path)


class _Reader:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.entries: list[_Entry] = []

    def error(self, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(ERROR, code, path, message))

    def warning(self, code: str, path: str, message: str) -> None:
        self.findings.append(Finding(WARNING, code, path, message))

    def minimum(self, item: ET.Element, path: str) -> tuple[OsRank | None, str] | None:
        """(rank, text) of ``minimumOSVersion`` ((None, "") when absent); None (with an error) when unreadable."""
        text = item.get("minimumOSVersion")
        if text is None:
            return None, ""
        match = _OS_VERSION_RE.match(text.strip())
        if not match:
            self.error("ictpl-bad-os-version", path,
                       'minimumOSVersion="%s" is not a Windows Server version: use e.g. "Windows2022" or '
                       '"Windows2012R2"' % text)
            return None
        return (int(match.group(1)), 1 if match.group(2) else 0), text

    def items(self, section: ET.Element, section_path: str) -> list[tuple[str, str, str, OsRank | None, str]]:
        """(name, value, path, minimum, minimum text) of the ``<templateItem>`` children that have a value.

        Items without a value are "not set" and left out; unknown child elements are warned about.
        """
        out: list[tuple[str, str, str, OsRank | None, str]] = []
        seen: set[tuple[str, OsRank | None]] = set()
        for child in section:
            if child.tag != ITEM_TAG:
                self.warning("ictpl-unknown-element", "%s/%s" % (section_path, child.tag),
                             "element <%s> is not part of an IIS Crypto template section (settings are <%s> "
                             "elements): ignored" % (child.tag, ITEM_TAG))
                continue
            name = (child.get("name") or "").strip()
            if not name:
                self.error("ictpl-bad-item", "%s/%s" % (section_path, ITEM_TAG),
                           '<%s> without a name attribute: give it name="..." or remove it' % ITEM_TAG)
                continue
            path = _item_path(section_path, name)
            minimum = self.minimum(child, path)
            if minimum is None:
                continue
            if (name.casefold(), minimum[0]) in seen:
                self.error("ictpl-duplicate", path, "appears twice in <%s>: keep one <%s> per name"
                           % (section_path.rsplit("/", 1)[-1], ITEM_TAG))
                continue
            seen.add((name.casefold(), minimum[0]))
            value = child.get("value")
            if value is None:
                continue
            out.append((name, value.strip(), path, *minimum))
        return out

    def add(self, setting: SettingPath, value: Any, path: str, minimum: OsRank | None, minimum_text: str) -> None:
        self.entries.append(_Entry(setting, value, minimum, minimum_text, path))

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


def _read_protocols(root: ET.Element, reader: _Reader) -> None:
    for tag, side in _PROTOCOL_SECTIONS:
        section = _find(root, tag)
        if section is None:
            continue
        for name, value, path, minimum, minimum_text in reader.items(section, tag):
            canonical = reader.resolve("protocol", name, path)
            state = reader.state(value, path)
            if canonical is not None and state is not None:
                reader.add(("protocols", canonical, side), state, path, minimum, minimum_text)


def _read_algorithms(root: ET.Element, reader: _Reader) -> None:
    for tag, option, kind in _ALGORITHM_SECTIONS:
        section = _find(root, tag)
        if section is None:
            continue
        first: dict[tuple[str, OsRank | None], str] = {}
        for name, value, path, minimum, minimum_text in reader.items(section, tag):
            canonical = reader.resolve(kind, name, path)
            state = reader.state(value, path)
            if canonical is None or state is None:
                continue
            if (canonical, minimum) in first:
                reader.error("ictpl-duplicate", path, "names the same %s as another item ('%s'): keep one"
                             % (kind.replace("_", " "), canonical))
                continue
            first[(canonical, minimum)] = path
            reader.add((option, canonical), state, path, minimum, minimum_text)


def _read_advanced(root: ET.Element, reader: _Reader) -> None:
    section = _find(root, "advanced")
    if section is None:
        return
    for name, value, path, minimum, minimum_text in reader.items(section, "advanced"):
        if name.casefold() == DHE_KEY_LENGTH.casefold():
            if not re.fullmatch(r"\d+", value):
                reader.error("ictpl-bad-value", path,
                             "value '%s' is not a key length: use 1024, 2048, 3072 or 4096" % value)
            elif int(value):
                reader.add(("dh_min_key_bits", "server"), int(value), path, minimum, minimum_text)
        elif name.casefold() == FIPS_POLICY.casefold():
            state = reader.state(value, path)
            if state is not None:
                reader.add(("fips_algorithm_policy",), state == "enabled", path, minimum, minimum_text)
        elif name.casefold() in (n.casefold() for n in _UNMANAGED_ADVANCED):
            if value != "0":
                reader.add(("unmanaged", name), value, path, minimum, minimum_text)
        else:
            reader.error("ictpl-unknown-item", path,
                         "unknown advanced setting '%s': known are %s; remove the item"
                         % (name, ", ".join((DHE_KEY_LENGTH, FIPS_POLICY, *_UNMANAGED_ADVANCED))))


def _read_suites(root: ET.Element, reader: _Reader) -> None:
    section = _find(root, "cipherSuites")
    if section is None:
        return
    for name, value, path, minimum, minimum_text in reader.items(section, "cipherSuites"):
        if name.casefold() != SUITES_ITEM.casefold():
            reader.error("ictpl-unknown-item", path,
                         "unknown cipher suite setting '%s': the list belongs in <%s name=\"%s\" value=\"A,B\"/>"
                         % (name, ITEM_TAG, SUITES_ITEM))
            continue
        suites = [s.strip() for s in value.split(",") if s.strip()]
        reader.add(("cipher_suites",), suites, path, minimum, minimum_text)


def _applies(entry: _Entry, os_key: str | None) -> bool:
    return entry.minimum is None or os_key is None or _os_rank(os_key) >= entry.minimum


def _assemble(entries: list[_Entry], os_key: str | None) -> tuple[dict[str, Any], list[Finding]]:
    """Options from ``entries`` for ``os_key`` (None: every item); warnings for the items left out."""
    findings: list[Finding] = []
    chosen: dict[SettingPath, _Entry] = {}
    for entry in entries:
        if not _applies(entry, os_key):
            continue
        current = chosen.get(entry.path)
        if current is None or (current.minimum or (0, 0)) < (entry.minimum or (0, 0)):
            chosen[entry.path] = entry
    # An item for a newer OS is worth a warning unless another variant of the same setting applies instead.
    for entry in entries:
        if os_key is None or entry.path in chosen or entry.minimum is None or _applies(entry, os_key):
            continue
        findings.append(Finding(
            WARNING, "ictpl-os-skipped", entry.xml_path,
            'skipped on %s: the template applies it from %s on (minimumOSVersion="%s")'
            % (catalog.os_label(os_key), _label(entry.minimum), entry.minimum_text)))
    settings: dict[str, Any] = {}
    sides: dict[str, dict[str, str]] = {}
    for path, entry in chosen.items():
        option = path[0]
        if option == "protocols":
            sides.setdefault(path[1], {})[path[2]] = entry.value
        elif option == "unmanaged":
            findings.append(Finding(WARNING, "ictpl-unmanaged", entry.xml_path,
                                    "'%s' is not a Schannel setting and is not applied by win_schannel: set it on "
                                    "the host separately" % path[1]))
        elif len(path) == 2:
            settings.setdefault(option, {})[path[1]] = entry.value
        else:
            settings[option] = entry.value
    protocols: dict[str, Any] = {}
    for name in catalog.PROTOCOLS:
        by_side = sides.get(name)
        if not by_side:
            continue
        if len(by_side) == 2 and by_side["server"] == by_side["client"]:
            protocols[name] = by_side["server"]
        else:
            protocols[name] = {s: by_side[s] for s in ("server", "client") if s in by_side}
    if protocols:
        settings = {"protocols": protocols, **settings}
    return settings, findings


def _parse_root(text: Any, reader: _Reader) -> ET.Element | None:
    if not isinstance(text, (str, bytes)):
        reader.error("ictpl-input", ROOT_TAG,
                     "the template must be the text of an .ictpl file (str or bytes), got %s: read the file first"
                     % ("nothing (None)" if text is None else "a %s" % type(text).__name__))
        return None
    head = text[:4096] if isinstance(text, str) else text[:4096].decode("latin-1")
    if "<!DOCTYPE" in head or "<!ENTITY" in head:
        reader.error("ictpl-xml", ROOT_TAG, "the template contains a DTD; IIS Crypto templates have none: remove it")
        return None
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        reader.error("ictpl-xml", ROOT_TAG,
                     "not well-formed XML (%s): export the template again from IIS Crypto" % exc)
        return None
    if root.tag != ROOT_TAG:
        reader.error("ictpl-root", root.tag,
                     "root element is <%s>, not <%s>: this is not an IIS Crypto template" % (root.tag, ROOT_TAG))
        return None
    return root


def read_ictpl(text: str | bytes, os_key: str | None = None) -> IctplTemplate:
    """Read a template; every problem is a Finding (never an exception), the settings hold what could be read.

    With ``os_key`` the settings are those for that OS; without, every item is kept (see ``minimum_os`` and
    ``IctplTemplate.for_os``). A template that yields no setting at all is an error (``ictpl-no-settings``, unless
    another error already says why).
    """
    reader = _Reader()
    template = IctplTemplate(findings=reader.findings)
    if os_key is not None and os_key not in catalog.OS_KEYS:
        reader.error("ictpl-bad-os", "os_key",
                     "unknown OS key '%s': use one of %s" % (os_key, ", ".join(catalog.OS_KEYS)))
        return template
    root = _parse_root(text, reader)
    if root is None:
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
    _read_protocols(root, reader)
    _read_algorithms(root, reader)
    _read_advanced(root, reader)
    _read_suites(root, reader)
    template.entries = reader.entries
    template.minimum_os = {
        _path_text(e.path): _first_os(e.minimum) or e.minimum_text
        for e in reader.entries if e.minimum is not None and e.path[0] != "unmanaged"
    }
    template.settings, assembled = _assemble(reader.entries, os_key)
    reader.findings.extend(assembled)
    nothing = not any(e.path[0] != "unmanaged" for e in reader.entries)
    if nothing and not [f for f in reader.findings if f.severity == ERROR]:
        reader.error("ictpl-no-settings", ROOT_TAG,
                     "the template holds no setting win_schannel can apply (no <%s name=... value=...> in "
                     "<clientProtocols>, <serverProtocols>, <ciphers>, <hashes>, <keyExchanges>, <advanced> or "
                     "<cipherSuites>): applying it would change nothing; export it again from IIS Crypto"
                     % ITEM_TAG)
    return template
