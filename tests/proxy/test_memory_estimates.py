"""Each cache weighs its entries by an estimate; tracemalloc measures what they really hold.

The estimates are what bound the proxy's memory, so each stays within ESTIMATE_FACTOR of the
measured size, for small and large entries, and for strings Python stores wide.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from services.core.manifest import Route, decode_route, encode
from services.proxy.caches import ByteBudgetCache, LoadingCache
from services.proxy.reply import Ready, plain
from services.proxy.request import read_request
from services.proxy.serve import ResponseKey, response_weight, route_weight
from services.proxy.site import Site
from services.proxy.site_loader import parse_site
from tests.proxy.manifests import long_paths, manifest_of

pytestmark = pytest.mark.anyio

ESTIMATE_FACTOR = 1.5


@dataclass
class Measured:
    bytes: int = 0


@contextmanager
def allocated() -> Iterator[Measured]:
    """The bytes allocated inside the block and still held at its end."""
    gc.collect()
    tracemalloc.start()
    measured = Measured()
    try:
        before = tracemalloc.get_traced_memory()[0]
        yield measured
        gc.collect()
        measured.bytes = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def assert_close(estimate: int, measured: int) -> None:
    assert measured / ESTIMATE_FACTOR <= estimate <= measured * ESTIMATE_FACTOR, (
        f"estimated {estimate} bytes, measured {measured}: {estimate / measured:.2f}x"
    )


REDIRECTS = "".join(f"/old/{n}/:slug/* /new/{n}/:slug/:splat 301 Language=fr\n" for n in range(500))
HEADERS = "".join(
    f"/p{n}/*\n  X-Frame-Options: DENY\n  Cache-Control: max-age=60\n" for n in range(500)
)


@pytest.mark.parametrize(
    ("paths", "options"),
    [
        pytest.param(["index.html", "about.html", "a.css"], {}, id="three-files"),
        pytest.param([f"img/{n}.png" for n in range(2000)], {"encodings": ()}, id="no-variants"),
        pytest.param(long_paths(20_000), {}, id="20000-long-paths"),
        pytest.param([f"{p}-😀" for p in long_paths(2000)], {}, id="wide-characters"),
        pytest.param(["index.html"], {"redirects": REDIRECTS, "headers": HEADERS}, id="1000-rules"),
    ],
)
def test_a_sites_weight_is_close_to_what_it_holds(
    paths: list[str], options: dict[str, str]
) -> None:
    manifest = manifest_of(paths, **options)  # type: ignore[arg-type]
    deployment, data = manifest.deployment, encode(manifest)
    del manifest
    with allocated() as measured:
        site = parse_site(data, deployment)
    assert_close(site.weight, measured.bytes)


def test_a_sites_weight_is_computed_once_and_is_its_own() -> None:
    small, large = (Site(manifest_of(long_paths(n))) for n in (10, 1000))
    assert 0 < small.weight < large.weight
    assert small.weight == Site(manifest_of(long_paths(10))).weight


ROUTE = Route(
    project="a-project-name",
    deployment="d" * 20,
    kind="production",
    updated_at="2026-01-01T00:00:00.000000+00:00",
)


@pytest.mark.parametrize(
    ("route", "host_length"),
    [
        pytest.param(None, 12, id="unknown-short-host"),
        pytest.param(None, 253, id="unknown-longest-host"),
        pytest.param(ROUTE, 30, id="public"),
        pytest.param(
            Route(
                project=ROUTE.project,
                deployment=ROUTE.deployment,
                kind="branch",
                updated_at=ROUTE.updated_at,
                protection="pbkdf2-sha256$600000$" + "s" * 22 + "$" + "h" * 43,
            ),
            30,
            id="protected",
        ),
    ],
)
async def test_a_cached_routes_weight_is_close_to_what_it_holds(
    route: Route | None, host_length: int
) -> None:
    stored = encode(route) if route is not None else None

    async def load(host: str) -> Route | None:
        return decode_route(stored) if stored is not None else None

    cache: LoadingCache[str, Route | None] = LoadingCache(
        load, ttl=1.0, budget=2**40, weigh=route_weight
    )
    count = 2000
    with allocated() as measured:
        for host in (f"{n}.".ljust(host_length - 10, "h") + ".localhost" for n in range(count)):
            await cache.get(host)
    assert_close(cache.used, measured.bytes)


def not_found(key: ResponseKey) -> Ready:
    return plain(404, "not found", [(b"x-slipway-deployment", key[1].encode())], key[1])


def page(key: ResponseKey) -> Ready:
    headers = [
        (b"x-slipway-deployment", key[1].encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"content-type", b"text/html; charset=utf-8"),
        (b"cache-control", b"public, max-age=0, must-revalidate"),
        (b"etag", f'"{"0" * 64}-br"'.encode()),
        (b"accept-ranges", b"bytes"),
        (b"vary", b"Accept-Encoding"),
        (b"content-encoding", b"br"),
    ]
    return Ready.build(200, headers, b"<p>" + key[2] * 20, key[1])


@pytest.mark.parametrize(
    ("path_length", "query", "answer"),
    [
        pytest.param(10, b"", not_found, id="404"),
        pytest.param(2000, b"", not_found, id="404-longest-path"),
        pytest.param(10, b"q=" + b"x" * 4000, not_found, id="404-long-query"),
        pytest.param(10, b"", page, id="small-page"),
    ],
)
def test_a_cached_responses_weight_is_close_to_what_it_holds(
    path_length: int, query: bytes, answer: Callable[[ResponseKey], Ready]
) -> None:
    cache: ByteBudgetCache[ResponseKey, Ready] = ByteBudgetCache(2**40, response_weight)
    with allocated() as measured:
        for n in range(2000):
            request = read_request(
                {
                    "type": "http",
                    "method": "GET",
                    "raw_path": b"/" + str(n).encode().rjust(path_length, b"p"),
                    "query_string": query + str(n).encode(),
                    "headers": [(b"host", b"site.localhost"), (b"accept-encoding", b"br")],
                }
            )
            assert request.host is not None
            key = (request.host, "d" * 20, request.raw_path, request.query, request.encodings)
            cache.put(key, answer(key))
    assert_close(cache.used, measured.bytes)
