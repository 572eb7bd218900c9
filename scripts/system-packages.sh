#!/usr/bin/env bash
# Install the Debian packages the test suite uses, when missing: shellcheck (ansible-test's shellcheck sanity test
# skips itself without it). Needs root or passwordless sudo; otherwise it says what to install and fails.
set -euo pipefail
packages=(shellcheck)
packages+=(chromium chromium-driver)  # the HTML report test drives a real headless browser (tests/browser)
packages+=(testssl.sh)  # tests/sim/test_wire_tls_windows.py scans a simulated host with testssl's multi-suite hellos
packages+=(openssl)  # openssl s_client in the same tests; `openssl dhparam` for the simulator's DH parameters
# The test Kerberos realm (tests/winsim/kerberos_realm.py: krb5kdc, kdb5_util, kadmin.local, kinit) and the headers
# pykerberos, gssapi and krb5 from PyPI build against (no Linux wheels).
packages+=(krb5-kdc krb5-admin-server krb5-user libkrb5-dev gcc)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
((${#missing[@]})) || exit 0
if [[ $EUID -ne 0 ]]; then
    if sudo -n true 2>/dev/null; then exec sudo "$0"; fi
    echo "error: Debian packages missing: ${missing[*]} (install them: apt-get install ${missing[*]})" >&2
    exit 1
fi
echo "system-packages: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
