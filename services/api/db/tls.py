"""TLS to PostgreSQL: `verify-full` checks the server's certificate against a CA bundle and
its name against the host connected to (RDS: the global bundle baked into the image)."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Literal

SslMode = Literal["prefer", "verify-full"]


class TlsSettingsError(ValueError):
    """The TLS settings cannot give a verified connection."""


def client_context(mode: SslMode, ca_file: str) -> ssl.SSLContext | None:
    """None for `prefer` (asyncpg's own default: TLS when offered, nothing verified); for
    `verify-full` a context trusting only `ca_file`, checking the chain and the host name."""
    if mode == "prefer":
        return None
    if not ca_file:
        raise TlsSettingsError(
            "SLIPWAY_DATABASE_SSLMODE=verify-full needs SLIPWAY_DATABASE_CA_FILE "
            "(the CA bundle that signed the server's certificate)"
        )
    path = Path(ca_file)
    if not path.is_file():
        raise TlsSettingsError(f"SLIPWAY_DATABASE_CA_FILE {path} is not a file")
    try:
        # With a cafile, only that bundle is trusted (the system's roots are not loaded).
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(path))
    except ssl.SSLError as error:
        raise TlsSettingsError(f"SLIPWAY_DATABASE_CA_FILE {path}: {error}") from None
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
