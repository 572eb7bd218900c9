#!/usr/bin/env bash
# Run `ansible-test sanity` on the collection as checked out, offline-safe.
#
# ansible-test wants the collection at .../ansible_collections/<namespace>/<name>; the checkout is copied (tracked
# and untracked-but-not-ignored files) into build/sanity/ansible_collections/fleetsec/schannel instead of moving the
# repository. ansible-test bootstraps pip in each sanity venv by downloading a script that cannot be reached here;
# scripts/ansible-test-get-pip.py stands in for it (see its docstring).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
python_version="$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

pip_version="$(.venv/bin/python - <<'PY'
import re, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
print(re.search(r"pip='([0-9.]+)'", src.read_text()).group(1))
PY
)"
cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
mkdir -p "$(dirname "$cache")"
cp scripts/ansible-test-get-pip.py "$cache"

dest="$repo/build/sanity/ansible_collections/fleetsec/schannel"
rm -rf "$dest"
mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' path; do
    [[ -e "$path" ]] || continue
    mkdir -p "$dest/$(dirname "$path")"
    cp -p "$path" "$dest/$path"
done
cd "$dest"
git init -q && git add -A && git -c user.name=sanity -c user.email=sanity@localhost commit -qm sanity

export PATH="$repo/.venv/bin:$PATH"
exec ansible-test sanity --local --python "$python_version" --color no "$@"
