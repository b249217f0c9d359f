"""The api refuses a request with more than one Host header (RFC 9112 §3.2), as the proxy does."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.api.conftest import TOKEN
from tests.support.platform import Platform

pytestmark = pytest.mark.anyio


async def asgi_get(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One request straight into the ASGI app: test clients join repeated headers into one."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*headers, (b"authorization", f"Bearer {TOKEN}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


# Paths whose single-Host answer needs no database: this test calls the app from its own
# event loop, while the client's database connections belong to the client's loop.
@pytest.mark.parametrize("path", ["/livez", "/api/projects", "/dashboard/", "/nowhere"])
async def test_the_app_itself_refuses_two_host_headers(
    client: AsyncTestClient,  # type: ignore[type-arg]
    path: str,
) -> None:
    two = [(b"host", b"a.example"), (b"host", b"b.example")]
    assert await asgi_get(client.app, path, two) == (
        400,
        b"bad request: more than one Host header\n",
    )
    status, _ = await asgi_get(client.app, path, [(b"host", b"a.example")])
    assert status != 400


def test_the_running_api_refuses_two_host_headers(tmp_path: Path) -> None:
    platform = Platform(tmp_path)
    try:
        platform.start("api")

        async def two_hosts() -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", platform.api_port)
            writer.write(
                b"GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: 127.0.0.1\r\n"
                b"Connection: close\r\n\r\n"
            )
            await writer.drain()
            answer = await reader.read()
            writer.close()
            return answer

        assert asyncio.run(two_hosts()).startswith(b"HTTP/1.1 400 ")
    finally:
        platform.stop()
