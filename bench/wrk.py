"""Running wrk against one URL and reading what it reports."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from tests.proxy.server import pinned


@dataclass(frozen=True)
class WrkResult:
    requests_per_s: float
    p99_ms: float
    errors: int


def wrk(
    url: str,
    seconds: float,
    host: str,
    *,
    threads: int = 2,
    connections: int = 64,
    cpu: int | None = None,
) -> WrkResult:
    """One wrk run; `cpu` pins wrk to that CPU (`taskset`), so it never takes the server's."""
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{round(seconds)}s",
        "--latency",
        "-H",
        f"Host: {host}",
        url,
    ]
    argv = pinned(argv, None if cpu is None else str(cpu))
    return parse_wrk(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)


def parse_wrk(out: str) -> WrkResult:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if rate is None or p99 is None:
        raise RuntimeError(f"cannot read wrk output:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    failed = sum(int(n) for n in errors.groups()) if errors else 0
    return WrkResult(float(rate.group(1)), float(p99.group(1)) * scale, failed)
