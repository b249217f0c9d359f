"""The machine a benchmark runs on: what to call it in a report, and waiting until it is idle.

Other work on the same CPUs skews every figure, so each measurement waits for idle CPUs.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path


def machine() -> str:
    """E.g. "2 vCPU (AMD EPYC), Python 3.11.7"."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    return f"{os.cpu_count()} vCPU ({cpu}), Python {platform.python_version()}"


def cpu_idle_fraction(window: float = 1.0) -> float:
    """Share of all CPU time spent idle (or waiting on I/O) during the next `window` seconds."""
    before = _cpu_times()
    time.sleep(window)
    after = _cpu_times()
    spent = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(spent)
    return (spent[3] + spent[4]) / total if total else 1.0


class IdleGate:
    """Holds each measurement until the CPUs are idle enough, and remembers the worst start."""

    def __init__(self, min_idle: float = 0.9, timeout: float = 120.0) -> None:
        self.min_idle, self.timeout = min_idle, timeout
        self.lowest = 1.0  # the least idle reading any measurement started with

    def wait(self) -> None:
        deadline = time.monotonic() + self.timeout
        idle = cpu_idle_fraction()
        while idle < self.min_idle and time.monotonic() < deadline:
            print(f"waiting for an idle machine: {idle:.0%} idle", file=sys.stderr)
            idle = cpu_idle_fraction(2.0)
        self.lowest = min(self.lowest, idle)

    def describe(self) -> str:
        return f"each run started with the CPUs at least {self.lowest:.0%} idle"


def _cpu_times() -> list[int]:
    first = Path("/proc/stat").read_text().splitlines()[0]  # "cpu  user nice system idle iowait …"
    return [int(n) for n in first.split()[1:]]
