#!/usr/bin/env bash
# Create (or reuse) the project's virtualenv at .venv with the pinned requirements.
#
# ansible-core 2.21 needs Python >= 3.12; 3.12 and 3.13 are the versions tested. The interpreter is
# $FLEETSEC_PYTHON if set, else the first python3, python3.12 or python3.13 on PATH that is one of them, else a
# pyenv-installed 3.12/3.13 by its full path (pyenv's python3.12 shim answers only with PYENV_VERSION set).
# A .venv built on another Python is rebuilt. Re-running is cheap: pip runs only when requirements/*.txt change.
set -euo pipefail
cd "$(dirname "$0")/.."

supported() {
    "$1" -c 'import sys; sys.exit(not (3, 12) <= sys.version_info[:2] <= (3, 13))' >/dev/null 2>&1
}

find_python() {
    local candidate
    if [[ -n "${FLEETSEC_PYTHON:-}" ]]; then
        if supported "$FLEETSEC_PYTHON"; then echo "$FLEETSEC_PYTHON"; return; fi
        echo "error: FLEETSEC_PYTHON=$FLEETSEC_PYTHON is not a Python 3.12 or 3.13 interpreter" >&2
        exit 1
    fi
    for candidate in python3 python3.12 python3.13; do
        if command -v "$candidate" >/dev/null 2>&1 && supported "$candidate"; then
            command -v "$candidate"; return
        fi
    done
    local root="${PYENV_ROOT:-$HOME/.pyenv}"
    if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; fi
    for candidate in "$root"/versions/3.12.*/bin/python3 "$root"/versions/3.13.*/bin/python3; do
        if [[ -x "$candidate" ]] && supported "$candidate"; then echo "$candidate"; return; fi
    done
    echo "error: Python 3.12 or 3.13 is required (ansible-core 2.21); install one (e.g. pyenv install 3.12)" \
        "or set FLEETSEC_PYTHON=/path/to/python3.12" >&2
    exit 1
}

if [[ ! -x .venv/bin/python ]] || ! supported .venv/bin/python; then
    if [[ -e .venv ]]; then
        echo "bootstrap: .venv is missing its interpreter or runs another Python than 3.12/3.13; rebuilding it"
    fi
    python="$(find_python)"
    echo "bootstrap: creating .venv with $("$python" --version 2>&1) ($python)"
    "$python" -m venv --clear .venv
fi

stamp=.venv/.requirements.sha256
wanted="$(cat requirements/*.txt | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$wanted" ]]; then
    echo "bootstrap: installing the pinned requirements/ into .venv (a few minutes on a fresh machine)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/bootstrap.txt
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/test.txt
    echo "$wanted" > "$stamp"
fi
