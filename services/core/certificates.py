"""The host's own certificate authorities, told to every tool of a build that makes TLS calls.

A machine behind a TLS-inspecting proxy trusts the proxy's CA through `SSL_CERT_FILE` or
`SSL_CERT_DIR`, which OpenSSL, git, curl and Python read. Node.js reads neither: a release
from nodejs.org trusts its bundled CAs plus the file `NODE_EXTRA_CA_CERTS` names. The local
builder passes these names to the runner (services/api/builders/local.py; on ECS they are
the image's), and the runner gives each build command `certificate_env` of its own
environment (build_runner/buildenv.py).
"""

from __future__ import annotations

from collections.abc import Mapping

CERTIFICATE_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS")


def certificate_env(env: Mapping[str, str]) -> dict[str, str]:
    """The certificate settings `env` holds, with `NODE_EXTRA_CA_CERTS` filled in.

    A bundle named by `SSL_CERT_FILE` also becomes Node's extra CAs when none are named, so
    npm, pnpm and yarn reach a registry through the same proxy as git does. Node adds them to
    its own, so a bundle that is the system's whole list costs nothing. A directory
    (`SSL_CERT_DIR`) cannot be: Node takes one file only.
    """
    found = {name: env[name] for name in CERTIFICATE_VARIABLES if env.get(name)}
    if "SSL_CERT_FILE" in found:
        found.setdefault("NODE_EXTRA_CA_CERTS", found["SSL_CERT_FILE"])
    return found
