"""Streaming files of a `file://` store straight from disk.

obstore's local streams run at a fraction of what the page cache gives (measured about
0.4 GB/s against 17 GB/s on the same file); for a local store the proxy reads the file
itself. S3 objects always stream through obstore.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

from services.core.storage import ObjectNotFound, StorageError, check_key


async def stream_local(
    root: Path, key: str, start: int, end: int, chunk_size: int
) -> AsyncIterator[bytes]:
    """Bytes [start, end) of `root/key`, in chunks read off the event loop."""
    path = root / check_key(key)  # check_key refuses `..`, absolute and empty segments
    try:
        handle = await asyncio.to_thread(open, path, "rb")
    except FileNotFoundError:
        raise ObjectNotFound(key) from None
    except OSError as exc:
        raise StorageError(f"could not read {key}: {exc}") from exc
    try:
        position = start
        while position < end:
            size = min(chunk_size, end - position)
            data = await asyncio.to_thread(os.pread, handle.fileno(), size, position)
            if not data:
                raise StorageError(f"{key} is shorter than its manifest says")
            position += len(data)
            yield data
    finally:
        handle.close()
