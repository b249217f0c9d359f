"""A request with more than one Host header is refused (RFC 9112 §3.2), whatever it asks."""

from __future__ import annotations

import httpx
import pytest

from services.core.storage import Storage
from tests.proxy.rawhttp import exchange
from tests.proxy.server import RunningProxy
from tests.proxy.sites import point, publish, unique_project

pytestmark = pytest.mark.anyio


def two_hosts(path: str, first: str, second: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {first}\r\nHost: {second}\r\n"
        "Accept-Encoding: identity\r\nConnection: close\r\n\r\n"
    ).encode()


async def test_two_host_headers_get_400_even_for_an_answer_kept_in_memory(
    proxy: RunningProxy, storage: Storage, client: httpx.AsyncClient
) -> None:
    hosts = []
    for body in (b"site one", b"site two"):
        project = unique_project()
        await point(
            storage, f"{project}.localhost", await publish(storage, project, {"index.html": body})
        )
        hosts.append(f"{project}.localhost")
    for host in hosts:  # each answer is now kept in memory, where the fast path finds it
        assert (await client.get("/", headers={"host": host})).status_code == 200
    for first, second in (hosts, hosts[::-1], (hosts[0], hosts[0])):
        answer = await exchange(proxy.port, two_hosts("/", first, second))
        assert answer.status == 400
        assert answer.body == b"bad request: more than one Host header\n"
    for path in ("/healthz", "/livez", "/metrics"):
        answer = await exchange(proxy.port, two_hosts(path, "127.0.0.1", hosts[0]))
        assert answer.status == 400
