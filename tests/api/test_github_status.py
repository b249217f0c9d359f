"""Commit statuses against a local HTTP server that speaks GitHub's statuses endpoint."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from services.api.app import create_app
from services.api.github_status import status_description
from tests.api.conftest import TOKEN, make_settings, post_webhook, push_payload
from tests.api.test_lifecycle import wait_for
from tests.support.gitrepo import GitRepo, node_site
from tests.support.moto import free_port

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


class FakeGitHub(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: FakeGitHub

    def do_POST(self) -> None:  # GitHub's POST /repos/{owner}/{repo}/statuses/{sha}
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), **body}
        )
        answer = json.dumps({"id": len(self.server.received), "state": body["state"]}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def run_build(tmp_path: Path, api_url: str, build: str) -> tuple[dict[str, Any], str]:
    repo = GitRepo(tmp_path / "repo")
    settings = make_settings(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        github_token="ghp_example",
        github_api_url=api_url,
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        await client.post(
            "/api/projects", json={"name": "site", "repo_url": repo.url, "github_repo": "acme/site"}
        )
        commit = repo.commit(node_site("hello", build))
        response = await post_webhook(client, push_payload(after=commit))
        [deployment_id] = response.json()["deployments"]
        final = await wait_for(client, deployment_id, ("ready", "failed"))
        await asyncio.sleep(0.5)  # let the last status leave before shutdown drains it
    return final, commit


async def test_pending_then_success(tmp_path: Path, github: FakeGitHub) -> None:
    final, commit = await run_build(tmp_path, f"http://127.0.0.1:{github.server_port}", "ok")
    assert final["status"] == "ready"
    states = [r["state"] for r in github.received]
    assert states == ["pending", "success"]
    last = github.received[-1]
    assert last["path"] == f"/repos/acme/site/statuses/{commit}"
    assert last["context"] == "slipway/site"
    assert last["auth"] == "Bearer ghp_example"
    assert last["target_url"].startswith("http://site-")


async def test_failure_is_reported(tmp_path: Path, github: FakeGitHub) -> None:
    final, _ = await run_build(tmp_path, f"http://127.0.0.1:{github.server_port}", "fail")
    assert final["status"] == "failed"
    assert [r["state"] for r in github.received] == ["pending", "failure"]
    # The cause, the same words as the deployment's error: step, command, its code, its output.
    assert final["error"] == "build: `npm run build` exited with code 3: boom"
    assert github.received[-1]["description"] == f"Build failed: {final['error']}"


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        pytest.param(None, "Build failed", id="no-detail"),
        pytest.param(
            "build: `make` exited with code 2",
            "Build failed: build: `make` exited with code 2",
            id="short",
        ),
        pytest.param("install: x\nthe hint", "Build failed: install: x", id="hint-left-out"),
        pytest.param("b" * 300, "Build failed: " + "b" * 125 + "…", id="cut-to-140"),
    ],
)
def test_the_description_is_the_error_cut_to_githubs_limit(
    detail: str | None, expected: str
) -> None:
    description = status_description("failed", detail)
    assert description == expected
    assert len(description) <= 140


async def test_unreachable_github_never_fails_a_build(tmp_path: Path) -> None:
    final, _ = await run_build(tmp_path, f"http://127.0.0.1:{free_port()}", "ok")
    assert final["status"] == "ready"
