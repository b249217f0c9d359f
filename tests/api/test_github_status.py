"""Commit statuses against a local HTTP server that speaks GitHub's statuses endpoint."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
    """GitHub's statuses endpoint, and a pull request's comments (list, create, edit)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []  # commit statuses
        self.comments: dict[int, dict[str, Any]] = {}  # id -> {"issue", "body"}
        self.comment_calls: list[str] = []  # "POST 4", "PATCH 1", ...
        super().__init__(("127.0.0.1", 0), _Handler)


_COMMENTS = re.compile(r"^/repos/acme/site/issues/(\d+)/comments(\?.*)?$")
_COMMENT = re.compile(r"^/repos/acme/site/issues/comments/(\d+)$")


class _Handler(BaseHTTPRequestHandler):
    server: FakeGitHub

    def _answer(self, status: int, value: object) -> None:
        answer = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def _body(self) -> dict[str, Any]:
        return dict(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

    def do_GET(self) -> None:  # GET /repos/{owner}/{repo}/issues/{n}/comments
        match = _COMMENTS.match(self.path)
        assert match, self.path
        issue = int(match[1])
        page = int(parse_qs(urlsplit(self.path).query).get("page", ["1"])[0])
        mine = [
            {"id": i, "body": c["body"]}
            for i, c in sorted(self.server.comments.items())
            if c["issue"] == issue
        ]
        self._answer(200, mine[(page - 1) * 100 : page * 100])

    def do_POST(self) -> None:
        body = self._body()
        if match := _COMMENTS.match(self.path):
            comment_id = len(self.server.comments) + 1
            self.server.comments[comment_id] = {"issue": int(match[1]), "body": body["body"]}
            self.server.comment_calls.append(f"POST {match[1]}")
            self._answer(201, {"id": comment_id})
            return
        # GitHub's POST /repos/{owner}/{repo}/statuses/{sha}
        self.server.received.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), **body}
        )
        self._answer(201, {"id": len(self.server.received), "state": body["state"]})

    def do_PATCH(self) -> None:  # PATCH /repos/{owner}/{repo}/issues/comments/{id}
        match = _COMMENT.match(self.path)
        assert match, self.path
        self.server.comments[int(match[1])]["body"] = self._body()["body"]
        self.server.comment_calls.append(f"PATCH {match[1]}")
        self._answer(200, {"id": int(match[1])})

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


def pull_request_event(number: int, commit: str, action: str) -> dict[str, Any]:
    return {
        "action": action,
        "number": number,
        "repository": {"full_name": "acme/site"},
        "pull_request": {
            "title": "Feature",
            "head": {"sha": commit, "ref": "feature", "repo": {"full_name": "acme/site"}},
            "base": {"ref": "main", "repo": {"full_name": "acme/site"}},
        },
    }


async def test_a_pull_request_gets_one_comment_kept_up_to_date(
    tmp_path: Path, github: FakeGitHub
) -> None:
    # Somebody else's comment is on the pull request already, and is never touched.
    github.comments[1] = {"issue": 4, "body": "Looks good to me"}
    repo = GitRepo(tmp_path / "repo")
    settings = make_settings(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        github_token="ghp_example",
        github_api_url=f"http://127.0.0.1:{github.server_port}",
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        await client.post(
            "/api/projects", json={"name": "site", "repo_url": repo.url, "github_repo": "acme/site"}
        )
        repo.checkout("feature", create=True)
        bodies = []
        for title, build, action in (("one", "ok", "opened"), ("two", "fail", "synchronize")):
            commit = repo.commit(node_site(title, build))
            answer = await post_webhook(
                client, pull_request_event(4, commit, action), event="pull_request"
            )
            [deployment_id] = answer.json()["deployments"]
            await wait_for(client, deployment_id, ("ready", "failed"))
            await asyncio.sleep(0.5)  # the comment leaves in the background
            ours = [c["body"] for i, c in github.comments.items() if i != 1]
            bodies.append(ours)
    assert github.comments[1]["body"] == "Looks good to me"
    # One comment, written once and then edited (building, then ready; then again).
    assert github.comment_calls[0] == "POST 4"
    assert set(github.comment_calls[1:]) == {"PATCH 2"}
    first, second = bodies
    assert len(first) == len(second) == 1
    assert first[0].startswith("<!-- slipway:site -->")
    assert "✅ Ready" in first[0]
    assert "http://site-pr-4.localhost" in first[0]
    assert "❌ Failed" in second[0]
    assert "`build: 'npm run build' exited with code 3: boom`" in second[0]
