from __future__ import annotations

from pathlib import Path

import pytest

from services.core.storage import InvalidKey, ObjectNotFound, StorageError
from services.proxy.local_files import stream_local

pytestmark = pytest.mark.anyio

DATA = bytes(range(256)) * 1000


async def collect(root: Path, key: str, start: int, end: int) -> list[bytes]:
    return [chunk async for chunk in stream_local(root, key, start, end, 1000)]


async def test_streams_the_asked_bytes_in_chunks(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.bin").write_bytes(DATA)
    chunks = await collect(tmp_path, "d/f.bin", 0, len(DATA))
    assert b"".join(chunks) == DATA
    assert max(len(c) for c in chunks) == 1000
    assert b"".join(await collect(tmp_path, "d/f.bin", 1500, 4321)) == DATA[1500:4321]


async def test_missing_short_and_hostile_keys(tmp_path: Path) -> None:
    (tmp_path / "short.bin").write_bytes(b"abc")
    with pytest.raises(ObjectNotFound):
        await collect(tmp_path, "missing.bin", 0, 10)
    with pytest.raises(StorageError, match="shorter"):
        await collect(tmp_path, "short.bin", 0, 10)
    with pytest.raises(InvalidKey):
        await collect(tmp_path, "../short.bin", 0, 3)
