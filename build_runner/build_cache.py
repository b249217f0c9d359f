"""The package manager's download cache, kept per project under `cache/<project>/`.

Restored before install, saved after a successful build. A missing, broken or oversized
cache only costs time, so every problem here is logged and the build goes on.
"""

from __future__ import annotations

import asyncio
import io
import tarfile
from pathlib import Path

from build_runner.log import BuildLog
from services.core.storage import Storage, StorageError

MAX_CACHE_BYTES = 512 * 1024 * 1024
ARCHIVE_NAME = "packages.tar.gz"


def cache_key(project: str) -> str:
    return f"cache/{project}/{ARCHIVE_NAME}"


def _directory_size(root: Path) -> int:
    """Bytes of regular files under `root`; 0 when it is missing or empty."""
    if not root.is_dir():
        return 0
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _pack(root: Path) -> bytes:
    buffer = io.BytesIO()
    # Level 1: package tarballs are already compressed; speed matters more here.
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        for child in sorted(root.iterdir()):
            archive.add(child, arcname=child.name)
    return buffer.getvalue()


def _unpack(data: bytes, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        # The "data" filter refuses absolute paths, links out of `root` and device files.
        archive.extractall(root, filter="data")


async def restore_cache(storage: Storage, project: str, root: Path, log: BuildLog) -> bool:
    try:
        data = await storage.get_or_none(cache_key(project))
    except StorageError as exc:
        log.line("cache", f"cache not restored: {exc}")
        return False
    if data is None:
        log.line("cache", "no build cache yet for this project")
        return False
    try:
        await asyncio.to_thread(_unpack, data, root)
    except (tarfile.TarError, OSError, EOFError) as exc:
        log.line("cache", f"cache not restored, it is unreadable: {exc}")
        return False
    log.line("cache", f"restored the build cache ({len(data)} bytes)")
    return True


async def save_cache(storage: Storage, project: str, root: Path, log: BuildLog) -> bool:
    size = await asyncio.to_thread(_directory_size, root)
    if size == 0:
        log.line("cache", "nothing to cache")
        return False
    if size > MAX_CACHE_BYTES:
        log.line("cache", f"cache not saved: {size} bytes is over {MAX_CACHE_BYTES}")
        return False
    try:
        data = await asyncio.to_thread(_pack, root)
        await storage.put(cache_key(project), data, content_type="application/gzip")
    except (StorageError, OSError, tarfile.TarError) as exc:
        log.line("cache", f"cache not saved: {exc}")
        return False
    log.line("cache", f"saved the build cache ({len(data)} bytes)")
    return True
