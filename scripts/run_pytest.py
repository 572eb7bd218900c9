"""Run pytest and refuse a green result that tested nothing.

pytest exits 5 when it collects no test, and a skipped test passes silently; neither may count as green here.
The run writes a JUnit report and fails if it holds no executed test or any skipped one.

On a machine with more than one core where network namespaces can be made (root, as CI runs), the tests run in
one pytest-xdist worker per core (at most ``MAX_WORKERS``), each worker in a network namespace of its own
(``scripts/netns_python.py``): the simulated fleets bind fixed loopback addresses, which would collide between
workers sharing one. A test file stays in one worker (``--dist loadfile``), so its module-scoped fleet starts once.
``FLEETSEC_TEST_WORKERS=1`` (or any ``-n`` given on the command line) decides otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPORT = Path("build/pytest-junit.xml")
NETNS_PYTHON = Path(__file__).resolve().with_name("netns_python.py")
MAX_WORKERS = 4


def worker_args(argv: list[str]) -> list[str]:
    """The pytest-xdist options for this machine, or none when the run stays in one process."""
    if any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in argv):
        return []
    workers = int(os.environ.get("FLEETSEC_TEST_WORKERS") or min(os.cpu_count() or 1, MAX_WORKERS))
    if workers < 2:
        return []
    probe = subprocess.run([sys.executable, str(NETNS_PYTHON)], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        print(f"run_pytest: one process (no network namespace for workers: {probe.stderr.strip()[-200:]})",
              file=sys.stderr)
        return []
    # --tx alone: with -n, pytest-xdist would start plain ``popen`` workers and ignore the interpreter given here.
    return ["--dist", "loadfile", "--tx", f"{workers}*popen//python={sys.executable} {NETNS_PYTHON}"]


def main(argv: list[str]) -> int:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    code = pytest.main([*worker_args(argv), *argv, f"--junitxml={REPORT}"])
    if code != 0:
        return code
    suite = ET.parse(REPORT).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    tests, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
    if tests - skipped <= 0:
        print("run_pytest: no test was executed", file=sys.stderr)
        return 5
    if skipped:
        print(f"run_pytest: {skipped} test(s) skipped; a skipped test is not a passed test", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
