"""The proxy's workers respawn: a killed worker comes back while the others keep serving,
and only a worker that dies at once on every start makes the proxy give up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.proxy.poison_proxy import TRIES
from tests.proxy.server import RunningProxy, proxy_process, stop_group
from tests.support.moto import free_port
from tests.support.processes import alive, children, listeners, wait_for


def workers(proxy: RunningProxy, count: int, without: int = 0) -> list[int]:
    """Wait until the proxy has `count` workers, none of them `without`; return their pids."""

    def running() -> list[int] | None:
        pids = children(proxy.pid)
        serving = len(pids) == count and listeners(proxy.port) == count
        return pids if serving and without not in pids else None

    return wait_for(running, f"{count} workers listening, {without} not among them")


def healthy(proxy: RunningProxy) -> bool:
    # A new connection each time: a kept-alive one could belong to the killed worker.
    return httpx.get(f"{proxy.base_url}/healthz", timeout=5).status_code == 200


def test_a_killed_worker_is_respawned_while_the_others_keep_answering(
    local_storage_url: str,
) -> None:
    with proxy_process(local_storage_url, proxy_workers="2") as proxy:
        for _ in range(3):  # each kill also comes quickly after the last respawn
            before = workers(proxy, 2)
            os.kill(before[0], signal.SIGKILL)
            wait_for(lambda pid=before[0]: not alive(pid), "the killed worker gone")
            assert healthy(proxy)  # the other worker answers meanwhile
            after = workers(proxy, 2, without=before[0])
            assert before[1] in after
            assert alive(proxy.pid)
        assert all(healthy(proxy) for _ in range(10))


def test_sigterm_stops_the_proxy_and_every_worker(local_storage_url: str) -> None:
    with proxy_process(local_storage_url, proxy_workers="2") as proxy:
        pids = workers(proxy, 2)
        os.kill(proxy.pid, signal.SIGTERM)
        wait_for(lambda: not alive(proxy.pid), "the proxy stopped")
        wait_for(lambda: not any(alive(pid) for pid in pids), "every worker stopped")


def test_a_worker_that_dies_at_once_every_time_is_given_up(
    tmp_path: Path, local_storage_url: str
) -> None:
    count_file = tmp_path / "starts"
    env = {
        **os.environ,
        "SLIPWAY_STORAGE_URL": local_storage_url,
        "SLIPWAY_BIND": "127.0.0.1",
        "SLIPWAY_PROXY_PORT": str(free_port()),
        "SLIPWAY_PROXY_WORKERS": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.proxy.poison_proxy", str(count_file)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        process_group=0,
    )
    try:
        output, _ = proc.communicate(timeout=60)
    finally:
        stop_group(proc)
    given_up = [line for line in output.decode().splitlines() if "not restarting it" in line]
    assert proc.returncode == 1
    assert given_up == [
        f"[ERROR] proxy worker-1 exited {TRIES + 1} times in a row, each within 30 s of "
        "starting: not restarting it"
    ]
    assert count_file.read_text().count("started") == TRIES + 1
