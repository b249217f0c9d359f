"""Looking at real processes from tests: children, liveness, listening sockets, and waiting
for an outcome."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (none once it is gone)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:  # the process or thread ended meanwhile
            continue
    return [child for child in found if alive(child)]


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (ended, not yet reaped) counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def descendants(pid: int) -> list[int]:
    found = children(pid)
    for child in list(found):
        found += descendants(child)
    return found


def with_environment(entry: str) -> list[int]:
    """Processes whose environment holds `entry` ("NAME=value"): a test's own, wherever
    they were reparented after their parent died."""
    wanted = entry.encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if wanted in environ.read_bytes().split(b"\0"):
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return [pid for pid in found if alive(pid)]


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def listeners(port: int) -> int:
    """How many sockets listen on TCP `port` (granian workers each bind their own)."""
    local = f":{port:04X} "
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            count += (fields[1] + " ").endswith(local) and fields[3] == "0A"  # 0A: LISTEN
    return count


def wait_for(outcome: Callable[[], T | None], what: str, limit: float = 30) -> T:
    """Poll until `outcome()` is truthy and return it; `limit` is a safety net, not a timing."""
    deadline = time.monotonic() + limit
    while True:
        value = outcome()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)
