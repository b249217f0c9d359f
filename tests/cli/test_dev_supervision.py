"""`slipway dev` for real: its services restart on their own and never take each other down.

The whole platform runs as `python -m scripts.cli.main dev` (what `make dev` runs) on loopback
ports, a site is deployed through its api, and services are killed with real signals.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.cli.live import BUILD_COMMAND, site_repo
from tests.support.moto import free_port
from tests.support.processes import (
    alive,
    children,
    command_line,
    descendants,
    kill_all,
    wait_for,
    with_environment,
)

pytestmark = pytest.mark.slow

TOKEN = "dev-supervision-token-0123456789"


@dataclass
class Dev:
    runner: subprocess.Popen[bytes]
    log: Path
    api: httpx.Client
    proxy_url: str

    def service(self, module: str) -> int:
        """The pid of the service's main process (waits while it is being restarted)."""

        def running() -> int | None:
            found = [p for p in children(self.runner.pid) if module in command_line(p)]
            return found[0] if found else None

        return wait_for(running, f"{module} running")

    def api_healthy(self) -> bool:
        try:
            return self.api.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def site(self, host: str) -> httpx.Response:
        # A new connection each time, so no answer comes from a connection opened before.
        return httpx.get(f"{self.proxy_url}/", headers={"Host": host}, timeout=10)

    def site_status(self, host: str) -> int | None:
        """The status a site answers with; None while nothing listens."""
        try:
            return self.site(host).status_code
        except httpx.TransportError:
            return None


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[Dev]:
    data_dir = tmp_path / "data"
    proxy_port = free_port()
    env = {
        **os.environ,
        "SLIPWAY_DATA_DIR": str(data_dir),  # also marks every process of this test
        "SLIPWAY_BIND": "127.0.0.1",
        "SLIPWAY_API_PORT": str(free_port()),
        "SLIPWAY_PROXY_PORT": str(proxy_port),
        "SLIPWAY_API_TOKEN": TOKEN,
        "SLIPWAY_PROXY_WORKERS": "2",
        "SLIPWAY_PROXY_ACCESS_LOG": "false",
        "SLIPWAY_DISPATCH_INTERVAL": "0.2",
        "SLIPWAY_ROUTE_TTL": "0.2",
    }
    log = tmp_path / "dev.log"
    with log.open("wb") as out:
        runner = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli.main", "dev"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,  # a terminal's Ctrl-C goes to this group
        )
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{env['SLIPWAY_API_PORT']}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    running = Dev(runner, log, api, f"http://127.0.0.1:{proxy_port}")
    try:
        wait_for(running.api_healthy, "the api healthy", limit=60)
        yield running
    finally:
        api.close()
        kill_all([runner.pid, *with_environment(f"SLIPWAY_DATA_DIR={data_dir}")])
        runner.wait()


def deploy_site(dev: Dev, tmp_path: Path) -> str:
    """Deploys a one-page site through the api and returns its production host."""
    repo = site_repo(tmp_path / "site", title="kept serving")
    body = {"name": "kept", "repo_url": repo.url, "build_command": BUILD_COMMAND}
    assert dev.api.post("/api/projects", json=body).status_code == 201
    deployment = dev.api.post("/api/projects/kept/deployments", json={}).json()

    def finished() -> dict[str, str] | None:
        found: dict[str, str] = dev.api.get(f"/api/deployments/{deployment['id']}").json()
        return found if found["status"] in ("ready", "failed", "canceled") else None

    final = wait_for(finished, "the deployment finished", limit=120)
    assert final["status"] == "ready", final
    host = "kept.localhost"
    wait_for(lambda: dev.site_status(host) == 200, "the site served")
    return host


def test_sites_keep_serving_while_the_api_is_down_and_the_api_comes_back(
    dev: Dev, tmp_path: Path
) -> None:
    host = deploy_site(dev, tmp_path)
    proxy = dev.service("services.proxy")
    api = dev.service("services.api")
    # Pause the runner, so that the api stays down while the site is asked for.
    dev.runner.send_signal(signal.SIGSTOP)
    os.kill(api, signal.SIGKILL)
    wait_for(lambda: not dev.api_healthy(), "the api down")
    for _ in range(20):
        response = dev.site(host)
        assert response.status_code == 200
        assert "kept serving" in response.text
    dev.runner.send_signal(signal.SIGCONT)
    wait_for(dev.api_healthy, "the api back", limit=60)
    assert dev.service("services.api") != api
    assert dev.service("services.proxy") == proxy  # never stopped
    assert "the api service was killed by SIGKILL; restarting it" in dev.log.read_text()


def test_the_api_keeps_answering_while_the_proxy_is_killed_and_the_proxy_comes_back(
    dev: Dev,
) -> None:
    proxy = dev.service("services.proxy")
    workers = wait_for(lambda: len(kids := children(proxy)) == 2 and kids, "proxy workers")
    api = dev.service("services.api")
    os.kill(proxy, signal.SIGKILL)
    # The killed proxy's workers are not left serving on its port.
    wait_for(lambda: not any(alive(pid) for pid in workers), "the old workers gone")
    assert dev.api_healthy()
    restarted = wait_for(lambda: (pid := dev.service("services.proxy")) != proxy and pid, "proxy")
    wait_for(lambda: dev.site_status("nobody.localhost") == 404, "the proxy answering")
    assert dev.service("services.api") == api  # never stopped
    assert alive(restarted)
    assert "the proxy service was killed by SIGKILL; restarting it" in dev.log.read_text()


def test_ctrl_c_stops_everything_and_leaves_no_process(dev: Dev) -> None:
    dev.service("services.proxy")
    everything = wait_for(
        lambda: len(found := descendants(dev.runner.pid)) >= 4 and found,  # api, proxy, workers
        "every process started",
    )
    os.killpg(dev.runner.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    assert dev.runner.wait(timeout=60) == 0
    assert [pid for pid in everything if alive(pid)] == []
