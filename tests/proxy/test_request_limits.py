"""Oversized request heads are refused by the server with 431; what fits is served."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from services.core.storage import Storage
from services.proxy.server import MAX_REQUEST_HEAD_BYTES
from tests.proxy.rawhttp import exchange, read_answer
from tests.proxy.server import RunningProxy
from tests.proxy.sites import point, publish, unique_project

pytestmark = pytest.mark.anyio


async def status_of(port: int, head: bytes) -> int | None:
    """The status answered to `head`; None when the server reset the connection first.

    The server answers 431 as soon as its buffer is full and closes, perhaps while a large
    head is still being written: the client may then see a reset instead of the answer.
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        try:
            writer.write(head)
            await writer.drain()
        except ConnectionError:
            pass
        try:
            return (await read_answer(reader)).status
        except (ConnectionError, asyncio.IncompleteReadError):
            return None
    finally:
        writer.close()


def head_of(host: str, total_bytes: int) -> bytes:
    """A request head of exactly `total_bytes`, padded by one long header."""
    start = f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Padding: "
    end = "\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
    return (start + "a" * (total_bytes - len(start) - len(end)) + end).encode()


async def test_a_head_over_the_limit_gets_431_and_the_site_still_answers(
    proxy: RunningProxy, storage: Storage, client: httpx.AsyncClient
) -> None:
    project = unique_project()
    host = f"{project}.localhost"
    await point(storage, host, await publish(storage, project, {"index.html": b"limits"}))
    fits = await exchange(proxy.port, head_of(host, MAX_REQUEST_HEAD_BYTES))
    assert (fits.status, fits.body) == (200, b"limits")
    for size in (MAX_REQUEST_HEAD_BYTES + 1, 64 * 1024):
        assert await status_of(proxy.port, head_of(host, size)) == 431, size
    assert await status_of(proxy.port, head_of(host, 1024 * 1024)) in (431, None)
    many = (
        f"GET / HTTP/1.1\r\nHost: {host}\r\n"
        + "".join(f"X-{n}: v\r\n" for n in range(500))
        + "Connection: close\r\n\r\n"
    ).encode()
    assert await status_of(proxy.port, many) == 431
    answer = await client.get("/", headers={"host": host, "accept-encoding": "identity"})
    assert (answer.status_code, answer.content) == (200, b"limits")
