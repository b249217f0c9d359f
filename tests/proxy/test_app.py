"""The app in-process (access log, outages) and the entry point with several workers."""

from __future__ import annotations

import contextlib
import json
import time

import anyio
import boto3
import httpx
import pytest
from litestar.testing import AsyncTestClient

from services.core.settings import Settings
from services.core.storage import Storage
from services.proxy.app import create_app
from tests.proxy.server import proxy_process
from tests.proxy.sites import point, publish
from tests.support.moto import moto_server

pytestmark = pytest.mark.anyio


async def test_one_access_log_line_per_request_all_written_by_shutdown(
    local_storage_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = Storage(local_storage_url)
    manifest = await publish(storage, "logged", {"index.html": b"hello"})
    await point(storage, "logged.localhost", manifest)
    settings = Settings(storage_url=local_storage_url, proxy_access_log=True)
    capsys.readouterr()
    async with AsyncTestClient(app=create_app(settings)) as client:  # type: ignore[arg-type]
        for _ in range(2):  # a miss, then a hit from the fast path
            response = await client.get(
                "/", headers={"host": "logged.localhost", "accept-encoding": "identity"}
            )
            assert response.status_code == 200
        await client.get("/nope", headers={"host": "unknown.localhost"})
        before = time.time()
    # Lines are written in batches; stopping the app writes what is still waiting.
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["host"], e["path"], e["status"]) for e in lines] == [
        ("logged.localhost", "/", 200),
        ("logged.localhost", "/", 200),
        ("unknown.localhost", "/nope", 404),
    ]
    assert lines[0]["deployment"] == manifest.deployment
    assert lines[1]["bytes"] == len(b"hello")
    assert lines[2]["deployment"] is None
    assert all(isinstance(e["ms"], float) for e in lines)
    assert all(before - 5 < e["ts"] <= before + 0.01 for e in lines)


async def test_storage_outage_is_503_and_unhealthy() -> None:
    # An S3 endpoint where nothing listens (a privileged port no test server will take).
    url = "s3://down-bucket/?endpoint=http://127.0.0.1:9&region=us-east-1"
    settings = Settings(storage_url=url, proxy_access_log=False)
    async with AsyncTestClient(app=create_app(settings)) as client:  # type: ignore[arg-type]
        health = await client.get("/healthz", headers={"host": "127.0.0.1"})
        assert health.status_code == 503
        site = await client.get("/", headers={"host": "site.localhost"})
        assert site.status_code == 503
        assert site.headers["retry-after"] == "1"


def test_entry_point_with_two_workers_counts_every_request(
    local_storage_url: str,
) -> None:
    with proxy_process(local_storage_url, proxy_workers="2") as proxy:
        assert httpx.get(f"{proxy.base_url}/healthz").status_code == 200
        for _ in range(30):  # a new connection each: the workers share them out
            unknown = httpx.get(f"{proxy.base_url}/", headers={"host": "nobody.localhost"})
            assert unknown.status_code == 404
        # Whichever worker answers the scrape reports the requests of both, once each
        # has flushed its tallies (a few times a second).
        wanted = 'slipway_proxy_requests_total{status="404"} 30.0'
        metrics = ""
        for _ in range(50):  # 5 s at most
            metrics = httpx.get(f"{proxy.base_url}/metrics").text
            if wanted in metrics:
                break
            time.sleep(0.1)
    assert wanted in metrics


async def test_more_sites_than_the_site_cache_holds(local_storage_url: str) -> None:
    storage = Storage(local_storage_url)
    hosts = {}
    for number in range(30):
        manifest = await publish(storage, f"site{number}", {"index.html": f"{number}".encode()})
        hosts[f"site{number}.localhost"] = manifest
        await point(storage, f"site{number}.localhost", manifest)
    # A one-file site weighs about 2.6 KB: this budget keeps about ten of them.
    settings = Settings(
        storage_url=local_storage_url, proxy_access_log=False, proxy_site_cache_bytes=27_000
    )
    app = create_app(settings)
    sites = app.proxy.sites
    async with AsyncTestClient(app=app) as client:  # type: ignore[arg-type]
        # A new path in the second round misses the response cache: the early manifests
        # were evicted by the later ones and are loaded again.
        for path in ("/", "/index.html"):
            for host, manifest in hosts.items():
                response = await client.get(
                    path, headers={"host": host, "accept-encoding": "identity"}
                )
                assert response.status_code == 200
                assert response.headers["x-slipway-deployment"] == manifest.deployment
                assert response.content == manifest.project.removeprefix("site").encode()
                assert sites.used <= settings.proxy_site_cache_bytes
    assert 5 <= len(sites) <= 12


async def test_storage_outage_keeps_serving_what_is_in_memory(moto_endpoint: str) -> None:
    # A private S3 server (moto_endpoint only provides the test credentials), stopped midway.
    outage = contextlib.ExitStack()
    try:
        endpoint = outage.enter_context(moto_server())
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
            Bucket="steady"
        )
        url = f"s3://steady/?endpoint={endpoint}&region=us-east-1"
        storage = Storage(url)
        manifest = await publish(storage, "steady", {"index.html": b"up", "cold.html": b"x"})
        await point(storage, "steady.localhost", manifest)
        settings = Settings(storage_url=url, proxy_access_log=False, route_ttl=0.1)
        async with AsyncTestClient(app=create_app(settings)) as client:  # type: ignore[arg-type]
            headers = {"host": "steady.localhost", "accept-encoding": "identity"}
            assert (await client.get("/", headers=headers)).content == b"up"
            outage.close()
            await anyio.sleep(0.3)  # the route's TTL and grace are over: it must be reloaded
            for _ in range(3):
                served = await client.get("/", headers=headers)
                assert served.status_code == 200
                assert served.content == b"up"
            cold = await client.get("/cold.html", headers=headers)  # never read: needs storage
            assert cold.status_code == 503
    finally:
        outage.close()
