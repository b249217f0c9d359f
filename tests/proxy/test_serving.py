"""The proxy's HTTP semantics, over real HTTP against `python -m services.proxy`.

Every test runs against both storage backends (a local directory and moto's S3).
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import anyio
import brotli
import httpx
import pytest

from services.core.manifest import Manifest, file_key
from services.core.settings import Settings
from services.core.storage import Storage
from tests.proxy.server import RunningProxy, proxy_process
from tests.proxy.sites import point, publish, unique_project

pytestmark = pytest.mark.anyio

INDEX = b"<!doctype html><h1>home</h1>" + b"<p>filler</p>" * 200
BIG = bytes(range(256)) * (5 * 1024 * 1024 // 256)  # 5 MiB, streamed


@dataclass
class DemoSite:
    host: str
    manifest: Manifest

    @property
    def deployment(self) -> str:
        return self.manifest.deployment


@pytest.fixture(scope="module")
async def site(proxy: RunningProxy) -> DemoSite:
    """Published once per backend: the 5 MiB file is slow to write to moto."""
    storage = Storage(proxy.storage_url)
    project = unique_project()
    manifest = await publish(
        storage,
        project,
        {
            "index.html": INDEX,
            "about/index.html": b"<h1>about</h1>",
            "pricing.html": b"<h1>pricing</h1>",
            "assets/app.0123abcd.js": b"console.log('app');" * 50,
            "style.css": b"body{color:red}",
            "404.html": b"<h1>custom not found</h1>",
            "big.bin": BIG,
            "empty.txt": b"",
        },
    )
    host = f"{project}.localhost"
    await point(storage, host, manifest)
    return DemoSite(host, manifest)


async def get(
    client: httpx.AsyncClient, host: str, path: str, method: str = "GET", **headers: str
) -> httpx.Response:
    headers = {k.replace("_", "-"): v for k, v in headers.items()}
    return await client.request(method, path, headers={"host": host, **headers})


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        pytest.param("/", INDEX, "text/html; charset=utf-8", id="root-index"),
        pytest.param("/index.html", INDEX, "text/html; charset=utf-8", id="index-by-name"),
        pytest.param("/about/", b"<h1>about</h1>", "text/html; charset=utf-8", id="dir-index"),
        pytest.param("/pricing", b"<h1>pricing</h1>", "text/html; charset=utf-8", id="clean-url"),
        pytest.param("/style.css", b"body{color:red}", "text/css; charset=utf-8", id="css"),
        pytest.param("/empty.txt", b"", "text/plain; charset=utf-8", id="empty-file"),
    ],
)
async def test_paths_serve_their_files(
    client: httpx.AsyncClient, site: DemoSite, path: str, body: bytes, content_type: str
) -> None:
    for _ in range(2):  # the second answer comes from the in-memory fast path
        response = await get(client, site.host, path, accept_encoding="identity")
        assert response.status_code == 200
        assert response.content == body
        assert response.headers["content-type"] == content_type
        assert response.headers["content-length"] == str(len(body))
        assert response.headers["x-slipway-deployment"] == site.deployment
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "x-robots-tag" not in response.headers


async def test_directory_without_slash_redirects_keeping_query(
    client: httpx.AsyncClient, site: DemoSite
) -> None:
    response = await get(client, site.host, "/about?ref=nav&x=1")
    assert response.status_code == 308
    assert response.headers["location"] == "/about/?ref=nav&x=1"


async def test_head_has_headers_and_no_body(client: httpx.AsyncClient, site: DemoSite) -> None:
    for path, size in (("/", len(INDEX)), ("/big.bin", len(BIG))):
        response = await get(client, site.host, path, "HEAD", accept_encoding="identity")
        assert response.status_code == 200
        assert response.content == b""
        assert response.headers["content-length"] == str(size)


async def test_etag_and_304(client: httpx.AsyncClient, site: DemoSite) -> None:
    first = await get(client, site.host, "/", accept_encoding="identity")
    etag = first.headers["etag"]
    assert etag == f'"{hashlib.sha256(INDEX).hexdigest()}"'
    for _ in range(2):
        again = await get(client, site.host, "/", accept_encoding="identity", if_none_match=etag)
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
    big = await get(client, site.host, "/big.bin")
    unchanged = await get(client, site.host, "/big.bin", if_none_match=big.headers["etag"])
    assert unchanged.status_code == 304
    other = await get(client, site.host, "/", accept_encoding="identity", if_none_match='"x"')
    assert other.status_code == 200


async def test_not_found_pages(client: httpx.AsyncClient, site: DemoSite, storage: Storage) -> None:
    custom = await get(client, site.host, "/no/such/page")
    assert custom.status_code == 404
    assert custom.content == b"<h1>custom not found</h1>"
    assert custom.headers["x-slipway-deployment"] == site.deployment

    bare = await publish(storage, unique_project(), {"index.html": b"hi"})
    await point(storage, f"{bare.project}.localhost", bare)
    plain = await get(client, f"{bare.project}.localhost", "/missing")
    assert plain.status_code == 404
    assert plain.text == "not found\n"

    unknown = await get(client, "nobody-here.localhost", "/")
    assert unknown.status_code == 404
    assert "x-slipway-deployment" not in unknown.headers


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_other_methods_are_405(
    client: httpx.AsyncClient, site: DemoSite, method: str
) -> None:
    response = await get(client, site.host, "/", method)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("range_header", "status", "content_range", "expected"),
    [
        pytest.param("bytes=0-9", 206, f"bytes 0-9/{len(BIG)}", BIG[:10], id="head"),
        pytest.param("bytes=100-", 206, f"bytes 100-{len(BIG) - 1}/{len(BIG)}", BIG[100:],
                     id="open-end"),
        pytest.param("bytes=-5", 206, f"bytes {len(BIG) - 5}-{len(BIG) - 1}/{len(BIG)}",
                     BIG[-5:], id="suffix"),
        pytest.param(f"bytes={len(BIG)}-", 416, f"bytes */{len(BIG)}", b"", id="past-end"),
        pytest.param("bytes=" + ",".join(["0-1"] * 17), 200, None, BIG, id="too-many-whole"),
        pytest.param("bytes=0-,100-", 200, None, BIG, id="overlapping-whole"),
        pytest.param(f"bytes={len(BIG)}-,-0", 416, f"bytes */{len(BIG)}", b"",
                     id="several-none-satisfiable"),
        pytest.param("lines=1-2", 200, None, BIG, id="other-unit-whole"),
    ],
)  # fmt: skip
async def test_ranges(
    client: httpx.AsyncClient,
    site: DemoSite,
    range_header: str,
    status: int,
    content_range: str | None,
    expected: bytes,
) -> None:
    response = await get(client, site.host, "/big.bin", range=range_header)
    assert response.status_code == status
    assert response.headers.get("content-range") == content_range
    assert response.content == expected
    assert response.headers["content-length"] == str(len(expected))


async def test_range_on_small_file_and_stale_if_range(
    client: httpx.AsyncClient, site: DemoSite
) -> None:
    partial = await get(client, site.host, "/style.css", range="bytes=5-9")
    assert partial.status_code == 206
    assert partial.content == b"body{color:red}"[5:10]
    stale = await get(client, site.host, "/style.css", range="bytes=5-9", if_range='"old"')
    assert stale.status_code == 200
    assert stale.content == b"body{color:red}"


def byteranges(response: httpx.Response) -> list[tuple[dict[str, str], bytes]]:
    """The parts of a multipart/byteranges body: (headers, bytes) each, framing checked."""
    media_type, _, boundary = response.headers["content-type"].partition("; boundary=")
    assert media_type == "multipart/byteranges"
    assert boundary
    assert response.headers["content-length"] == str(len(response.content))
    delimiter = b"\r\n--" + boundary.encode()
    pieces = (b"\r\n" + response.content).split(delimiter)
    assert pieces[0] == b""  # no preamble
    assert pieces[-1] == b"--\r\n"  # the closing delimiter ends the body
    parts = []
    for piece in pieces[1:-1]:
        head, _, data = piece.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        fields = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        parts.append(({k.lower(): v for k, v in fields.items()}, data))
    return parts


async def test_two_ranges_of_a_small_file(client: httpx.AsyncClient, site: DemoSite) -> None:
    asked = {"range": "bytes=0-3, 10-14", "accept_encoding": "br"}
    response = await get(client, site.host, "/style.css", **asked)
    assert response.status_code == 206
    assert "content-range" not in response.headers
    assert "content-encoding" not in response.headers
    parts = byteranges(response)
    assert [data for _, data in parts] == [b"body", b":red}"]
    css = "text/css; charset=utf-8"
    assert [headers["content-type"] for headers, _ in parts] == [css, css]
    assert [h["content-range"] for h, _ in parts] == ["bytes 0-3/15", "bytes 10-14/15"]
    head = await get(client, site.host, "/style.css", "HEAD", **asked)
    assert head.status_code == 206
    assert head.content == b""
    assert head.headers["content-length"] == response.headers["content-length"]


async def test_two_ranges_of_a_large_file_stream(client: httpx.AsyncClient, site: DemoSite) -> None:
    spans = [(3_000_000, 4_200_000), (10, 700_009)]  # over several chunks, out of order
    header = "bytes=" + ",".join(f"{start}-{end}" for start, end in spans)
    response = await get(client, site.host, "/big.bin", range=header)
    assert response.status_code == 206
    parts = byteranges(response)
    assert [data for _, data in parts] == [BIG[start : end + 1] for start, end in spans]
    assert [h["content-range"] for h, _ in parts] == [
        f"bytes {start}-{end}/{len(BIG)}" for start, end in spans
    ]


async def test_several_ranges_with_stale_if_range_get_the_whole_file(
    client: httpx.AsyncClient, site: DemoSite
) -> None:
    stale = await get(client, site.host, "/style.css", range="bytes=0-1,5-6", if_range='"old"')
    assert stale.status_code == 200
    assert stale.content == b"body{color:red}"
    etag = stale.headers["etag"]
    fresh = await get(client, site.host, "/style.css", range="bytes=0-1,5-6", if_range=etag)
    assert fresh.status_code == 206
    assert [data for _, data in byteranges(fresh)] == [b"bo", b"co"]


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        pytest.param("gzip, deflate, br", "br", id="br-preferred"),
        pytest.param("gzip", "gzip", id="gzip-only"),
        pytest.param("br;q=0.5, gzip;q=0.9", "gzip", id="q-values"),
        pytest.param("br;q=0, gzip;q=0", None, id="refused"),
        pytest.param("identity", None, id="identity"),
    ],
)
async def test_precompressed_variants(
    client: httpx.AsyncClient, site: DemoSite, accept: str, encoding: str | None
) -> None:
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding]
    for _ in range(2):
        headers = {"host": site.host, "accept-encoding": accept}
        async with client.stream("GET", "/", headers=headers) as response:
            wire = b"".join([chunk async for chunk in response.aiter_raw()])
        assert response.status_code == 200
        assert response.headers["vary"] == "Accept-Encoding"
        assert response.headers.get("content-encoding") == encoding
        assert response.headers["content-length"] == str(len(wire))
        assert decode(wire) == INDEX


async def test_cache_control_by_file_class(client: httpx.AsyncClient, site: DemoSite) -> None:
    html = await get(client, site.host, "/")
    asset = await get(client, site.host, "/assets/app.0123abcd.js")
    assert html.headers["cache-control"] == "public, max-age=0, must-revalidate"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-type"] == "text/javascript; charset=utf-8"


async def test_large_file_streams_whole(client: httpx.AsyncClient, site: DemoSite) -> None:
    async with client.stream("GET", "/big.bin", headers={"host": site.host}) as response:
        assert response.status_code == 200
        digest = hashlib.sha256()
        chunks = 0
        async for chunk in response.aiter_raw():
            digest.update(chunk)
            chunks += 1
    assert digest.hexdigest() == hashlib.sha256(BIG).hexdigest()
    assert chunks > 1


@pytest.mark.parametrize(
    ("kind", "noindex"),
    [
        pytest.param("production", False, id="production"),
        pytest.param("domain", False, id="domain"),
        pytest.param("deployment", True, id="deployment"),
        pytest.param("branch", True, id="branch"),
        pytest.param("pull_request", True, id="pull-request"),
    ],
)
async def test_noindex_except_production_and_domains(
    client: httpx.AsyncClient, site: DemoSite, storage: Storage, kind: str, noindex: bool
) -> None:
    host = f"{kind.replace('_', '-')}-{site.manifest.project}.example.org"
    await point(storage, host, site.manifest, kind)
    for path in ("/", "/nope", "/about"):
        response = await get(client, host, path)
        assert (response.headers.get("x-robots-tag") == "noindex") is noindex


@pytest.mark.parametrize(
    "host_header",
    [
        pytest.param("{host}:8080", id="port"),
        pytest.param("{upper}", id="case"),
        pytest.param("{host}.", id="trailing-dot"),
        pytest.param("{upper}.:443", id="all-three"),
    ],
)
async def test_host_normalisation(
    client: httpx.AsyncClient, site: DemoSite, host_header: str
) -> None:
    host = host_header.format(host=site.host, upper=site.host.upper())
    response = await get(client, host, "/", accept_encoding="identity")
    assert response.status_code == 200
    assert response.content == INDEX


async def test_spa_fallback_never_answers_assets_with_html(
    client: httpx.AsyncClient, storage: Storage
) -> None:
    app = await publish(
        storage,
        unique_project(),
        {"index.html": b"<div id=app></div>", "main.4f3e2d1c.js": b"boot()"},
        spa=True,
    )
    host = f"{app.project}.localhost"
    await point(storage, host, app)
    for path in ("/dashboard", "/users/42/settings", "/v1.2/docs"):
        route = await get(client, host, path)
        assert route.status_code == 200, path
        assert route.content == b"<div id=app></div>"
    for path in ("/main.deadbeef.js", "/logo.png", "/styles/site.css"):
        asset = await get(client, host, path)
        assert asset.status_code == 404, path
        assert "text/html" not in asset.headers["content-type"]


REDIRECTS = """
/old-page         /pricing
/temp             /about/          302
/blog/*           /news/:splat     307
/news/:year/:slug /articles/:slug?y=:year 308
/app/*            /index.html      200
/pricing          /elsewhere       301
/style.css        /forced.css      302!
/gone/*           /404.html        404
"""

HEADERS = """
/*
  X-Frame-Options: DENY
/assets/*
  Cache-Control: public, max-age=60
  Access-Control-Allow-Origin: *
"""


@pytest.fixture(scope="module")
async def ruled(proxy: RunningProxy) -> DemoSite:
    storage = Storage(proxy.storage_url)
    project = unique_project()
    manifest = await publish(
        storage,
        project,
        {
            "index.html": b"home",
            "pricing.html": b"pricing",
            "about/index.html": b"about",
            "style.css": b"css",
            "404.html": b"not here",
            "assets/a.css": b"a",
        },
        redirects=REDIRECTS,
        headers=HEADERS,
    )
    host = f"{project}.localhost"
    await point(storage, host, manifest)
    return DemoSite(host, manifest)


@pytest.mark.parametrize(
    ("path", "status", "location", "body"),
    [
        pytest.param("/old-page", 301, "/pricing", None, id="default-301"),
        pytest.param("/old-page?utm=x", 301, "/pricing?utm=x", None, id="query-kept"),
        pytest.param("/temp", 302, "/about/", None, id="302"),
        pytest.param("/blog/2024/hello", 307, "/news/2024/hello", None, id="splat"),
        pytest.param("/news/2023/launch", 308, "/articles/launch?y=2023", None,
                     id="placeholders"),
        pytest.param("/app/settings/profile", 200, None, b"home", id="rewrite"),
        pytest.param("/pricing", 200, None, b"pricing", id="file-not-shadowed"),
        pytest.param("/style.css", 302, "/forced.css", None, id="forced-shadows"),
        pytest.param("/gone/thing", 404, None, b"not here", id="custom-404"),
    ],
)  # fmt: skip
async def test_redirect_rules(
    client: httpx.AsyncClient,
    ruled: DemoSite,
    path: str,
    status: int,
    location: str | None,
    body: bytes | None,
) -> None:
    response = await get(client, ruled.host, path, accept_encoding="identity")
    assert response.status_code == status
    assert response.headers.get("location") == location
    if body is not None:
        assert response.content == body


async def test_header_rules(client: httpx.AsyncClient, ruled: DemoSite) -> None:
    page = await get(client, ruled.host, "/")
    assert page.headers["x-frame-options"] == "DENY"
    asset = await get(client, ruled.host, "/assets/a.css")
    assert asset.headers["x-frame-options"] == "DENY"
    assert asset.headers["cache-control"] == "public, max-age=60"
    assert asset.headers["access-control-allow-origin"] == "*"


@pytest.fixture(scope="module")
def default_ttl_proxy(backend_url: str) -> Iterator[RunningProxy]:
    """A proxy with the route TTL it ships with, for the promotion deadline."""
    default_ttl = Settings.model_fields["route_ttl"].default
    with proxy_process(backend_url, route_ttl=str(default_ttl)) as running:
        yield running


async def test_promotion_and_rollback_visible_within_two_seconds(
    default_ttl_proxy: RunningProxy, storage: Storage
) -> None:
    project = unique_project()
    first = await publish(storage, project, {"index.html": b"first"})
    second = await publish(storage, project, {"index.html": b"second"})
    host = f"{project}.localhost"
    await point(storage, host, first)
    async with httpx.AsyncClient(base_url=default_ttl_proxy.base_url) as client:
        assert (await get(client, host, "/")).content == b"first"
        for target in (second, first, second):
            await point(storage, host, target)
            wanted = target.files["index.html"].sha256
            seen = ""
            with anyio.move_on_after(2):
                while seen != wanted:
                    response = await get(client, host, "/", accept_encoding="identity")
                    seen = hashlib.sha256(response.content).hexdigest()
                    await anyio.sleep(0.05)
            assert seen == wanted, "the promoted deployment was not served within 2 s"


async def test_healthz_and_metrics(client: httpx.AsyncClient, site: DemoSite) -> None:
    await get(client, site.host, "/")
    await get(client, site.host, "/")
    health = await get(client, "127.0.0.1", "/healthz")
    assert health.status_code == 200
    metrics = await get(client, "127.0.0.1", "/metrics")
    assert metrics.status_code == 200
    assert 'slipway_proxy_requests_total{status="200"}' in metrics.text
    assert "slipway_proxy_request_seconds_bucket" in metrics.text
    assert 'slipway_proxy_response_cache_total{result="hit"}' in metrics.text
    # On a site's own host these paths belong to the site.
    assert (await get(client, site.host, "/healthz")).content == b"<h1>custom not found</h1>"


async def test_large_file_missing_from_storage_is_503(
    client: httpx.AsyncClient, storage: Storage
) -> None:
    manifest = await publish(storage, unique_project(), {"big.bin": BIG[: 2 * 1024 * 1024]})
    host = f"{manifest.project}.localhost"
    await point(storage, host, manifest)
    await storage.delete(file_key(manifest.deployment, manifest.files["big.bin"].key))
    for range_header in ("bytes=0-", "bytes=0-1,5-6", None):
        headers = {"range": range_header} if range_header else {}
        response = await get(client, host, "/big.bin", **headers)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize("bad", ["a\x01b", "a\x00b", "a\x7fb", "\x1bx"])
async def test_a_stored_header_value_no_response_can_carry_never_answers_500(
    client: httpx.AsyncClient, storage: Storage, bad: str
) -> None:
    """Builds refuse such values now; a deployment stored before that still serves."""
    project = unique_project()
    manifest = await publish(
        storage,
        project,
        {"index.html": b"home", "new.html": b"new"},
        redirects="/old /new 302\n",
        headers=f"/*\n  X-Frame-Options: DENY\n  X-Bad: {bad}\n",
    )
    host = f"{project}.localhost"
    await point(storage, host, manifest)
    page = await get(client, host, "/")
    assert page.status_code == 200
    assert page.content == b"home"
    assert "x-bad" not in page.headers
    moved = await get(client, host, "/old")
    assert (moved.status_code, moved.headers["location"]) == (302, "/new")
