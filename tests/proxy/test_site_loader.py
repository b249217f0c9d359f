"""Loading a deployment's manifest: never stalling the event loop, bounded, and hostile-proof."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from unittest import mock

import anyio
import httpx
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from services.core.hosts import new_deployment_id
from services.core.manifest import Manifest, decode_manifest, encode, file_key, manifest_key
from services.core.settings import Settings
from services.core.storage import InvalidKey, Storage, check_key
from services.proxy import site_loader
from services.proxy.app import create_app
from services.proxy.site import Site
from services.proxy.site_loader import (
    INLINE_MANIFEST_BYTES,
    MAX_FILES,
    MAX_MANIFEST_BYTES,
    PIECE_BYTES,
    LoaderBusy,
    SiteLoader,
    Unservable,
    decode_in_pieces,
    is_deployment_key,
    parse_site,
)
from tests.proxy.manifests import long_paths, manifest_of
from tests.proxy.server import RunningProxy
from tests.proxy.sites import point, publish, unique_project

pytestmark = pytest.mark.anyio

STALL = 0.050  # seconds without a heartbeat that a visitor of another site would notice
SHA = "0" * 64


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_storage_url")
    return url


async def longest_gap(work: Callable[[], Awaitable[object]]) -> float:
    """The longest the event loop went between 1 ms heartbeats while `work` ran."""
    gaps: list[float] = []
    working = True

    async def heartbeat() -> None:
        last = time.perf_counter()
        while working:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.005)
    try:
        await work()
    finally:
        working = False
        await beating
    return max(gaps)


REDIRECTS = "".join(f"/old/{n}/:slug/* /new/{n}/:slug/:splat 301\n" for n in range(1000))
HEADERS = "".join(f"/p{n}/*\n  X-Frame-Options: DENY\n" for n in range(1000))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: manifest_of(long_paths(20_000)), id="20000-files-long-paths"),
        pytest.param(
            lambda: manifest_of(["index.html"], redirects=REDIRECTS, headers=HEADERS),
            id="small-with-2000-rules",
        ),
    ],
)
async def test_parsing_a_large_manifest_never_stalls_the_event_loop(
    local_storage_url: str, make: Callable[[], Manifest]
) -> None:
    storage = Storage(local_storage_url)
    manifest = make()
    data = encode(manifest)
    await storage.put(manifest_key(manifest.deployment), data)

    async def inline() -> None:
        parse_site(data, manifest.deployment)

    # The same parse on the event loop: the stall the loader exists to avoid.
    assert await longest_gap(inline) > STALL
    loader = SiteLoader()
    loaded: list[Site | Unservable] = []

    async def load() -> None:
        loaded.append(await loader.load(storage, manifest.deployment))

    # Best of three: another process taking the CPU makes a gap too, but not every time.
    gaps = [await longest_gap(load) for _ in range(3)]
    assert min(gaps) < STALL, gaps
    assert all(isinstance(site, Site) and site.files == manifest.files for site in loaded)


async def test_large_manifests_are_parsed_one_at_a_time_and_few_wait(
    local_storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = Storage(local_storage_url)
    manifests = [manifest_of(long_paths(400)) for _ in range(6)]
    for manifest in manifests:
        assert len(encode(manifest)) > INLINE_MANIFEST_BYTES
        await storage.put(manifest_key(manifest.deployment), encode(manifest))
    release = threading.Event()
    parsing = 0
    most_at_once = 0

    def held_parse(data: bytes, deployment: str) -> Site:
        nonlocal parsing, most_at_once
        parsing += 1
        most_at_once = max(most_at_once, parsing)
        release.wait(10)
        parsing -= 1
        return parse_site(data, deployment)

    monkeypatch.setattr(site_loader, "parse_site", held_parse)
    loader = SiteLoader(max_waiting=2)
    outcomes: dict[str, object] = {}
    three_turned_away = anyio.Event()  # so one is parsing and two are waiting

    async def load(deployment: str) -> None:
        try:
            outcomes[deployment] = await loader.load(storage, deployment)
        except LoaderBusy as exc:
            outcomes[deployment] = exc
            if len(outcomes) == 3:
                three_turned_away.set()

    async with anyio.create_task_group() as group:
        for manifest in manifests:
            group.start_soon(load, manifest.deployment)
        with anyio.fail_after(10):
            await three_turned_away.wait()
        assert loader.waiting == 2
        release.set()
    busy = [o for o in outcomes.values() if isinstance(o, LoaderBusy)]
    sites = [o for o in outcomes.values() if isinstance(o, Site)]
    assert (len(busy), len(sites), most_at_once) == (3, 3, 1)
    assert loader.waiting == 0


def document(manifest: Manifest) -> dict[str, Any]:
    builtins: dict[str, Any] = msgspec.to_builtins(manifest)
    return builtins


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def with_field(data: bytes, name: bytes, value: bytes) -> bytes:
    return data[:-1] + b',"' + name + b'":' + value + b"}"


def entry_with(**changes: Any) -> Callable[[Manifest], bytes]:
    def hostile(manifest: Manifest) -> bytes:
        raw = document(manifest)
        raw["files"]["index.html"].update(changes)
        return msgspec.json.encode(raw)

    return hostile


def variant_size(size: int) -> Callable[[Manifest], bytes]:
    def hostile(manifest: Manifest) -> bytes:
        raw = document(manifest)
        raw["files"]["index.html"]["encodings"]["br"]["size"] = size
        return msgspec.json.encode(raw)

    return hostile


def too_many_files(manifest: Manifest) -> bytes:
    entry = b'{"key":"files/x","size":1,"sha256":"%s","type":"text/plain"}' % SHA.encode()
    files = b",".join(b'"%d":%s' % (n, entry) for n in range(MAX_FILES + 1))
    head = b'{"deployment":"%s","project":"p","created_at":"t","files":{' % (
        manifest.deployment.encode()
    )
    return head + files + b"}}"


def larger_than_the_cap(manifest: Manifest) -> bytes:
    return with_field(encode(manifest), b"padding", b'"' + b"x" * MAX_MANIFEST_BYTES + b'"')


def other_deployment(manifest: Manifest) -> bytes:
    return msgspec.json.encode({**document(manifest), "deployment": new_deployment_id()})


def nested_in_an_entry(manifest: Manifest) -> bytes:
    raw = msgspec.json.encode(document(manifest))
    return raw.replace(b'"key":"files/index.html"', b'"x":' + nested(100_000) + b',"key":"k"')


HOSTILE = [
    pytest.param(entry_with(size=10**20), "size 100000000000000000000", id="huge-size"),
    pytest.param(entry_with(size=-1), "size -1", id="negative-size"),
    pytest.param(variant_size(10**15), "size 1000000000000000", id="huge-variant-size"),
    pytest.param(too_many_files, f"{MAX_FILES + 1} files", id="too-many-files"),
    pytest.param(larger_than_the_cap, f"larger than {MAX_MANIFEST_BYTES}", id="too-large"),
    pytest.param(
        lambda m: with_field(encode(m), b"extra", nested(10_000_000)),
        "not a manifest",
        id="deeply-nested",
    ),
    pytest.param(nested_in_an_entry, "not a manifest", id="deeply-nested-entry"),
    pytest.param(entry_with(type="text/" + "x" * 100_000), "type", id="oversized-type"),
    pytest.param(entry_with(type="text/html\r\nset-cookie: a=b"), "type", id="header-in-type"),
    pytest.param(entry_with(sha256='x"\r\n'), "sha256", id="not-a-sha256"),
    pytest.param(entry_with(key="../x/files/a"), "not a key of this", id="key-elsewhere"),
    pytest.param(other_deployment, "it names deployment", id="other-deployment"),
    pytest.param(lambda m: b'{"files": {', "not a manifest", id="not-json"),
]


@pytest.fixture
async def proxy_client(storage_url: str) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    settings = Settings(storage_url=storage_url, proxy_access_log=False)
    async with AsyncTestClient(app=create_app(settings)) as client:  # type: ignore[arg-type]
        yield client


@pytest.mark.parametrize(("hostile", "reason"), HOSTILE)
async def test_a_hostile_manifest_is_refused_once_and_other_sites_keep_serving(
    storage_url: str,
    proxy_client: AsyncTestClient,  # type: ignore[type-arg]
    caplog: pytest.LogCaptureFixture,
    hostile: Callable[[Manifest], bytes],
    reason: str,
) -> None:
    storage = Storage(storage_url)
    good = await publish(storage, "good", {"index.html": b"fine"})
    await point(storage, "good.localhost", good)
    bad = manifest_of(["index.html"], deployment=new_deployment_id())
    await storage.put(manifest_key(bad.deployment), hostile(bad))
    await point(storage, "bad.localhost", bad)
    caplog.set_level(logging.INFO, logger="services.proxy")
    for _ in range(2):
        refused = await proxy_client.get("/", headers={"host": "bad.localhost"})
        assert refused.status_code == 404
        served = await proxy_client.get("/", headers={"host": "good.localhost"})
        assert (served.status_code, served.content) == (200, b"fine")
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(lines) == 1, lines  # remembered: not read, nor logged, again
    assert lines[0].startswith(f"deployment {bad.deployment}: manifest refused")
    assert reason in lines[0]
    assert len(lines[0]) < 600


async def test_files_no_request_can_name_are_left_out_with_one_log_line(
    local_storage_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    storage = Storage(local_storage_url)
    manifest = manifest_of(["index.html", "a" * 3000, "b" * 3000])
    await storage.put(manifest_key(manifest.deployment), encode(manifest))
    caplog.set_level(logging.INFO, logger="services.proxy")
    site = await SiteLoader().load(storage, manifest.deployment)
    assert isinstance(site, Site)
    assert list(site.files) == ["index.html"]
    assert [r.getMessage() for r in caplog.records] == [
        f"deployment {manifest.deployment}: 2 files left out, "
        "their paths longer than any request can name"
    ]


async def test_too_many_large_manifests_at_once_answer_503_until_one_is_parsed(
    local_storage_url: str,
) -> None:
    storage = Storage(local_storage_url)
    manifest = manifest_of(long_paths(400))
    await storage.put(manifest_key(manifest.deployment), encode(manifest))
    await point(storage, "large.localhost", manifest)
    app = create_app(Settings(storage_url=local_storage_url, proxy_access_log=False))
    loader = app.proxy.site_loader
    async with AsyncTestClient(app=app) as client:  # type: ignore[arg-type]
        loader.max_waiting = 0  # as if the line were full
        busy = await client.get("/", headers={"host": "large.localhost"})
        assert (busy.status_code, busy.headers["retry-after"]) == (503, "1")
        loader.max_waiting = 1
        loaded = await client.get("/", headers={"host": "large.localhost"})
        assert loaded.status_code == 404  # the site's own answer: it has no index.html
        assert isinstance(app.proxy.sites.peek(manifest.deployment).value, Site)


def test_the_running_proxy_survives_hostile_manifests(proxy: RunningProxy) -> None:
    storage = Storage(proxy.storage_url)
    project = unique_project()
    good_host = f"{project}.localhost"

    async def store() -> list[str]:
        good = await publish(storage, project, {"index.html": b"still here"})
        await point(storage, good_host, good)
        hosts = []
        for n, param in enumerate(HOSTILE):
            hostile, _ = param.values
            bad = manifest_of(["index.html"])
            await storage.put(manifest_key(bad.deployment), hostile(bad))  # type: ignore[operator]
            await point(storage, f"{project}-bad{n}.localhost", bad)
            hosts.append(f"{project}-bad{n}.localhost")
        return hosts

    hosts = anyio.run(store)
    with httpx.Client(base_url=proxy.base_url, timeout=30) as http:
        for host in hosts:
            assert http.get("/", headers={"host": host}).status_code == 404, host
            served = http.get("/", headers={"host": good_host})
            assert (served.status_code, served.content) == (200, b"still here")


# Paths that look like the boundaries the piecewise decode cuts at, or like JSON around them.
TRICKY_PATHS = st.sampled_from(
    ['a}},"b', '}},"config":{', '"files":{', "}}", '\\"', "\\", "é/😀", "config", "files"]
)
PATHS = TRICKY_PATHS | st.text(min_size=1, max_size=12)


def outcome(decode: Callable[[bytes], Manifest], data: bytes) -> object:
    try:
        return decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        return type(exc)


@settings(max_examples=150, deadline=None)
@given(
    paths=st.lists(PATHS, max_size=30),
    encodings=st.sampled_from([(), ("br",), ("br", "gzip")]),
    piece_bytes=st.integers(1, 400),
)
def test_a_manifest_decoded_in_pieces_is_the_manifest_decoded_whole(
    paths: list[str], encodings: tuple[str, ...], piece_bytes: int
) -> None:
    data = encode(manifest_of(paths, encodings=encodings))
    with mock.patch.object(site_loader, "PIECE_BYTES", piece_bytes):
        assert decode_in_pieces(data) == decode_manifest(data)


def reordered(manifest: Manifest) -> bytes:
    """The same manifest with every object's fields in reverse order."""

    def reverse(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: reverse(v) for k, v in reversed(value.items())}
        return value

    return msgspec.json.encode(reverse(document(manifest)))


