"""Stop a command whose workspace outgrows its limit, or that is filling the host's disk.

A build writes only inside its workspace (bubblewrap mounts nothing else writable), so the
workspace's size is its footprint. It is measured by a bounded walk every few seconds:
blocks actually allocated (sparse files count for what they use), each inode once (hard
links), links never followed. The file system's free space has a floor too, so that
several builds together cannot fill the disk the deployments and the database live on.
"""

from __future__ import annotations

import asyncio
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from build_runner.errors import BuildFailure
from services.core.build_protocol import EXIT_BUILD

CHECK_EVERY_SECONDS = 3.0
# Free space below which a running build is stopped: the platform needs room to go on.
MIN_FREE_BYTES = 512 * 1024 * 1024


class LimitReached(BuildFailure):
    """A command went past one of the build's limits; the message names the limit."""

    def __init__(self, message: str) -> None:
        super().__init__(EXIT_BUILD, message)


@dataclass(frozen=True)
class DiskLimits:
    max_workspace_bytes: int
    min_free_bytes: int = MIN_FREE_BYTES


def used_bytes(root: Path) -> int:
    """Bytes allocated under `root`, each inode counted once, no link followed."""
    seen: set[tuple[int, int]] = set()
    total = 0
    stack = [str(root)]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:  # removed or made unreadable while walking: counted next time
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            total += info.st_blocks * 512
            if stat.S_ISDIR(info.st_mode):
                stack.append(entry.path)
    return total


def over_limit(root: Path, limits: DiskLimits) -> str | None:
    """Why the command must stop now, or None."""
    free = os.statvfs(root)
    if free.f_bavail * free.f_frsize < limits.min_free_bytes:
        return (
            f"the disk is almost full (less than {limits.min_free_bytes} bytes free); "
            "the build was stopped to protect the platform"
        )
    used = used_bytes(root)
    if used > limits.max_workspace_bytes:
        return (
            f"the build used {used} bytes of disk, over its limit of "
            f"{limits.max_workspace_bytes} bytes (SLIPWAY_BUILD_MAX_DISK_BYTES)"
        )
    return None


async def watch(root: Path, limits: DiskLimits) -> str:
    """Return, only when it happens, the reason the command must stop."""
    while True:
        reason = await asyncio.to_thread(over_limit, root, limits)
        if reason is not None:
            return reason
        await asyncio.sleep(CHECK_EVERY_SECONDS)
