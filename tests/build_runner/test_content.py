from __future__ import annotations

import pytest

from build_runner.content import cache_class, compressible, content_type
from build_runner.variants import compress_variants


@pytest.mark.parametrize(
    ("rel", "mime", "cache"),
    [
        pytest.param("index.html", "text/html; charset=utf-8", "html", id="html"),
        pytest.param("a/b.htm", "text/html; charset=utf-8", "html", id="htm"),
        pytest.param(
            "assets/index-BYx3a1Qz.js", "text/javascript; charset=utf-8", "immutable", id="vite"
        ),
        pytest.param("index-BdX9_k2a.css", "text/css; charset=utf-8", "immutable", id="vite-css"),
        pytest.param(
            "static/js/main.8a3b4c5d.js", "text/javascript; charset=utf-8", "immutable", id="cra"
        ),
        pytest.param(
            "_next/static/chunks/app.js", "text/javascript; charset=utf-8", "immutable", id="next"
        ),
        pytest.param(
            "my-component2024.js", "text/javascript; charset=utf-8", "default", id="plain-name"
        ),
        pytest.param(
            "jquery-3.7.1.min.js", "text/javascript; charset=utf-8", "default", id="version"
        ),
        pytest.param("logo.svg", "image/svg+xml; charset=utf-8", "default", id="svg"),
        pytest.param("data.json", "application/json; charset=utf-8", "default", id="json"),
        pytest.param("photo.JPG", "image/jpeg", "default", id="upper-case"),
        pytest.param("font.woff2", "font/woff2", "default", id="font"),
        pytest.param(
            "site.webmanifest", "application/manifest+json; charset=utf-8", "default", id="manifest"
        ),
        pytest.param("LICENSE", "application/octet-stream", "default", id="no-suffix"),
    ],
)
def test_type_and_cache_class(rel: str, mime: str, cache: str) -> None:
    assert content_type(rel) == mime
    assert cache_class(rel) == cache


def test_compressible_types() -> None:
    assert compressible("app.js")
    assert compressible("icon.svg")
    assert not compressible("photo.png")
    assert not compressible("font.woff2")


def test_variants_only_when_worth_it() -> None:
    assert compress_variants(b"a" * 100) == []  # too small
    text = b"<p>hello world</p>\n" * 500
    assert {v.encoding for v in compress_variants(text)} == {"br", "gzip"}
    noise = bytes((i * 7919 + (i >> 3) * 104729) % 256 for i in range(50_000))
    assert len(compress_variants(noise)) < 2 or all(
        len(v.data) < 45_000 for v in compress_variants(noise)
    )
