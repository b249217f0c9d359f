from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from build_runner.build_cache import cache_key, restore_cache, save_cache
from build_runner.log import BuildLog
from services.core.storage import Storage

pytestmark = pytest.mark.anyio


async def test_saved_cache_is_restored(tmp_path: Path, s3_storage_url: str) -> None:
    storage = Storage(s3_storage_url)
    log = BuildLog(io.StringIO())
    first = tmp_path / "first"
    (first / "npm/_cacache").mkdir(parents=True)
    (first / "npm/_cacache/entry").write_bytes(b"tarball bytes")
    assert await save_cache(storage, "site", first, log, context="production")
    assert await storage.exists(cache_key("site", "production"))

    second = tmp_path / "second"
    assert await restore_cache(storage, "site", second, log, context="production")
    assert (second / "npm/_cacache/entry").read_bytes() == b"tarball bytes"
    assert not await restore_cache(storage, "other", tmp_path / "third", log, context="production")


async def test_hostile_archive_is_not_unpacked_outside(
    tmp_path: Path, local_storage_url: str
) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo("../escaped")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    storage = Storage(local_storage_url)
    await storage.put(cache_key("site", "production"), buffer.getvalue())
    stream = io.StringIO()
    restored = await restore_cache(
        storage, "site", tmp_path / "cache", BuildLog(stream), context="production"
    )
    assert not restored
    assert not (tmp_path / "escaped").exists()
    assert "cache not restored" in stream.getvalue()


async def test_empty_cache_is_not_saved(tmp_path: Path, local_storage_url: str) -> None:
    (tmp_path / "cache").mkdir()
    log = BuildLog(io.StringIO())
    assert not await save_cache(
        Storage(local_storage_url), "site", tmp_path / "cache", log, context="production"
    )
