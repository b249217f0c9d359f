"""Preview passwords: a salted slow hash the api stores and the proxy verifies.

The stored form describes itself, `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`, so
the iteration count can be raised later without breaking passwords set before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

SCHEME = "pbkdf2-sha256"
# OWASP's figure for PBKDF2-HMAC-SHA256 (2023); about 0.14 s of one core per hash.
ITERATIONS = 600_000
# What a stored hash may ask for: a route object with more is refused, not computed.
MAX_ITERATIONS = 10_000_000
SALT_BYTES = 16
MIN_LENGTH = 8
MAX_LENGTH = 128


class BadHash(ValueError):
    """A stored string that is not a hash of this scheme."""


def hash_password(password: str, iterations: int = ITERATIONS) -> str:
    salt = os.urandom(SALT_BYTES)
    digest = _derive(password, salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from (constant-time comparison)."""
    iterations, salt, expected = parse_hash(stored)
    return hmac.compare_digest(_derive(password, salt, iterations), expected)


def parse_hash(stored: str) -> tuple[int, bytes, bytes]:
    scheme, _, rest = stored.partition("$")
    count, _, rest = rest.partition("$")
    salt_text, _, digest_text = rest.partition("$")
    if scheme != SCHEME or not count.isascii() or not count.isdigit():
        raise BadHash("not a pbkdf2-sha256 hash")
    iterations = int(count)
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise BadHash("iteration count out of range")
    try:
        salt = base64.b64decode(salt_text, validate=True)
        digest = base64.b64decode(digest_text, validate=True)
    except binascii.Error:
        raise BadHash("salt or hash is not base64") from None
    if not salt or len(digest) != hashlib.sha256().digest_size:
        raise BadHash("salt or hash has the wrong size")
    return iterations, salt, digest


def acceptable_length(password: str) -> bool:
    return MIN_LENGTH <= len(password) <= MAX_LENGTH


def _derive(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
