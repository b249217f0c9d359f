"""Preview password hashes, and route objects that carry one (or predate them)."""

from __future__ import annotations

import pytest

from services.core.manifest import Route, decode_route, encode
from services.core.passwords import (
    ITERATIONS,
    BadHash,
    hash_password,
    parse_hash,
    verify_password,
)


def test_hash_describes_itself_and_verifies() -> None:
    stored = hash_password("open sesame", iterations=1000)
    assert stored.split("$")[:2] == ["pbkdf2-sha256", "1000"]
    assert verify_password("open sesame", stored)
    assert not verify_password("open sesame!", stored)
    assert hash_password("open sesame", iterations=1000) != stored  # a fresh salt each time


def test_default_iterations_are_used_and_kept_in_the_string() -> None:
    assert parse_hash(hash_password("open sesame"))[0] == ITERATIONS


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain-text",
        "md5$1000$c2FsdA==$" + "A" * 44,
        "pbkdf2-sha256$0$c2FsdA==$" + "A" * 43 + "=",
        "pbkdf2-sha256$99999999999$c2FsdA==$" + "A" * 43 + "=",
        "pbkdf2-sha256$1000$not base64$" + "A" * 43 + "=",
        "pbkdf2-sha256$1000$c2FsdA==$c2hvcnQ=",
        "pbkdf2-sha256$-1$c2FsdA==$" + "A" * 43 + "=",
    ],
)
def test_malformed_hashes_are_refused(stored: str) -> None:
    with pytest.raises(BadHash):
        verify_password("whatever-it-is", stored)


def test_route_objects_without_protection_still_decode() -> None:
    old = b'{"project":"p","deployment":"d","kind":"deployment","updated_at":"t"}'
    assert decode_route(old).protection is None
    # A public route is written exactly as before the field existed.
    assert encode(decode_route(old)) == old
    guarded = Route("p", "d", "branch", "t", protection="pbkdf2-sha256$1$x$y")
    assert decode_route(encode(guarded)) == guarded
