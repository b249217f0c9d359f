"""Sending a large file: by path through the server, or in chunks from storage.

Files over the in-memory size are never held whole. A whole file of a local store is handed
to the server by path (the ASGI `http.response.pathsend` extension, which granian provides),
so no byte passes through Python; ranges and S3 objects are streamed in chunks. Several ranges
go out as one multipart/byteranges body (RFC 9110 §14.6), each range streamed in turn.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.core.storage import Storage, StorageError, check_key
from services.proxy.local_files import stream_local
from services.proxy.reply import Headers, send_whole, unavailable

log = logging.getLogger(__name__)

STREAM_CHUNK = 256 * 1024  # a stalled download holds about ten chunks in the server
PATHSEND = "http.response.pathsend"


@dataclass(frozen=True, slots=True)
class Streamed:
    """A file too large to hold: bytes [start, end) of `key`, sent without loading them."""

    status: int
    headers: Headers
    key: str
    start: int
    end: int
    deployment: str

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Part:
    head: bytes  # the boundary line and this part's headers
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class StreamedParts:
    """Several ranges of `key` as one multipart/byteranges body, sent without loading them."""

    status: int
    headers: Headers
    key: str
    parts: tuple[Part, ...]
    closing: bytes  # the final boundary
    deployment: str

    @property
    def length(self) -> int:
        return sum(len(p.head) + p.end - p.start for p in self.parts) + len(self.closing)


def byteranges(
    headers: Headers, key: str, spans: list[tuple[int, int]], size: int, deployment: str
) -> StreamedParts:
    """A 206 of `spans` of a `size`-byte file; each part keeps the file's Content-Type."""
    boundary = secrets.token_hex(16).encode()  # random: file bytes cannot be made to look like it
    part_type = next((v for k, v in headers if k == b"content-type"), b"application/octet-stream")
    parts = tuple(
        Part(
            b"%s--%s\r\nContent-Type: %s\r\nContent-Range: bytes %d-%d/%d\r\n\r\n"
            % (b"\r\n" if index else b"", boundary, part_type, start, end - 1, size),
            start,
            end,
        )
        for index, (start, end) in enumerate(spans)
    )
    whole_type = (b"content-type", b"multipart/byteranges; boundary=" + boundary)
    headers = [(k, v) for k, v in headers if k != b"content-type"] + [whole_type]
    return StreamedParts(206, headers, key, parts, b"\r\n--%s--\r\n" % boundary, deployment)


async def deliver(
    storage: Storage, scope: Any, reply: Streamed | StreamedParts, send: Any
) -> tuple[int, int]:
    """Send `reply`; (status sent, body bytes sent)."""
    headers = [*reply.headers, (b"content-length", str(reply.length).encode())]
    if scope["method"] == "HEAD":
        await send_whole(send, reply.status, headers, b"")
        return reply.status, 0
    if isinstance(reply, StreamedParts):
        return await _stream(_multipart(storage, reply), reply, headers, send)
    root = storage.local_root
    if root is not None and reply.status != 206 and PATHSEND in (scope.get("extensions") or {}):
        return await _pathsend(root / check_key(reply.key), reply, headers, send)
    chunks = _chunks(storage, reply.key, reply.start, reply.end)
    return await _stream(chunks, reply, headers, send)


def _chunks(storage: Storage, key: str, start: int, end: int) -> AsyncIterator[bytes]:
    root = storage.local_root
    if root is not None:
        return stream_local(root, key, start, end, STREAM_CHUNK)
    return storage.stream(key, start, end, STREAM_CHUNK)


async def _multipart(storage: Storage, reply: StreamedParts) -> AsyncIterator[bytes]:
    for part in reply.parts:
        chunks = _chunks(storage, reply.key, part.start, part.end)
        # Read before the part's head goes out, so a storage failure on the first part
        # still comes before anything is sent (and is answered 503).
        first = await anext(chunks, b"")
        yield part.head
        yield first
        async for chunk in chunks:
            yield chunk
    yield reply.closing


async def _pathsend(path: Path, reply: Streamed, headers: Headers, send: Any) -> tuple[int, int]:
    try:
        size = (await asyncio.to_thread(path.stat)).st_size
    except OSError:
        size = -1
    if size != reply.end:  # missing, or not the file the manifest describes
        log.warning("stored file missing or of the wrong size: %s", reply.key)
        return await _fail(send)
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": PATHSEND, "path": str(path)})
    return reply.status, size


async def _stream(
    chunks: AsyncIterator[bytes], reply: Streamed | StreamedParts, headers: Headers, send: Any
) -> tuple[int, int]:
    try:
        first = await anext(chunks, b"")
    except StorageError:  # nothing sent yet: still time to say so
        log.warning("storage unavailable streaming %s", reply.key, exc_info=True)
        return await _fail(send)
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    sent = len(first)
    await send({"type": "http.response.body", "body": first, "more_body": True})
    async for chunk in chunks:
        sent += len(chunk)
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
    return reply.status, sent


async def _fail(send: Any) -> tuple[int, int]:
    failed = unavailable()
    await send_whole(send, failed.status, failed.headers, failed.body)
    return failed.status, len(failed.body)
