#!/usr/bin/env bash
# The main job on a simulated fleet: drift, harden (reboots, read-back), drift again, compliance report (scripts/demo.py).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-packages.sh  # first: the Kerberos bindings of requirements/ build against libkrb5-dev
scripts/bootstrap.sh
exec .venv/bin/python scripts/demo.py "$@"
