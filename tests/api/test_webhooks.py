from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest
from litestar.testing import AsyncTestClient

from services.api.app import create_app
from tests.api.conftest import SECRET, post_webhook, push_payload, sign

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]


async def create_project(client: Client, name: str = "site", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "repo_url": "https://github.com/acme/site", **fields}
    response = await client.post("/api/projects", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def deployments(client: Client, name: str = "site") -> list[dict[str, Any]]:
    response = await client.get(f"/api/projects/{name}/deployments")
    assert response.status_code == 200
    return list(response.json())


async def test_push_creates_one_deployment_per_matching_project(client: Client) -> None:
    await create_project(client, "site")
    await create_project(client, "docs", root_dir="docs")
    await create_project(client, "other", repo_url="https://github.com/acme/other")
    response = await post_webhook(client, push_payload(after="b" * 40))
    assert response.status_code == 202
    assert len(response.json()["deployments"]) == 2
    for name in ("site", "docs"):
        [d] = await deployments(client, name)
        assert (d["status"], d["commit"], d["ref"], d["trigger"]) == (
            "queued",
            "b" * 40,
            "main",
            "push",
        )
    assert await deployments(client, "other") == []


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(None, id="missing"),
        pytest.param("sha256=" + "0" * 64, id="wrong"),
        pytest.param("sha1=abc", id="other-algorithm"),
        pytest.param("", id="empty"),
    ],
)
async def test_bad_signature_is_401_and_records_nothing(
    client: Client, signature: str | None
) -> None:
    await create_project(client)
    body = json.dumps(push_payload()).encode()
    headers = {
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": "d-1",
        "Content-Type": "application/json",
    }
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    response = await client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code == 401
    assert await deployments(client) == []
    # The delivery was not recorded either: a correct signature for the same id still works.
    assert (await post_webhook(client, push_payload(), delivery="d-1")).status_code == 202


async def test_signature_with_another_secret_is_refused(client: Client) -> None:
    await create_project(client)
    response = await post_webhook(client, push_payload(), secret="not-the-secret")
    assert response.status_code == 401
    assert await deployments(client) == []


async def test_ping_is_answered(client: Client) -> None:
    response = await post_webhook(
        client, {"zen": "Keep it logically awesome.", "hook_id": 1}, event="ping"
    )
    assert response.status_code == 200
    assert response.json()["message"] == "pong"


async def test_redelivery_builds_nothing_twice(client: Client) -> None:
    await create_project(client)
    first = await post_webhook(client, push_payload(), delivery="same-id")
    again = await post_webhook(client, push_payload(), delivery="same-id")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["status"] == "duplicate"
    assert len(await deployments(client)) == 1


async def test_ten_concurrent_copies_create_one_deployment(client: Client) -> None:
    await create_project(client)
    delivery = str(uuid.uuid4())
    answers = await asyncio.gather(
        *(post_webhook(client, push_payload(), delivery=delivery) for _ in range(10))
    )
    assert sorted(a.status_code for a in answers) == [200] * 9 + [202]
    assert len(await deployments(client)) == 1


async def test_form_encoded_payload(client: Client) -> None:
    await create_project(client)
    body = urlencode({"payload": json.dumps(push_payload())}).encode()
    response = await post_webhook(client, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 202
    assert len(await deployments(client)) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"{not json", id="broken-json"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
    ],
)
async def test_malformed_body_is_400(client: Client, body: bytes) -> None:
    response = await post_webhook(client, body)
    assert response.status_code == 400


async def test_oversized_body_is_413(client: Client) -> None:
    body = b" " * (25 * 1024 * 1024 + 1)
    headers = {
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": "big",
        "X-Hub-Signature-256": sign(body),
        "Content-Type": "application/json",
    }
    response = await client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code == 413


@pytest.mark.parametrize(
    "event", ["issues", "star", "release", "check_run", "workflow_run", "create"]
)
async def test_other_events_are_ignored(client: Client, event: str) -> None:
    await create_project(client)
    response = await post_webhook(client, push_payload(), event=event)
    assert response.status_code == 202
    assert response.json()["status"] == "ignored"
    assert await deployments(client) == []


async def test_push_matching_no_project_is_ignored(client: Client) -> None:
    response = await post_webhook(client, push_payload(repo="someone/else"))
    assert (response.status_code, response.json()["status"]) == (202, "ignored")