def files_twice(manifest: Manifest) -> bytes:
    data = encode(manifest)
    return data.replace(b',"config":', b',"files":{},"config":', 1)


def files_nested_first(manifest: Manifest) -> bytes:
    data = encode(manifest)
    decoy = b'"x":{"files":{"evil.html":' + encode(manifest.files["a.html"]) + b'},"config":{}},'
    return data.replace(b'{"deployment"', b"{" + decoy + b'"deployment"', 1)


def files_and_a_later_copy(manifest: Manifest) -> bytes:
    data = encode(manifest)
    copy = b',"files":{"evil.html":' + encode(manifest.files["a.html"]) + b"}}"
    return data[:-1] + copy


ODD_LAYOUTS = [
    pytest.param(lambda m: json.dumps(document(m), indent=1).encode(), id="indented"),
    pytest.param(reordered, id="fields-reversed"),
    pytest.param(files_twice, id="files-twice"),
    pytest.param(files_nested_first, id="files-nested-before-the-real-ones"),
    pytest.param(files_and_a_later_copy, id="files-again-at-the-end"),
    pytest.param(lambda m: encode(m)[:-40], id="truncated"),
    pytest.param(lambda m: encode(m).replace(b'"size":', b'"size":"', 1), id="broken-entry"),
]


@pytest.mark.parametrize("layout", ODD_LAYOUTS)
@pytest.mark.parametrize("piece_bytes", [1, 100, PIECE_BYTES])
def test_any_other_layout_decodes_as_it_would_whole(
    layout: Callable[[Manifest], bytes], piece_bytes: int
) -> None:
    data = layout(manifest_of(["a.html", *long_paths(20)]))
    with mock.patch.object(site_loader, "PIECE_BYTES", piece_bytes):
        assert outcome(decode_in_pieces, data) == outcome(decode_manifest, data)


