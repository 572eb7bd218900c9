"""Offline stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test creates each sanity venv without pip and then runs ``get-pip-<version>.py`` fetched from a host that
only the Ansible CI can reach. This stand-in does the same job from what every CPython ships: ``ensurepip``
installs the bundled pip, which then installs the pinned packages ansible-test asked for (``pip==25.2`` ...) from
the configured package index. ansible-test passes ``--no-setuptools``/``--no-wheel`` (get-pip options that plain
pip does not know); they are dropped. ansible-test also strips the environment (``PIP_CERT``, ``SSL_CERT_FILE``),
so pip is pointed at the CA bundle OpenSSL itself uses, for package indexes behind a TLS-intercepting proxy.
"""

import ensurepip
import os
import ssl
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = {"--no-setuptools", "--no-wheel"}


def main() -> int:
    ensurepip.bootstrap(upgrade=True)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    paths = ssl.get_default_verify_paths()
    ca_bundle = os.environ.get(paths.openssl_cafile_env) or paths.openssl_cafile
    if ca_bundle and os.path.isfile(ca_bundle):
        args = ["--cert", ca_bundle, *args]
    return subprocess.call([sys.executable, "-m", "pip", "install", *args])


if __name__ == "__main__":
    sys.exit(main())
