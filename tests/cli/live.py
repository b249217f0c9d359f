"""The api service running for real on a loopback port, and git repositories to deploy.

Shared by the CLI and dashboard tests: uvicorn serves `create_app(settings)` in a thread,
with its dispatcher and the local builder, so deployments run real `python -m build_runner`
builds of `file://` repositories.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from services.api.app import create_app
from services.core.settings import Settings
from tests.api.conftest import TOKEN, make_settings, sign
from tests.support.gitrepo import GitRepo
from tests.support.shared_files import path_for_builds

# A build that prints a line, then (when the project sets GATE) waits for that file to exist
# before finishing: tests open the gate once they have seen the first line arrive live.
BUILD_SCRIPT = """\
echo "build step one: $(cat title.txt)"
if [ -n "$GATE" ]; then
  i=0
  while [ ! -e "$GATE" ]; do
    i=$((i+1)); if [ $i -gt 1200 ]; then echo "gate never opened"; exit 1; fi
    sleep 0.05
  done
fi
if [ -e fail.txt ]; then echo "error: the site does not build"; exit 1; fi
echo "build step two"
mkdir -p dist
echo "<h1>$(cat title.txt)</h1>" > dist/index.html
"""
BUILD_COMMAND = "sh build.sh"


@dataclass
class LiveApi:
    url: str
    settings: Settings
    token: str = TOKEN

    def client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=30
        )

    def deliver(
        self, event: str, payload: dict[str, Any], delivery: str, signature: str | None = None
    ) -> httpx.Response:
        """A webhook delivery, signed with the platform's secret unless `signature` is given."""
        body = json.dumps(payload).encode()
        headers = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery,
            "X-Hub-Signature-256": signature or sign(body),
            "Content-Type": "application/json",
        }
        with self.client() as c:
            return c.post("/webhooks/github", content=body, headers=headers)

    def wait_for(self, deployment_id: str, statuses: tuple[str, ...], limit: float = 60) -> dict:  # type: ignore[type-arg]
        """Poll until the deployment has one of `statuses` (a safety limit, not an assertion)."""
        deadline = time.monotonic() + limit
        with self.client() as c:
            while True:
                d = c.get(f"/api/deployments/{deployment_id}").json()
                if d["status"] in statuses or time.monotonic() > deadline:
                    return d  # type: ignore[no-any-return]
                time.sleep(0.1)

    def wait_for_production(
        self, project: str, deployment_id: str, limit: float = 30
    ) -> str | None:
        """Poll until `deployment_id` is the project's production deployment; returns it."""
        deadline = time.monotonic() + limit
        with self.client() as c:
            while True:
                current = c.get(f"/api/projects/{project}").json()["production_deployment"]
                found = current["id"] if current else None
                if found == deployment_id or time.monotonic() > deadline:
                    return found  # type: ignore[no-any-return]
                time.sleep(0.1)


@contextmanager
def live_api(tmp: Path, **overrides: object) -> Iterator[LiveApi]:
    overrides = {"check_repositories": True, **overrides}  # every site here is a real repository
    settings = make_settings(tmp, f"sqlite+aiosqlite:///{tmp / 'slipway.db'}", **overrides)
    app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the api server did not start")
        time.sleep(0.02)
    try:
        yield LiveApi(f"http://127.0.0.1:{port}", settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def site_repo(path: Path, title: str = "first") -> GitRepo:
    repo = GitRepo(path)
    repo.commit({"build.sh": BUILD_SCRIPT, "title.txt": title}, message=f"site: {title}")
    return repo


@dataclass
class Site:
    """A project whose builds, when gated, wait for the file `gate` to exist."""

    name: str
    repo: GitRepo
    gate: Path

    def open_gate(self) -> None:
        self.gate.touch()

    def close_gate(self) -> None:
        self.gate.unlink(missing_ok=True)


def create_site(api: LiveApi, tmp: Path, prefix: str, gated: bool, **settings: object) -> Site:
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    repo = site_repo(tmp / name)
    gate = path_for_builds(f"{name}.gate")
    body: dict[str, object] = {
        "name": name,
        "repo_url": repo.url,
        "build_command": BUILD_COMMAND,
        **settings,
    }
    if gated:
        body["env"] = {"GATE": str(gate)}
    with api.client() as c:
        response = c.post("/api/projects", json=body)
        assert response.status_code == 201, response.text
    return Site(name, repo, gate)


# An install step that fills the package manager's cache, as a real one would.
INSTALL_SCRIPT = 'mkdir -p "$npm_config_cache" && echo downloaded > "$npm_config_cache/marker"\n'


def cached_site(api: LiveApi, tmp: Path, name: str) -> None:
    """A project whose install step fills the package manager's cache, so builds save one."""
    repo = site_repo(tmp / f"repo-{uuid.uuid4().hex[:6]}")
    repo.commit(
        {"package.json": '{"name": "site", "version": "1.0.0"}', "install.sh": INSTALL_SCRIPT}
    )
    body = {
        "name": name,
        "repo_url": repo.url,
        "install_command": "sh install.sh",
        "build_command": BUILD_COMMAND,
    }
    with api.client() as c:
        response = c.post("/api/projects", json=body)
        assert response.status_code == 201, response.text
