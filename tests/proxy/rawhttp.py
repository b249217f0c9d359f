"""A minimal HTTP/1.1 client over asyncio streams: bytes exactly as given, keep-alive, fast.

httpx normalises paths (no good for hostile ones) and slows down badly with dozens of
concurrent requests in one process; load and corpus tests use this instead.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: the server refused the request without an HTTP answer
    headers: dict[bytes, bytes]
    body: bytes


def request_bytes(target: bytes, host: str, *, close: bool = False) -> bytes:
    head = b"GET " + target + b" HTTP/1.1\r\nHost: " + host.encode() + b"\r\n"
    head += b"Accept-Encoding: identity\r\n"
    if close:
        head += b"Connection: close\r\n"
    return head + b"\r\n"


async def read_answer(reader: asyncio.StreamReader) -> Answer:
    status_line = await reader.readline()
    if not status_line.startswith(b"HTTP/1.1 "):
        return Answer(None, {}, status_line + await reader.read())
    headers: dict[bytes, bytes] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return Answer(int(status_line.split()[1]), headers, body)


async def get_once(port: int, host: str, target: bytes) -> Answer:
    """One request on its own connection."""
    return await exchange(port, request_bytes(target, host, close=True))


async def exchange(port: int, head: bytes) -> Answer:
    """One request, head written exactly as given, on its own connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        try:
            return await read_answer(reader)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            return Answer(None, {}, b"")
    finally:
        writer.close()


class KeepAlive:
    """One persistent connection, one request at a time."""

    def __init__(self, port: int, host: str) -> None:
        self.port = port
        self.host = host
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> Answer:
        if self._streams is None:
            self._streams = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self._streams
        writer.write(request_bytes(path.encode(), self.host))
        await writer.drain()
        try:
            return await read_answer(reader)
        except BaseException:
            self.close()  # the connection's state is unknown: start afresh next time
            raise

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None
