"""Sending a large file: by path through the server, or in chunks from storage.

Files over the in-memory size are never held whole. A whole file of a local store is handed
to the server by path (the ASGI `http.response.pathsend` extension, which granian provides),
so no byte passes through Python; ranges and S3 objects are streamed in chunks.
"""

from __future__ import annotations

import asyncio
import logging
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


async def deliver(storage: Storage, scope: Any, reply: Streamed, send: Any) -> tuple[int, int]:
    """Send `reply`; (status sent, body bytes sent)."""
    headers = [*reply.headers, (b"content-length", str(reply.end - reply.start).encode())]
    if scope["method"] == "HEAD":
        await send_whole(send, reply.status, headers, b"")
        return reply.status, 0
    root = storage.local_root
    if root is not None and reply.status != 206 and PATHSEND in (scope.get("extensions") or {}):
        return await _pathsend(root / check_key(reply.key), reply, headers, send)
    if root is not None:
        chunks = stream_local(root, reply.key, reply.start, reply.end, STREAM_CHUNK)
    else:
        chunks = storage.stream(reply.key, reply.start, reply.end, STREAM_CHUNK)
    return await _stream(chunks, reply, headers, send)


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
    chunks: AsyncIterator[bytes], reply: Streamed, headers: Headers, send: Any
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