async def test_tags_are_ignored_unless_the_project_opts_in(client: Client) -> None:
    await create_project(client, "site")
    await create_project(client, "tagged", build_tags=True)
    tag_push = push_payload()
    tag_push["ref"] = "refs/tags/v1.0.0"
    response = await post_webhook(client, tag_push)
    assert response.status_code == 202
    assert await deployments(client, "site") == []
    [d] = await deployments(client, "tagged")
    assert d["ref"] == "v1.0.0"


async def test_skip_markers_build_nothing(client: Client) -> None:
    await create_project(client)
    response = await post_webhook(client, push_payload(message="docs only [skip ci]"))
    assert response.status_code == 202
    [d] = await deployments(client)
    assert (d["status"], d["reason"]) == ("canceled", "skipped")


async def test_newer_push_supersedes_queued_build(client: Client) -> None:
    await create_project(client)
    await post_webhook(client, push_payload(after="1" * 40))
    await post_webhook(client, push_payload(after="2" * 40))
    newer, older = await deployments(client)
    assert (newer["commit"], newer["status"]) == ("2" * 40, "queued")
    assert (older["status"], older["reason"]) == ("canceled", "canceled")
    assert "superseded" in older["error"]


async def test_per_project_secret(client: Client) -> None:
    await create_project(client, "site", webhook_secret="own-secret")
    await create_project(client, "docs")
    with_global = await post_webhook(client, push_payload(), secret=SECRET)
    assert [d["project"] for d in await deployments(client, "docs")] == ["docs"]
    assert await deployments(client, "site") == []
    assert with_global.status_code == 202
    with_own = await post_webhook(client, push_payload(after="c" * 40), secret="own-secret")
    assert with_own.status_code == 202
    assert [d["commit"] for d in await deployments(client, "site")] == ["c" * 40]


def pull_request_payload(action: str, number: int = 7, fork: bool = False) -> dict[str, Any]:
    return {
        "action": action,
        "number": number,
        "repository": {"full_name": "acme/site"},
        "pull_request": {
            "title": "Add a page",
            "head": {
                "sha": "d" * 40,
                "ref": "feature",
                "repo": {"full_name": "fork/site" if fork else "acme/site"},
            },
            "base": {"ref": "main", "repo": {"full_name": "acme/site"}},
        },
    }


async def test_pull_requests_build_previews(client: Client) -> None:
    await create_project(client)
    response = await post_webhook(client, pull_request_payload("opened"), event="pull_request")
    assert response.status_code == 202
    [d] = await deployments(client)
    assert (d["pull_request"], d["trigger"], d["commit"]) == (7, "pull_request", "d" * 40)
    assert d["branch_url"].startswith("http://site-pr-7.localhost")
    labeled = await post_webhook(client, pull_request_payload("labeled"), event="pull_request")
    assert labeled.json()["status"] == "ignored"


async def test_fork_pull_requests_need_opt_in(client: Client) -> None:
    await create_project(client)
    response = await post_webhook(
        client, pull_request_payload("opened", fork=True), event="pull_request"
    )
    assert response.json()["status"] == "ignored"
    assert await deployments(client) == []


async def test_same_delivery_to_two_api_processes_is_recorded_once(
    settings: Any, client: Client
) -> None:
    """Two apps on one database: the primary key, not memory, decides between them."""
    await create_project(client)
    other = create_app(settings, run_dispatcher=False)
    async with AsyncTestClient(app=other) as second:
        second.headers["Authorization"] = client.headers["Authorization"]
        delivery = str(uuid.uuid4())
        answers = await asyncio.gather(
            *(post_webhook(c, push_payload(), delivery=delivery) for c in [client, second] * 5)
        )
    assert sorted(a.status_code for a in answers) == [200] * 9 + [202]
    assert len(await deployments(client)) == 1


async def test_a_bad_delivery_does_not_spoil_the_others_recorded_with_it(client: Client) -> None:
    await create_project(client)
    good = [post_webhook(client, push_payload(branch=f"b{n}", after=f"{n}" * 40)) for n in range(5)]
    bad = [post_webhook(client, push_payload(after="not-a-sha")) for _ in range(3)]
    answers = await asyncio.gather(*good, *bad)
    assert [a.status_code for a in answers] == [202] * 5 + [400] * 3
    assert len(await deployments(client)) == 5


