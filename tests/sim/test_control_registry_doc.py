"""docs/simulated-fleet.md "The registry route", run as written: the shell example against a running simulator
answers what the document says, and the format it states (key relative to HKLM, types as StdRegProv's numbers) is
the one the control channel takes and gives back."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.winsim.control import ControlClientError
from tests.winsim.fleet import Fleet

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulated-fleet.md"
TLS10_SERVER = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols\TLS 1.0\Server"


def example() -> str:
    """The section's shell block."""
    section = DOC.read_text().split("### The registry route", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_the_documented_registry_example_answers_as_documented(tmp_path):
    script = example()
    with Fleet(tmp_path / "fleet", hosts=1, os_mix=("2019",), first_ip="127.20.175.101") as fleet:
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script.replace("out/fleet", str(fleet.state_dir))],
                              capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stderr
        answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        assert answers[0] == {"applied": 1}
        assert answers[1] == {"key": TLS10_SERVER,
                              "tree": {"name": "Server", "values": [["Enabled", 4, 1]], "subkeys": []}}
        # the comments in the block show the same answers
        assert '# {"applied": 1}' in script
        assert '"values": [["Enabled", 4, 1]]' in script
        # every type number the section names is taken with the data it names
        edits = [{"op": "set_value", "key": "SOFTWARE\\fleetsec-doc", "name": name, "type": vtype, "data": data}
                 for name, vtype, data in (("sz", 1, "text"), ("expand", 2, "%SystemRoot%"), ("bin", 3, [0, 255]),
                                           ("dword", 4, 2**32 - 1), ("multi", 7, ["a", "b"]),
                                           ("qword", 11, 2**64 - 1))]
        assert fleet.control.edit_registry("ms001", edits) == len(edits)
        tree = fleet.control.registry("ms001", "SOFTWARE\\fleetsec-doc")
        assert tree["values"] == [[e["name"], e["type"], e["data"]] for e in edits]
        # a bad edit names its field and writes nothing, not even the good edit before it
        with pytest.raises(ControlClientError, match="type must be one of"):
            fleet.control.edit_registry("ms001", [
                {"op": "set_value", "key": "SOFTWARE\\fleetsec-doc", "name": "later", "type": 4, "data": 1},
                {"op": "set_value", "key": "SOFTWARE\\fleetsec-doc", "name": "bad", "type": 4, "data": "1"}])
        assert fleet.control.registry("ms001", "SOFTWARE\\fleetsec-doc") == tree
        assert fleet.control.registry("ms001", "SOFTWARE\\no-such-key") is None
