"""What a server's processes use: resident memory and CPU time, over the whole process tree."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """A process and all its descendants (granian's workers, nginx's)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants."""
    total = 0
    for member in tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if found := re.search(r"VmRSS:\s+(\d+)", status):
            total += int(found.group(1))
    return total / 1024


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU time used so far by a process and its living descendants."""
    total = 0
    for member in tree(pid):
        try:
            stat = Path(f"/proc/{member}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


class PeakMemory(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.25):
            self.peak = max(self.peak, tree_rss_mb(self.pid))