def _pull_request_numbered(number: object) -> dict[str, Any]:
    payload = pull_request_payload("opened")
    payload["number"] = number
    return payload


def _push_with(**fields: Any) -> dict[str, Any]:
    return push_payload(after="e" * 40, **fields)


# Signed, well-formed JSON, but out of what the database (or git) can hold.
POISON = [
    pytest.param("pull_request", _pull_request_numbered(2**31), "number", id="pr-2^31"),
    pytest.param("pull_request", _pull_request_numbered(10**30), "number", id="pr-10^30"),
    pytest.param("pull_request", _pull_request_numbered(0), "number", id="pr-0"),
    pytest.param("push", push_payload(branch="b" * 311), "branch", id="branch-311-chars"),
    pytest.param("push", push_payload(branch="a\x00b"), "branch", id="branch-nul"),
    pytest.param("push", push_payload(branch="a\ud800b"), "branch", id="branch-lone-surrogate"),
    pytest.param("push", push_payload(branch="a..b"), "branch", id="branch-dotdot"),
    pytest.param("push", _push_with(before="xyz"), "before", id="before-not-a-sha"),
    pytest.param(
        "push", push_payload(repo="acme/" + "s" * 300), "repository", id="repo-name-too-long"
    ),
    pytest.param("push", push_payload(repo="acme/\x00site"), "repository", id="repo-name-nul"),
]


@pytest.mark.parametrize(("event", "poison", "reason"), POISON)
async def test_a_poison_delivery_never_fails_the_legitimate_ones_sent_with_it(
    client: Client, event: str, poison: dict[str, Any], reason: str
) -> None:
    await create_project(client)
    good = [
        post_webhook(client, push_payload(branch=f"b{n}", after=f"{n:x}" * 40)) for n in range(12)
    ]
    answers = await asyncio.gather(post_webhook(client, poison, event=event), *good)
    bad, *legitimate = answers
    assert bad.status_code == 400, bad.text
    assert reason in bad.json()["message"]
    assert [a.status_code for a in legitimate] == [202] * 12
    assert sorted(d["ref"] for d in await deployments(client)) == sorted(f"b{n}" for n in range(12))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("nul \x00 inside", id="nul"),
        pytest.param("lone \ud800 surrogate", id="lone-surrogate"),
    ],
)
async def test_free_text_the_database_cannot_hold_is_cleaned_not_refused(
    client: Client, text: str
) -> None:
    await create_project(client)
    response = await post_webhook(client, push_payload(message=text))
    assert response.status_code == 202, response.text
    [d] = await deployments(client)
    assert "\x00" not in d["commit_message"]
    assert d["commit_message"].startswith(text[:4])


async def test_a_number_too_long_to_parse_is_400(client: Client) -> None:
    body = b'{"number": ' + b"9" * 5000 + b"}"
    response = await post_webhook(client, body, event="pull_request")
    assert response.status_code == 400


async def test_every_delivery_is_one_log_line_accepted_or_refused(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    await create_project(client, "site")
    caplog.set_level("INFO", logger="slipway.webhooks")
    await post_webhook(client, push_payload(after="c" * 40), delivery="d-accepted")
    await post_webhook(client, push_payload(after="c" * 40), delivery="d-accepted")
    await post_webhook(client, {}, event="ping", delivery="d-ping")
    await post_webhook(client, push_payload(), delivery="d-forged", secret="not-the-secret")
    await post_webhook(client, push_payload(), delivery="evil line; rm")
    lines = [r.getMessage() for r in caplog.records if r.name == "slipway.webhooks"]
    assert lines[0].startswith("webhook push d-accepted queued: ")
    assert lines[1] == "webhook push d-accepted duplicate: delivery d-accepted was already received"
    assert lines[2] == "webhook ping d-ping ok: pong"
    assert lines[3] == (
        "webhook push d-forged refused (401): missing or invalid X-Hub-Signature-256"
    )
    # What the sender wrote reaches the log only as a token it could not forge lines with.
    assert lines[4] == ("webhook push - refused (400): missing or invalid X-GitHub-Delivery header")
    assert len(lines) == 5