class Recording:
    """A decoder that records the size of what it decodes."""

    def __init__(self, decoder: Any) -> None:
        self.decoder = decoder
        self.sizes: list[int] = []

    def decode(self, data: bytes) -> Any:
        self.sizes.append(len(data))
        return self.decoder.decode(data)


def test_a_manifest_as_the_runner_writes_it_is_never_decoded_whole() -> None:
    manifest = manifest_of(long_paths(2000))
    data = encode(manifest)
    whole, pieces = Recording(site_loader._MANIFEST), Recording(site_loader._FILES)
    with (
        mock.patch.object(site_loader, "_MANIFEST", whole),
        mock.patch.object(site_loader, "_FILES", pieces),
    ):
        assert decode_in_pieces(data) == manifest
    assert len(whole.sizes) == 1
    assert whole.sizes[0] < 1000  # the manifest with a stand-in for its files
    assert len(pieces.sizes) == len(data) // PIECE_BYTES + 1
    assert max(pieces.sizes) < PIECE_BYTES + 2000  # a piece ends at the next entry's end


KEY_PARTS = st.sampled_from(["files", "a", ".", "..", "", "\\", "\x00", "\x1f", "\x7f", "é", " "])
DEPLOYMENT = "d" * 20


def storage_takes(key: str) -> bool:
    try:
        check_key(file_key(DEPLOYMENT, key))
    except InvalidKey:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(key=st.lists(KEY_PARTS | st.text(max_size=4), max_size=6).map("/".join))
def test_a_key_is_the_deployments_exactly_when_storage_takes_it(key: str) -> None:
    assert is_deployment_key(key, DEPLOYMENT) == storage_takes(key)


@pytest.mark.parametrize("length", [990, 991, 992])
def test_the_longest_key_is_storages_longest(length: int) -> None:
    assert is_deployment_key("k" * length, DEPLOYMENT) == storage_takes("k" * length)
