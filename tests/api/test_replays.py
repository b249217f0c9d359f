"""Replays: a signed push that does not advance its branch is recorded, not built."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.api.conftest import post_webhook, push_payload

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]
ZERO = "0" * 40
A, B, C = "a" * 40, "b" * 40, "c" * 40


@pytest.fixture
async def project(client: Client) -> Client:
    body = {"name": "site", "repo_url": "https://github.com/acme/site"}
    assert (await client.post("/api/projects", json=body)).status_code == 201
    return client


def push(before: str, after: str, branch: str = "main", **extra: Any) -> dict[str, Any]:
    return push_payload(branch=branch, after=after, before=before, **extra)


async def send(client: Client, payload: dict[str, Any]) -> tuple[int, str]:
    response = await post_webhook(client, payload)
    return response.status_code, response.json()["status"]


async def commits(client: Client) -> list[str]:
    listed = (await client.get("/api/projects/site/deployments")).json()
    return [d["commit"] for d in reversed(listed)]


async def test_an_old_push_sent_again_is_a_replay(project: Client) -> None:
    first, second = push(ZERO, A), push(A, B)
    assert await send(project, first) == (202, "queued")
    assert await send(project, second) == (202, "queued")
    response = await post_webhook(project, first)  # the same body, a new delivery id
    assert (response.status_code, response.json()["status"]) == (200, "replay")
    assert "a replay" in response.json()["message"]
    assert await send(project, second) == (200, "replay")  # the latest one, again
    assert await commits(project) == [A, B]


async def test_a_late_delivery_of_an_older_push_is_a_replay(project: Client) -> None:
    """The branch already moved past its head commit: building it would go back."""
    assert await send(project, push(A, B)) == (202, "queued")
    assert await send(project, push(B, C)) == (202, "queued")
    assert await send(project, push(ZERO, A)) == (200, "replay")
    assert await commits(project) == [B, C]


async def test_a_force_push_back_to_an_earlier_commit_is_built(project: Client) -> None:
    """It starts from where the branch is: a deliberate move, not a replay."""
    assert await send(project, push(ZERO, A)) == (202, "queued")
    assert await send(project, push(A, B)) == (202, "queued")
    assert await send(project, push(B, A, forced=True)) == (202, "queued")
    assert await commits(project) == [A, B, A]


async def test_a_push_after_a_lost_delivery_is_built(project: Client) -> None:
    assert await send(project, push(ZERO, A)) == (202, "queued")
    # A → B was never delivered.
    assert await send(project, push(B, C)) == (202, "queued")
    assert await commits(project) == [A, C]


async def test_a_payload_without_before_is_judged_by_its_head(project: Client) -> None:
    no_before = push_payload(after=A)
    del no_before["before"]
    assert await send(project, no_before) == (202, "queued")
    assert await send(project, no_before) == (200, "replay")


async def test_branches_are_judged_apart(project: Client) -> None:
    assert await send(project, push(ZERO, A, branch="main")) == (202, "queued")
    assert await send(project, push(ZERO, A, branch="other")) == (202, "queued")


async def test_a_deleted_branch_may_come_back_at_an_old_commit(project: Client) -> None:
    assert await send(project, push(ZERO, A, branch="f")) == (202, "queued")
    assert await send(project, push(A, B, branch="f")) == (202, "queued")
    deletion = push(B, ZERO, branch="f", deleted=True)
    assert await send(project, deletion) == (202, "ok")
    assert await send(project, push(ZERO, A, branch="f")) == (202, "queued")
    # The old deletion sent again would remove the branch's host: a replay too.
    assert await send(project, deletion) == (200, "replay")
    assert await commits(project) == [A, B, A]


async def test_a_replay_of_a_skipped_push_is_still_a_replay(project: Client) -> None:
    skipped = push(ZERO, A, message="docs [skip ci]")
    assert await send(project, skipped) == (202, "skipped")
    assert await send(project, skipped) == (200, "replay")
