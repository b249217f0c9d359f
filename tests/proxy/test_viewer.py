"""Reading who asks from the raw request headers, for `_redirects` conditions."""

from __future__ import annotations

import pytest

from services.core.site_rules import Viewer
from services.proxy.request import (
    accepted_languages,
    cookie_names,
    read_request,
    viewer_headers,
    viewer_of,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(b"fr", {"fr"}, id="one"),
        pytest.param(b"fr-CA, en-US;q=0.8, de;q=0.5", {"fr", "en", "de"}, id="regions"),
        pytest.param(b"FR-ca", {"fr"}, id="case"),
        pytest.param(b"fr;q=0, de", {"de"}, id="q-zero-refused"),
        pytest.param(b"fr;q=0.000, de;q=bogus", set(), id="q-zero-and-bad"),
        pytest.param(b"*", set(), id="star-names-none"),
        pytest.param(b" , ;q=1", set(), id="empty-items"),
    ],
)
def test_accepted_languages(header: bytes, expected: set[str]) -> None:
    assert accepted_languages(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(b"session=abc", {"session"}, id="one"),
        pytest.param(b"theme=dark; session=a=b; flag", {"theme", "session", "flag"}, id="several"),
        pytest.param(b"; =x;  ", set(), id="junk"),
    ],
)
def test_cookie_names(header: bytes, expected: set[str]) -> None:
    assert cookie_names(header) == expected


def scope(*headers: tuple[bytes, bytes]) -> dict[str, object]:
    return {"method": "GET", "path": "/", "raw_path": b"/", "query_string": b"", "headers": headers}


def test_viewer_from_request_headers() -> None:
    request = read_request(
        scope(
            (b"accept-language", b"fr-CA"),
            (b"accept-language", b"de;q=0.5"),
            (b"cookie", b"a=1"),
            (b"cookie", b"b=2"),
            (b"cloudfront-viewer-country", b"CA"),
        ),
        country_header=b"cloudfront-viewer-country",
    )
    assert viewer_of(request) == Viewer(frozenset({"fr", "de"}), "ca", frozenset({"a", "b"}))


def test_country_header_read_only_when_configured() -> None:
    headers = ((b"cloudfront-viewer-country", b"US"),)
    assert read_request(scope(*headers)).country is None
    assert viewer_of(read_request(scope(*headers))) == Viewer()


def test_vary_names_the_headers_read() -> None:
    kinds = {"language", "cookie", "country"}
    assert viewer_headers(kinds, b"cloudfront-viewer-country") == (
        b"accept-language, cloudfront-viewer-country, cookie"
    )
    assert viewer_headers({"country"}, None) == b""
