"""The real platform as processes on loopback: `python -m services.api` and `services.proxy`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from services.core.deployment_states import FINAL
from tests.support.moto import free_port

TOKEN = "e2e-token-0123456789"
SECRET = "e2e-secret"


class Platform:
    def __init__(self, root: Path, **settings: str) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.api_port = free_port()
        self.proxy_port = free_port()
        self.env = {
            **os.environ,
            "SLIPWAY_DATA_DIR": str(root / "data"),
            "SLIPWAY_API_PORT": str(self.api_port),
            "SLIPWAY_PROXY_PORT": str(self.proxy_port),
            "SLIPWAY_API_TOKEN": TOKEN,
            "SLIPWAY_GITHUB_WEBHOOK_SECRET": SECRET,
            "SLIPWAY_DISPATCH_INTERVAL": "0.2",
            "SLIPWAY_ROUTE_TTL": "0.2",
            "SLIPWAY_PROXY_WORKERS": "1",
            **settings,
        }
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.api = httpx.Client(
            base_url=f"http://127.0.0.1:{self.api_port}",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        self.proxy = httpx.Client(base_url=f"http://127.0.0.1:{self.proxy_port}", timeout=30)

    # -- processes -------------------------------------------------------------------------

    def start(self, name: str) -> None:
        module = {"api": "services.api", "proxy": "services.proxy"}[name]
        with (self.root / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", module], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        client = self.api if name == "api" else self.proxy
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start:\n{self.service_log(name)}")
            time.sleep(0.1)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.processes.pop(name)
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def stop(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)
        self.api.close()
        self.proxy.close()

    def service_log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-5000:] if path.exists() else ""

    # -- api -------------------------------------------------------------------------------

    def create_project(self, name: str, repo_url: str, **fields: Any) -> dict[str, Any]:
        body = {"name": name, "repo_url": repo_url, "github_repo": f"acme/{name}", **fields}
        response = self.api.post("/api/projects", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def push(
        self,
        project: str,
        commit: str,
        branch: str = "main",
        delivery: str | None = None,
        signature: str | None = None,
        message: str = "change",
        deleted: bool = False,
    ) -> httpx.Response:
        import hashlib
        import hmac

        body = json.dumps(
            {
                "ref": f"refs/heads/{branch}",
                "after": commit,
                "deleted": deleted,
                "repository": {"full_name": f"acme/{project}"},
                "head_commit": {"id": commit, "message": message},
            }
        ).encode()
        if signature is None:
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "Content-Type": "application/json",
        }
        if signature:
            headers["X-Hub-Signature-256"] = signature
        return self.api.post("/webhooks/github", content=body, headers=headers)

    def deployment(self, deployment_id: str) -> dict[str, Any]:
        response = self.api.get(f"/api/deployments/{deployment_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def deployments(self, project: str) -> list[dict[str, Any]]:
        return list(self.api.get(f"/api/projects/{project}/deployments").json())

    def wait_final(self, deployment_id: str, limit: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            d = self.deployment(deployment_id)
            if d["status"] in FINAL:
                return d
            time.sleep(0.2)
        raise AssertionError(f"{deployment_id} did not finish: {self.deployment(deployment_id)}")

    def wait_status(self, deployment_id: str, status: str, limit: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            d = self.deployment(deployment_id)
            if d["status"] == status:
                return d
            time.sleep(0.1)
        raise AssertionError(
            f"{deployment_id} never became {status}: {self.deployment(deployment_id)}"
        )

    # -- proxy -----------------------------------------------------------------------------

    def site(self, host: str, path: str = "/") -> httpx.Response:
        return self.proxy.get(path, headers={"Host": host})

    def site_eventually(
        self, host: str, expected: str, path: str = "/", limit: float = 10
    ) -> httpx.Response:
        """The proxy caches routes for a short TTL: poll until the new content shows."""
        deadline = time.monotonic() + limit
        response = self.site(host, path)
        while expected not in response.text and time.monotonic() < deadline:
            time.sleep(0.1)
            response = self.site(host, path)
        return response


@contextmanager
def running_platform(root: Path, **settings: str) -> Iterator[Platform]:
    """The api and the proxy as processes on loopback ports, with these SLIPWAY_* settings."""
    p = Platform(root, **settings)
    p.start("api")
    p.start("proxy")
    try:
        yield p
    finally:
        p.stop()
