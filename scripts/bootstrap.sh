#!/usr/bin/env bash
# Create (or reuse) the project's virtualenv at .venv with the pinned requirements.
#
# ansible-core 2.21 needs Python >= 3.12. The interpreter is taken from $FLEETSEC_PYTHON if set, else the first
# python3.12 found on PATH, through pyenv, or under pyenv's versions directory (pyenv's shim answers only with
# PYENV_VERSION set). Re-running is cheap: pip is skipped while requirements/*.txt are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    if [[ -n "${FLEETSEC_PYTHON:-}" ]]; then echo "$FLEETSEC_PYTHON"; return; fi
    local candidate
    for candidate in python3.12 python3.13; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"; return
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[23]\.[0-9]+$' | sort -V); do
            echo "$(pyenv root)/versions/$candidate/bin/python3"; return
        done
    fi
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12.*/bin/python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13.*/bin/python3; do
        if [[ -x "$candidate" ]]; then echo "$candidate"; return; fi
    done
    echo "error: Python 3.12 or 3.13 is required (ansible-core 2.21); set FLEETSEC_PYTHON=/path/to/python3.12" >&2
    exit 1
}

if [[ ! -x .venv/bin/python ]]; then
    python="$(find_python)"
    echo "bootstrap: creating .venv with $("$python" --version 2>&1)"
    "$python" -m venv .venv
fi

stamp=.venv/.requirements.sha256
wanted="$(cat requirements/*.txt | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    echo "bootstrap: installing requirements/test.txt into .venv"
    .venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel
    .venv/bin/python -m pip install --quiet -r requirements/test.txt
    echo "$wanted" > "$stamp"
fi
