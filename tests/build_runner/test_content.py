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


@pytest.mark.parametrize(
    ("rel", "cache"),
    [
        # Hashed by a bundler: the same name always holds the same bytes.
        pytest.param("assets/vite-BF8QNONU.svg", "immutable", id="vite-upper-case-hash"),
        pytest.param("assets/index-DcBD8S2a.js", "immutable", id="vite-base64url"),
        pytest.param("assets/index-Bq_-4xZa.css", "immutable", id="vite-hash-with-dash"),
        pytest.param("assets/react-CHdo91hT.svg", "immutable", id="vite-asset"),
        pytest.param("assets/index-BYxaQzab.js", "immutable", id="rollup-letters-only"),
        pytest.param("assets/index-DcBD8S2a.js.map", "immutable", id="source-map"),
        pytest.param("main.3f2a1c9e5b6d7a8f9e0d.js", "immutable", id="webpack-contenthash-20"),
        pytest.param("chunk-2KX6H3RI.js", "immutable", id="esbuild"),
        pytest.param("assets/js/main.5e2a5f1d.js", "immutable", id="docusaurus-js"),
        pytest.param("assets/js/runtime~main.4e8a4d7f.js", "immutable", id="docusaurus-runtime"),
        pytest.param(
            "assets/images/docusaurus-social-card-d5b38a8d1d3a79a8b1e1ed8e4cbeee76.jpg",
            "immutable",
            id="docusaurus-image",
        ),
        pytest.param(
            "component---src-pages-index-js-4c1c3f5e4a7f7e3d9f3c.js", "immutable", id="gatsby-js"
        ),
        pytest.param(
            "static/8e4d2a3c1b0f9e8d7c6b5a4f3e2d1c0b/7a1b2/photo.png",
            "immutable",
            id="gatsby-hashed-directory",
        ),
        pytest.param("static/media/logo.6ce24c58023cc2f8fd88.svg", "immutable", id="cra-media"),
        pytest.param("_nuxt/C8QK3Q1e.js", "immutable", id="nuxt-hash-only-name"),
        pytest.param("_nuxt/entry.BYx3a1Qz.css", "immutable", id="nuxt-entry"),
        pytest.param("_astro/Layout.astro_astro_type_style.css", "immutable", id="astro-dir"),
        pytest.param("assets/guide_index.md.BkL3aB9x.js", "immutable", id="vitepress-page"),
        pytest.param(
            "assets/guide_index.md.BkL3aB9x.lean.js", "immutable", id="vitepress-lean-page"
        ),
        pytest.param("assets/index.md.D-x_3aB9.lean.js", "immutable", id="vitepress-lean-dashes"),
        pytest.param("assets/chunks/theme.CZm3s9Fb.js", "immutable", id="vitepress-theme-chunk"),
        pytest.param("assets/style.Bz3Lq9Cx.css", "immutable", id="vitepress-style"),
        pytest.param("assets/inter-roman-latin.Di8DUHzh.woff2", "immutable", id="vitepress-font"),
        pytest.param("static/js/main.12345678.js", "immutable", id="webpack-hash-all-digits"),
        pytest.param("static/css/main.18237461.css", "immutable", id="cra-css-all-digits"),
        pytest.param(
            "assets/js/runtime~main.abcdefab.js", "immutable", id="webpack-hash-all-letters"
        ),
        pytest.param("vendors.fbdeeaacbcfdcbad.js", "immutable", id="xxhash64-all-letters"),
        pytest.param("app.dcbaeffedacbbfeeadbc.js", "immutable", id="webpack-20-all-letters"),
        pytest.param(
            "static/media/logo.aaaabbbbccccddddeeeeffffaaaabbbb.svg",
            "immutable",
            id="md5-all-letters",
        ),
        # Plain names: a new deployment may put new bytes under them.
        pytest.param("jquery-min.js", "default", id="jquery-min"),
        pytest.param("jquery-3.7.1.min.js", "default", id="version-numbers"),
        pytest.param("react-Tooltips.js", "default", id="pascal-case-word"),
        pytest.param("lib/myComponent.js", "default", id="camel-case-name"),
        pytest.param("hero-Sunshine.png", "default", id="capitalised-word"),
        pytest.param("site-headline.css", "default", id="eight-letter-word"),
        pytest.param("logo-FOOTERBG.png", "default", id="upper-case-word-no-digit"),
        pytest.param("report-20241204.pdf", "default", id="date-digits-only"),
        pytest.param("archive.20241231.zip", "default", id="date-after-dot"),
        pytest.param("minutes.31122024.pdf", "default", id="day-first-date-after-dot"),
        pytest.param("notes.12252024.txt", "default", id="month-first-date-after-dot"),
        pytest.param("photo-12345678.jpg", "default", id="digits-after-dash"),
        pytest.param("export.1712345678901234.json", "default", id="sixteen-digit-timestamp"),
        pytest.param("logo-deadbeef.png", "default", id="hex-word-after-dash"),
        pytest.param("cafebabe.png", "default", id="hex-word-no-separator"),
        pytest.param("2024/01/post.json", "default", id="dated-directory"),
        pytest.param("icon.facade.png", "default", id="short-hex-word"),
        pytest.param("guide.lean.js", "default", id="lean-without-hash"),
        pytest.param("docs/README2024.md", "default", id="upper-case-name-no-separator"),
        pytest.param("Photo2024.jpg", "default", id="whole-name-outside-nuxt"),
        pytest.param("_nuxt/builds/latest.json", "default", id="nuxt-latest-build"),
        pytest.param("_nuxt/builds/meta/3a1b2c4d.json", "default", id="nuxt-build-meta"),
        pytest.param("static/deadbeefcafe/logo.png", "default", id="short-hex-directory"),
        pytest.param("feed.xml", "default", id="feed"),
        pytest.param("sw.js", "default", id="service-worker"),
        # Pages revalidate, whatever their name.
        pytest.param("index-BIGTITLE.html", "html", id="html-upper-case"),
        pytest.param("about-BYx3a1Qz.html", "html", id="html-with-hash"),
        pytest.param("404.html", "html", id="not-found-page"),
        pytest.param("index.html", "html", id="index-page"),
        pytest.param("2024/01/post.html", "html", id="dated-page"),
        pytest.param("page-20241231.html", "html", id="page-with-date"),
        pytest.param("deadbeef.html", "html", id="hex-word-page"),
        pytest.param("about.12345678.html", "html", id="page-with-digits-hash"),
    ],
)
def test_content_hashed_names_are_immutable_and_plain_names_are_not(rel: str, cache: str) -> None:
    assert cache_class(rel) == cache
