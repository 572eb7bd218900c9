#!/usr/bin/env bash
# The main job: a simulated MailStore fleet checked against a profile, ending in a drift report (scripts/demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/python scripts/demo.py "$@"
