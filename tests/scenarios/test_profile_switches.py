"""Switching profile or IIS Crypto template converges in one run, on every Windows version, and everyone agrees.

The rule (README "Profiles"): a profile or template governs every option a profile may govern; what it leaves out
is ``default`` (remove the policy, the OS default applies). So after a switch the host holds exactly what the new
settings give a fresh host: the re-run changes nothing, ``drift`` and ``compliance`` call it compliant, and the TLS
verification (which judges what the settings enforce on that version) passes.

Coverage, end to end (``test_a_fleet_walks_every_profile_and_template_kind``): one fleet of six hosts, one per
Windows version, walks one chain of 16 switches with ``ansible-playbook`` and TLS verification, from fresh hosts.
Every profile is switched to and away from at least once, every profile is entered from or left for an IIS Crypto
template, and every 3.x and 4.x export of the four built-in templates is applied once (the 4.x exports carry no
suite order before 2022 or 2016). The chain holds the two switches that did not converge before:
``recommended`` -> ``modern`` (the previous curve order stayed) and ``xp_compatible`` -> a 4.x template without a
suite order on 2008 R2 / 2012 R2 (the previous ``_P521`` suites stayed). A chain instead of one fleet per ordered
pair keeps the cost linear: about 30-70 s per switch on a loaded 2-core machine.

Coverage of every ordered pair (``test_every_switch_converges_in_the_policy_engine``): each of the profiles and
templates after each other, on each version, through the policy engine and a registry model: the state after the
switch equals the state of a fresh host given the target, and a second apply changes nothing.
"""

from __future__ import annotations

import time

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils import catalog
from ansible_collections.fleetsec.schannel.plugins.module_utils.changes import compute_changes, managed_keys
from ansible_collections.fleetsec.schannel.plugins.module_utils.desired import desired_state
from ansible_collections.fleetsec.schannel.plugins.module_utils.settings import parse_settings
from ansible_collections.fleetsec.schannel.plugins.plugin_utils.schannel_resolve.settings import resolve
from tests.playbooks.conftest import ALL_OS, Playbooks, start_fleet
from tests.profiles import profiles
from tests.scenarios._switch import FIXTURES, UNIT_FIXTURES, Target, profile, switch, template
from tests.support.registry_state import RegistryState, apply_reg_ops, changes_to_ops

# The IIS Crypto exports here and the 4.x user template of the unit tests (the 3.3 user template there leaves TLS 1.3
# on without a TLS 1.3 suite, which the role refuses for 2022/2025 before any host is touched).
TEMPLATES = [*sorted(FIXTURES.glob("*.ictpl")), UNIT_FIXTURES / "iiscrypto4x-tls12-http3.ictpl"]

CHAIN: tuple[Target, ...] = (
    profile("recommended"),
    profile("modern"),  # the first case of the issue: recommended's curve order stayed
    template(FIXTURES / "iiscrypto3x-strict.ictpl"),
    profile("xp_compatible"),
    template(FIXTURES / "iiscrypto4x-best-practices.ictpl"),  # the second: xp_compatible's _P521 suites stayed
    profile("recommended_original"),
    template(FIXTURES / "iiscrypto3x-pci40.ictpl"),
    profile("strict"),
    template(FIXTURES / "iiscrypto4x-strict.ictpl"),
    profile("fips_140"),
    template(FIXTURES / "iiscrypto3x-fips140-2.ictpl"),
    profile("pci_dss_4"),
    template(FIXTURES / "iiscrypto4x-pci40.ictpl"),
    profile("recommended"),
    template(FIXTURES / "iiscrypto4x-fips140-2.ictpl"),
    template(FIXTURES / "iiscrypto3x-best-practices.ictpl"),  # template to template
)


def test_the_chain_enters_and_leaves_every_profile_and_walks_every_export():
    labels = [t.label for t in CHAIN]
    assert set(labels[:-1]) >= set(profiles())  # every profile is switched away from
    assert set(labels[1:]) >= set(profiles())  # and switched to
    assert {label for label in labels if label.endswith(".ictpl")} == {p.name for p in FIXTURES.glob("*.ictpl")}
    neighbours = [labels[max(index - 1, 0):index] + labels[index + 1:index + 2] for index in range(len(labels))]
    next_to_template = {label for label, near in zip(labels, neighbours, strict=True)
                        if any(n.endswith(".ictpl") for n in near)}
    assert next_to_template >= set(profiles())  # every profile is entered from or left for a template


@pytest.fixture
def fleet(tmp_path):
    with start_fleet(tmp_path, ALL_OS) as started:
        yield Playbooks(started, tmp_path)


def test_a_fleet_walks_every_profile_and_template_kind(fleet: Playbooks):
    timings = []
    for number, target in enumerate(CHAIN, 1):
        started = time.monotonic()
        step = switch(fleet, number, target)
        timings.append("%s %.0fs" % (target.label, time.monotonic() - started))
        previous = CHAIN[number - 2].label if number > 1 else "a fresh host"
        assert step.problems() == [], "switch %d, %s -> %s:\n%s\n%s" % (
            number, previous, target.label, "\n".join(step.problems()), step.output[-4000:])
    print("switches: " + ", ".join(timings))


# ------------------------------------------------------------------------------- every ordered pair, in the model

def _targets() -> dict[str, dict[str, dict]]:
    """Label -> Windows version -> the settings the role gives a host of that version."""
    out: dict[str, dict[str, dict]] = {}
    for name in profiles():
        settings = resolve(name, profiles(), {}, list(ALL_OS)).settings
        out[name] = dict.fromkeys(ALL_OS, settings)
    for path in TEMPLATES:
        resolved = resolve("recommended", profiles(), {}, list(ALL_OS), template=path.name,
                           template_text=path.read_bytes())
        out[path.name] = {os_key: resolved.settings_by_os.get(os_key, resolved.settings) for os_key in ALL_OS}
    return out


TARGETS = _targets()


def _desired(label: str, os_key: str):
    settings, findings = parse_settings(TARGETS[label][os_key])
    assert findings == []
    return desired_state(settings, os_key)[0]


def _apply(state: RegistryState, desired) -> RegistryState:
    changes = compute_changes(desired, state.snapshot(managed_keys(desired)))
    return apply_reg_ops(changes_to_ops(changes), state.copy())


@pytest.mark.parametrize("os_key", ALL_OS)
def test_every_switch_converges_in_the_policy_engine(os_key):
    fresh = RegistryState.from_values([], keys=[catalog.SCHANNEL_KEY + r"\Protocols",
                                                r"SOFTWARE\Microsoft\.NETFramework"])
    after_fresh = {label: _apply(fresh, _desired(label, os_key)) for label in TARGETS}
    for source in TARGETS:
        for target in TARGETS:
            desired = _desired(target, os_key)
            switched = _apply(after_fresh[source], desired)
            assert compute_changes(desired, switched.snapshot(managed_keys(desired))) == [], (source, target)
            # Every value the target governs (all of them: the resolver completes it) as on a fresh host; keys an
            # earlier profile created may stay, empty, as restore leaves them (test_profiles).
            keys = managed_keys(desired)
            assert switched.snapshot(keys).values == after_fresh[target].snapshot(keys).values, (source, target)


def test_templates_are_all_in_the_pair_matrix():
    assert {p.name for p in FIXTURES.glob("*.ictpl")} == {
        "iiscrypto%s-%s.ictpl" % (fmt, name) for fmt in ("3x", "4x")
        for name in ("best-practices", "pci40", "fips140-2", "strict")}
    assert len(TARGETS) == len(profiles()) + len(TEMPLATES)
