"""Run pytest and refuse a green result that tested nothing.

pytest exits 5 when it collects no test, and a skipped test passes silently; neither may count as green here.
The run writes a JUnit report and fails if it holds no executed test or any skipped one.
"""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPORT = Path("build/pytest-junit.xml")


def main(argv: list[str]) -> int:
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    code = pytest.main([*argv, f"--junitxml={REPORT}"])
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
