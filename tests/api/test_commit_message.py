"""A deployment of a branch records its commit's subject, whoever asked for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from services.api.app import create_app
from services.core.commit_line import commit_message, read_commit_line
from tests.api.conftest import TOKEN, make_settings, wait_for
from tests.support.gitrepo import GitRepo, node_site

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_a_deploy_by_hand_records_the_subject_of_what_it_built(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit(node_site("hello"), message="Add the handbook\n\nWith a body that stays out.")
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        await client.post("/api/projects", json={"name": "site", "repo_url": repo.url})
        started = await client.post("/api/projects/site/deployments", json={})
        final = await wait_for(client, started.json()["id"])
    assert final["status"] == "ready", final
    assert final["commit"] == repo.git("rev-parse", "HEAD")
    assert final["commit_message"] == "Add the handbook"


def test_only_the_runners_line_counts_and_it_is_one_short_line() -> None:
    sha = "a" * 40
    line = f"2026-12-04T10:00:00.000Z commit  | {commit_message(sha, 'x' * 500 + chr(7))}"
    found = read_commit_line(line)
    assert found is not None
    assert found[0] == sha
    assert found[1] == "x" * 200
    forged = f"2026-12-04T10:00:00.000Z build   | commit  | {commit_message(sha, 'forged')}"
    assert read_commit_line(forged) is None
    assert read_commit_line("2026-12-04T10:00:00.000Z commit  | not json") is None
