from __future__ import annotations

import pytest

from services.proxy.paths import BadPath, has_extension, site_path
from services.proxy.request import (
    RangeNotSatisfiable,
    accepted_encodings,
    etag_matches,
    parse_ranges,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(b"gzip, deflate, br", ("br", "gzip"), id="browser"),
        pytest.param(b"gzip", ("gzip",), id="gzip"),
        pytest.param(b"br;q=0.2, gzip;q=0.8", ("gzip", "br"), id="q-order"),
        pytest.param(b"*", ("br", "gzip"), id="star"),
        pytest.param(b"*;q=0, gzip", ("gzip",), id="star-refused"),
        pytest.param(b"br;q=0", (), id="refused"),
        pytest.param(b"br;q=bogus", (), id="bad-q"),
        pytest.param(b"identity", (), id="identity"),
    ],
)
def test_accepted_encodings(header: bytes, expected: tuple[str, ...]) -> None:
    assert accepted_encodings(header) == expected


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        pytest.param(b"bytes=0-99", 1000, [(0, 100)], id="first-hundred"),
        pytest.param(b"bytes=990-5000", 1000, [(990, 1000)], id="clamped"),
        pytest.param(b"bytes=-10", 1000, [(990, 1000)], id="suffix"),
        pytest.param(b"bytes=-5000", 1000, [(0, 1000)], id="suffix-larger"),
        pytest.param(b"bytes=5-", 1000, [(5, 1000)], id="open"),
        pytest.param(b"bytes=9-3", 1000, None, id="backwards-ignored"),
        pytest.param(b"bytes=0-1,4-5", 1000, [(0, 2), (4, 6)], id="two"),
        pytest.param(b"bytes=a-5", 1000, None, id="junk-ignored"),
        pytest.param(b"bytes=\xb2-5", 1000, None, id="unicode-digit-ignored"),
        pytest.param(b"items=0-1", 1000, None, id="unit-ignored"),
    ],
)
def test_parse_ranges(header: bytes, size: int, expected: list[tuple[int, int]] | None) -> None:
    assert parse_ranges(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [
        pytest.param(b"bytes=1000-", 1000, id="past-end"),
        pytest.param(b"bytes=-0", 1000, id="empty-suffix"),
        pytest.param(b"bytes=0-", 0, id="empty-file"),
    ],
)
def test_unsatisfiable_ranges(header: bytes, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_ranges(header, size)


def test_etag_matching() -> None:
    assert etag_matches(b'"a", "b"', b'"b"')
    assert etag_matches(b'W/"b"', b'"b"')
    assert etag_matches(b"*", b'"b"')
    assert not etag_matches(b'"c"', b'"b"')


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(b"/", "", id="root"),
        pytest.param(b"/a/b.html", "a/b.html", id="plain"),
        pytest.param(b"/caf%C3%A9/", "caf\u00e9/", id="utf8"),
        pytest.param(b"/a%20b", "a b", id="space"),
    ],
)
def test_site_paths(raw: bytes, expected: str) -> None:
    assert site_path(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        b"relative",
        b"/../x",
        b"/%2e%2e/x",
        b"/a/%2E/b",
        b"/a%5cb",
        b"/a%00",
        b"/%ff",
        b"/" + b"a" * 3000,
    ],
)
def test_bad_paths(raw: bytes) -> None:
    with pytest.raises(BadPath):
        site_path(raw)


@pytest.mark.parametrize(
    ("path", "expected"),
    [("app.js", True), ("img/a.png", True), ("about", False), ("v1.2/docs", False),
     (".well-known", False), ("", False)],
)  # fmt: skip
def test_has_extension(path: str, expected: bool) -> None:
    assert has_extension(path) is expected
