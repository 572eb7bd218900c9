#!/usr/bin/env bash
# The whole test suite, as CI runs it: ruff, pytest (unit + simulated fleet), ansible-lint, ansible-test sanity.
# Sets itself up (scripts/bootstrap.sh); every stage runs, and the script fails if any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
scripts/system-packages.sh || exit 1  # first: pykerberos, gssapi and krb5 build against libkrb5-dev
scripts/bootstrap.sh || exit 1
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$PWD/collections"
mkdir -p build

failed=()
stage() {
    local name="$1"; shift
    echo "==> $name"
    local start=$SECONDS
    if "$@"; then
        echo "==> $name: ok ($((SECONDS - start)) s)"
    else
        echo "==> $name: FAILED ($((SECONDS - start)) s)"
        failed+=("$name")
    fi
}

stage "ruff" ruff check .
stage "pytest" .venv/bin/python scripts/run_pytest.py -q
stage "ansible-lint" ansible-lint --profile production --offline
stage "ansible-test sanity" scripts/sanity.sh

if ((${#failed[@]})); then
    echo "FAILED stages: ${failed[*]}"
    exit 1
fi
echo "all stages passed"
