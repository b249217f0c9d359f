"""The real proxy (`python -m services.proxy`) as a subprocess on a loopback port."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from tests.support.moto import free_port


@dataclass(frozen=True)
class RunningProxy:
    base_url: str
    port: int
    storage_url: str
    pid: int  # granian's main process; its children are the workers


def pinned(argv: list[str], cpus: str | None) -> list[str]:
    """`argv` run on those CPUs only (`taskset -c`, inherited by every process it forks)."""
    return ["taskset", "-c", cpus, *argv] if cpus else argv


@contextmanager
def proxy_process(
    storage_url: str, *, cpus: str | None = None, **settings: str
) -> Iterator[RunningProxy]:
    """`cpus` pins the server and its workers to those CPUs (`taskset -c`), for benchmarks."""
    port = free_port()
    env = {
        **os.environ,
        "SLIPWAY_STORAGE_URL": storage_url,
        "SLIPWAY_BIND": "127.0.0.1",
        "SLIPWAY_PROXY_PORT": str(port),
        "SLIPWAY_PROXY_WORKERS": "1",
        "SLIPWAY_PROXY_ACCESS_LOG": "false",
        "SLIPWAY_ROUTE_TTL": "0.2",
        **{f"SLIPWAY_{k.upper()}": v for k, v in settings.items()},
    }
    argv = [sys.executable, "-m", "services.proxy"]
    proc = subprocess.Popen(
        pinned(argv, cpus),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own process group, so workers are stopped with it; but the same session: Linux
        # shares CPU between sessions (autogroups) before threads, and a session of its own
        # would give the proxy half the CPU against a load generator, unlike nginx in a bench.
        process_group=0,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the proxy did not become healthy")
            time.sleep(0.1)
        yield RunningProxy(base_url=base_url, port=port, storage_url=storage_url, pid=proc.pid)
    finally:
        stop_group(proc)


def stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group; SIGKILL what is left after a few seconds."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:  # the whole group has ended already
        proc.wait()
        return
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return
    with contextlib.suppress(ProcessLookupError):  # workers that outlived the main process
        os.killpg(proc.pid, signal.SIGKILL)
