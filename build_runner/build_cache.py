"""The package manager's download cache, kept per project and trust level under `cache/<project>/`.

Restored before install, saved after a successful build. A missing, broken or oversized
cache only costs time, so every problem here is logged and the build goes on.

Two trust levels never share a cache: production builds keep `cache/<project>/production/`,
every other deploy context (previews, branches, pull requests; and a build that was not told
its context) `cache/<project>/preview/`. So a preview build cannot plant files that a
production build, which sees production secrets, restores.

The cache directory was the build's to write: it is packed through `build_runner.confined`
(no link followed, only regular files, directories and links that stay inside it), and it is
restored only into a directory the runner creates itself, never into one that is there.
"""

from __future__ import annotations

import asyncio
import io
import os
import posixpath
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path

from build_runner.cache_archive import extract
from build_runner.confined import Missing, Parts, Refused, Root
from build_runner.log import BuildLog
from services.core.build_protocol import cache_prefix, trust_level
from services.core.runner_inputs import DeployContext
from services.core.storage import Storage, StorageError

MAX_CACHE_BYTES = 512 * 1024 * 1024
ARCHIVE_NAME = "packages.tar.gz"


def cache_key(project: str, context: DeployContext | None) -> str:
    return f"{cache_prefix(project, context)}{ARCHIVE_NAME}"


@dataclass(frozen=True)
class _Member:
    parts: Parts
    stat: os.stat_result
    link: str | None = None  # a symlink's text


def _scan(root: Root, log: BuildLog) -> list[_Member]:
    """What may be cached: directories, regular files and links that stay inside the cache."""
    members: list[_Member] = []
    stack: list[Parts] = [()]
    while stack:
        parts = stack.pop()
        for name, st in root.entries(parts)[1]:
            member = (*parts, name)
            rel = "/".join(member)
            if stat.S_ISDIR(st.st_mode):
                members.append(_Member(member, st))
                stack.append(member)
            elif stat.S_ISREG(st.st_mode):
                members.append(_Member(member, st))
            elif stat.S_ISLNK(st.st_mode):
                text = root.readlink(member)
                if _stays_inside(parts, text):
                    members.append(_Member(member, st, text))
                else:
                    log.line("cache", f"not cached: {rel}, a symlink that leaves the cache")
            else:
                log.line("cache", f"not cached: {rel}, not a regular file")
    return members


def _stays_inside(parts: Parts, text: str) -> bool:
    """Whether a link's text, read from the directory `parts`, names a path in the cache."""
    if text.startswith("/"):
        return False
    joined = posixpath.normpath(posixpath.join(*parts, text) if parts else text)
    return joined != ".." and not joined.startswith("../")


def _pack(root: Root, members: list[_Member]) -> bytes:
    buffer = io.BytesIO()
    # Level 1: package tarballs are already compressed; speed matters more here.
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as archive:
        for member in members:
            info = tarfile.TarInfo("/".join(member.parts))
            info.mode = stat.S_IMODE(member.stat.st_mode)
            info.mtime = int(member.stat.st_mtime)
            if member.link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, member.link
                archive.addfile(info)
            elif stat.S_ISDIR(member.stat.st_mode):
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:  # the bytes come from the descriptor checked to be this regular file
                fd = root.open_file(member.parts)
                with open(fd, "rb") as handle:
                    info.size = os.fstat(fd).st_size
                    archive.addfile(info, handle)
    return buffer.getvalue()


def _save(path: Path, log: BuildLog) -> bytes | None:
    """The cache packed, or None (logged) when there is nothing to save."""
    try:
        with Root(path, "cache directory") as root:
            members = _scan(root, log)
            size = sum(m.stat.st_size for m in members if stat.S_ISREG(m.stat.st_mode))
            if size == 0:
                log.line("cache", "nothing to cache")
                return None
            if size > MAX_CACHE_BYTES:
                log.line("cache", f"cache not saved: {size} bytes is over {MAX_CACHE_BYTES}")
                return None
            return _pack(root, members)
    except Missing:
        log.line("cache", "nothing to cache")
        return None


def _unpack(data: bytes, path: Path) -> None:
    # A directory the runner makes now: something already there (a link, say) is not written
    # through. mkdir does not follow a link in the last place, and its parent is opened from /.
    with Root(path.parent, "workspace") as parent:
        os.mkdir(path.name, 0o755, dir_fd=parent.fd)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        # Refuses links out of `path`, device files and the like, on every Python 3.11.
        extract(archive, path)


async def restore_cache(
    storage: Storage, project: str, root: Path, log: BuildLog, *, context: DeployContext | None
) -> bool:
    level = trust_level(context)
    try:
        data = await storage.get_or_none(cache_key(project, context))
    except StorageError as exc:
        log.line("cache", f"cache not restored: {exc}")
        return False
    if data is None:
        log.line("cache", f"no build cache yet for this project's {level} builds")
        return False
    try:
        await asyncio.to_thread(_unpack, data, root)
    except FileExistsError:
        log.line("cache", "cache not restored: the cache directory exists already")
        return False
    except (tarfile.TarError, OSError, EOFError, Refused) as exc:
        log.line("cache", f"cache not restored, it is unreadable: {exc}")
        return False
    log.line("cache", f"restored the build cache of {level} builds ({len(data)} bytes)")
    return True


async def save_cache(
    storage: Storage, project: str, root: Path, log: BuildLog, *, context: DeployContext | None
) -> bool:
    try:
        data = await asyncio.to_thread(_save, root, log)
        if data is None:
            return False
        await storage.put(cache_key(project, context), data, content_type="application/gzip")
    except (StorageError, OSError, tarfile.TarError, Refused) as exc:
        log.line("cache", f"cache not saved: {exc}")
        return False
    log.line("cache", f"saved the build cache of {trust_level(context)} builds ({len(data)} bytes)")
    return True
