# Copyright: fleetsec.schannel contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role's variables as a run sees them: one value per run, and no name the role does not know.

The role resolves its settings once per play on the controller (``schannel_resolve``, run once, in the context of
the batch's first host), so a variable set differently for one host (``ms004: schannel_profile: modern`` in the
inventory) would be silently ignored there, and which value the run took would depend on ``--limit``. And Ansible
takes any ``-e`` name, so a typo (``schannel_profle``) would be silently ignored too. Both are refused before any
host is touched. The names come from the role's argument specs (``meta/argument_specs.yml``), their one home.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.fleetsec.schannel.plugins.plugin_utils._common.errors import InputError

PREFIX = "schannel_"
# Read on each host's own task, so they may differ per host: the connection's opt-in (plugin_utils/connection.py),
# and what only the apply's per-host task and the reboot handler read (tasks/main.yml, handlers/main.yml).
PER_HOST = frozenset(("schannel_allow_insecure_transport", "schannel_backup_dir", "schannel_reboot",
                      "schannel_reboot_timeout"))


def known_names(argument_specs: Mapping[str, Any]) -> frozenset[str]:
    """Every option of every entry point of the role's argument specs (the ``argument_specs`` mapping)."""
    return frozenset(name for entry in argument_specs.values() if isinstance(entry, Mapping)
                     for name in entry.get("options") or {})


def refuse_unknown(names: Iterable[str], known: frozenset[str]) -> None:
    """Refuse ``schannel_*`` names (the extra vars given) that the role does not know, each with its likely meaning."""
    unknown = sorted(name for name in names if name.startswith(PREFIX) and name not in known)
    if not unknown:
        return
    described = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
        described.append("%s (did you mean %s?)" % (name, close[0]) if close else name)
    raise InputError(
        "unknown variable%s given as extra vars: %s; fleetsec.schannel reads none of them, so the run would ignore "
        "them. The role's variables are listed in its roles/schannel/meta/argument_specs.yml (ansible-doc -t role "
        "fleetsec.schannel.schannel)" % ("s" if len(unknown) > 1 else "", ", ".join(described)),
        code="unknown-variable")


def refuse_per_host(differences: Mapping[str, Mapping[str, Any]], run_values: Mapping[str, Any],
                    first_host: str) -> None:
    """Refuse role variables that differ per host: ``differences`` maps a name to {host: that host's value}."""
    if not differences:
        return
    parts = []
    for name in sorted(differences):
        hosts = differences[name]
        shown = ", ".join("%s has %r" % (host, hosts[host]) for host in sorted(hosts)[:5])
        more = " (and %d more hosts)" % (len(hosts) - 5) if len(hosts) > 5 else ""
        parts.append("%s: %s%s, while the run resolves %r for every host (from %s)" % (
            name, shown, more, run_values.get(name), first_host))
    raise InputError(
        "role variables set differently per host: %s. The role resolves them once per run, for all its hosts, so a "
        "per-host value would be ignored and the run's value would depend on --limit. Set each for the whole play "
        "(-e, play vars, or group vars shared by all the play's hosts), or run the hosts that need another value "
        "apart (--limit <group> -e %s=...). Nothing was sent to any host" % ("; ".join(parts), sorted(differences)[0]),
        code="per-host-variable")
