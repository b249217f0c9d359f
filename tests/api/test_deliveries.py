"""Each project's recent webhook deliveries: every outcome, who may write them, their bound."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import Row, select

from services.api import delivery_records
from services.api.db.engine import engine_for, session_factory
from services.api.db.models import ProjectDelivery
from services.api.delivery_records import KEPT, KEPT_UNSIGNED, Received, Result
from services.core.delivery_outcomes import DeliveryOutcome
from services.core.settings import Settings
from tests.api.conftest import SECRET, post_webhook, push_payload, sign
from tests.api.test_migrations import run
from tests.api.test_webhooks import create_project, deployments, pull_request_payload

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]


async def deliveries(client: Client, name: str = "site", **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"/api/projects/{name}/deliveries", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


async def stored(settings: Settings, name: str | None = None) -> list[Row[Any]]:
    """The rows in the table itself (of one project, or all), past what the API shows."""
    query = select(ProjectDelivery)
    if name is not None:
        query = query.where(ProjectDelivery.project_name == name)
    engine = engine_for(settings)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(query)).all())
    finally:
        await engine.dispose()


async def post_raw(
    client: Client,
    body: bytes,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> int:
    """A delivery with the headers given over those of a forged one (a wrong signature)."""
    sent = {
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": "forged-1",
        "X-Hub-Signature-256": "sha256=" + "0" * 64,
        "Content-Type": content_type,
        **(headers or {}),
    }
    response = await client.post("/webhooks/github", content=body, headers=sent)
    return response.status_code


async def test_a_push_is_listed_for_each_project_with_the_deployment_it_got(
    client: Client,
) -> None:
    await create_project(client, "site")
    await create_project(client, "docs", root_dir="docs")
    answer = await post_webhook(client, push_payload(after="b" * 40), delivery="d-push")
    assert answer.status_code == 202
    for name in ("site", "docs"):
        [d] = await deployments(client, name)
        [delivery] = await deliveries(client, name)
        assert delivery["received_at"].endswith("Z")
        del delivery["received_at"]
        assert delivery == {
            "project": name,
            "delivery_id": "d-push",
            "event": "push",
            "outcome": "queued",
            "status_code": 202,
            "reason": "2 deployment(s) queued",
            "deployments": [d["id"]],
        }


async def test_a_redelivery_is_listed_as_a_duplicate_newest_first(client: Client) -> None:
    await create_project(client)
    await post_webhook(client, push_payload(), delivery="same")
    await post_webhook(client, push_payload(), delivery="same")
    duplicate, first = await deliveries(client)
    assert (duplicate["outcome"], duplicate["status_code"], duplicate["deployments"]) == (
        "duplicate",
        200,
        [],
    )
    assert duplicate["reason"] == "delivery same was already received"
    assert (first["outcome"], len(first["deployments"])) == ("queued", 1)


@pytest.mark.parametrize(
    ("event", "payload", "status", "reason"),
    [
        pytest.param("issues", push_payload(), 202, "event 'issues' is not used", id="event"),
        pytest.param("ping", {"repository": {"full_name": "acme/site"}}, 200, "pong", id="ping"),
        pytest.param(
            "push",
            push_payload(ref="refs/notes/x"),
            202,
            "ref 'refs/notes/x' is neither a branch nor a tag",
            id="not-a-branch",
        ),
        pytest.param(
            "pull_request",
            pull_request_payload("labeled"),
            202,
            "pull_request action 'labeled' builds nothing",
            id="pull-request-action",
        ),
    ],
)
async def test_what_builds_nothing_is_listed_as_ignored_with_its_reason(
    client: Client, event: str, payload: dict[str, Any], status: int, reason: str
) -> None:
    await create_project(client)
    await post_webhook(client, payload, event=event)
    [delivery] = await deliveries(client)
    assert (delivery["event"], delivery["outcome"], delivery["status_code"]) == (
        event,
        "ignored",
        status,
    )
    assert (delivery["reason"], delivery["deployments"]) == (reason, [])


async def test_a_skip_ci_commit_is_ignored_and_names_its_skipped_deployment(
    client: Client,
) -> None:
    await create_project(client)
    await post_webhook(client, push_payload(message="typo [skip ci]"))
    [d] = await deployments(client)
    [delivery] = await deliveries(client)
    assert (delivery["outcome"], delivery["reason"]) == ("ignored", "1 deployment(s) skipped")
    assert delivery["deployments"] == [d["id"]]


async def test_a_replay_is_ignored(client: Client) -> None:
    await create_project(client)
    await post_webhook(client, push_payload())
    await post_webhook(client, push_payload())  # the same body under a new delivery id
    replay, _ = await deliveries(client)
    assert (replay["outcome"], replay["status_code"]) == ("ignored", 200)
    assert replay["reason"].startswith("a replay: ")


async def test_each_project_gets_its_own_reason_for_what_it_does_not_build(
    client: Client,
) -> None:
    await create_project(client, "site")
    await create_project(client, "tagged", build_tags=True)
    await post_webhook(client, push_payload(ref="refs/tags/v1.0.0"))
    [on_site] = await deliveries(client, "site")
    [on_tagged] = await deliveries(client, "tagged")
    assert (on_site["outcome"], on_site["reason"], on_site["deployments"]) == (
        "ignored",
        "tag pushes are not built for this project",
        [],
    )
    [d] = await deployments(client, "tagged")
    assert (on_tagged["outcome"], on_tagged["deployments"]) == ("queued", [d["id"]])
    assert on_site["status_code"] == on_tagged["status_code"] == 202  # what GitHub saw


@pytest.mark.parametrize(
    ("payload", "headers", "reason"),
    [
        pytest.param(
            push_payload(after="not-a-sha"),
            {},
            "push payload without a valid `after` commit",
            id="poison",
        ),
        pytest.param(
            push_payload(), {"X-GitHub-Event": ""}, "missing X-GitHub-Event header", id="no-event"
        ),
        pytest.param(
            push_payload(),
            {"X-GitHub-Delivery": "not a token"},
            "missing or invalid X-GitHub-Delivery header",
            id="bad-delivery-id",
        ),
    ],
)
async def test_a_signed_delivery_the_intake_refuses_is_listed_as_refused(
    client: Client, payload: dict[str, Any], headers: dict[str, str], reason: str
) -> None:
    await create_project(client)
    body = json.dumps(payload).encode()
    sent = {"X-GitHub-Delivery": "d-refused", "X-Hub-Signature-256": sign(body), **headers}
    assert await post_raw(client, body, sent) == 400
    [refused] = await deliveries(client)
    assert (refused["outcome"], refused["status_code"], refused["reason"]) == (
        "refused",
        400,
        reason,
    )
    assert refused["delivery_id"] == ("d-refused" if "X-GitHub-Delivery" not in headers else None)
    assert refused["event"] == ("push" if "X-GitHub-Event" not in headers else "")
    assert refused["deployments"] == []


async def test_a_bad_signature_is_refused_for_the_named_repository_s_projects_only(
    client: Client,
) -> None:
    await create_project(client, "site")
    await create_project(client, "docs", root_dir="docs")
    await create_project(client, "other", repo_url="https://github.com/acme/other")
    assert await post_raw(client, json.dumps(push_payload()).encode()) == 401
    for name in ("site", "docs"):
        [refused] = await deliveries(client, name)
        assert (refused["outcome"], refused["status_code"], refused["delivery_id"]) == (
            "refused",
            401,
            "forged-1",
        )
        assert refused["reason"] == "missing or invalid X-Hub-Signature-256"
    assert await deliveries(client, "other") == []


async def test_a_missing_signature_is_refused_too_as_a_webhook_without_a_secret_sends(
    client: Client,
) -> None:
    await create_project(client)
    body = json.dumps(push_payload()).encode()
    response = await client.post(
        "/webhooks/github",
        content=body,
        headers={"X-GitHub-Event": "push", "X-GitHub-Delivery": "no-secret"},
    )
    assert response.status_code == 401
    [refused] = await deliveries(client)
    assert (refused["delivery_id"], refused["outcome"]) == ("no-secret", "refused")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(
            b'{"repository": {"full_name": "acme/other"}, "repository": {"full_name": "acme/site"}}',
            "application/json",
            id="json-keys-twice",
        ),
        pytest.param(
            urlencode(
                [
                    ("payload", json.dumps(push_payload(repo="acme/other"))),
                    ("payload", json.dumps(push_payload(repo="acme/site"))),
                ]
            ).encode(),
            "application/x-www-form-urlencoded",
            id="form-payload-twice",
        ),
    ],
)
async def test_a_body_naming_several_repositories_speaks_only_for_the_one_it_is_read_as(
    client: Client, body: bytes, content_type: str
) -> None:
    """Both readers of a body (the signature's and the parser's) take the last one."""
    await create_project(client, "site")
    await create_project(client, "other", repo_url="https://github.com/acme/other")
    assert await post_raw(client, body, content_type=content_type) == 401
    assert [d["outcome"] for d in await deliveries(client, "site")] == ["refused"]
    assert await deliveries(client, "other") == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(json.dumps(push_payload(repo="someone/else")).encode(), id="unused"),
        pytest.param(json.dumps({"zen": "x"}).encode(), id="none"),
        pytest.param(b"{not json", id="not-json"),
        pytest.param(json.dumps(push_payload(repo="acme/" + "s" * 5000)).encode(), id="too-long"),
    ],
)
async def test_an_unsigned_body_naming_no_project_s_repository_writes_nothing(
    client: Client, settings: Settings, body: bytes
) -> None:
    await create_project(client)
    assert await post_raw(client, body) == 401
    assert await stored(settings) == []


async def test_a_delivery_speaks_only_for_the_projects_trusting_its_secret(
    client: Client,
) -> None:
    await create_project(client, "site", webhook_secret="own-secret")
    await create_project(client, "docs", root_dir="docs")
    await post_webhook(client, push_payload(), secret=SECRET)  # the webhook of docs
    assert [d["outcome"] for d in await deliveries(client, "docs")] == ["queued"]
    assert await deliveries(client, "site") == []
    assert await post_raw(client, json.dumps(push_payload()).encode()) == 401
    # Signed by no secret at all: from no webhook, so shown to both.
    assert [d["outcome"] for d in await deliveries(client, "site")] == ["refused"]
    assert [d["outcome"] for d in await deliveries(client, "docs")] == ["refused", "queued"]


async def test_huge_headers_are_kept_out_and_the_body_is_never_stored(
    client: Client, settings: Settings
) -> None:
    await create_project(client)
    headers = {"X-GitHub-Event": "e" * 10_000, "X-GitHub-Delivery": "d" * 10_000}
    marker = "body-marker-0123456789"
    assert await post_raw(client, json.dumps(push_payload(message=marker)).encode()) == 401
    assert await post_raw(client, json.dumps(push_payload()).encode(), headers) == 401
    await post_webhook(client, push_payload(message=marker), event="x" * 400)
    ignored, refused, _ = await deliveries(client)
    assert (refused["event"], refused["delivery_id"]) == ("", None)
    assert (ignored["event"], ignored["outcome"]) == ("", "ignored")
    assert len(ignored["reason"]) == 300  # "event 'xxx…' is not used", cut
    rows = await stored(settings, "site")
    assert len(rows) == 3
    assert not any(marker in repr(tuple(row)) for row in rows)


async def test_a_burst_keeps_the_newest_50_and_an_unsigned_flood_cannot_push_them_out(
    client: Client, settings: Settings
) -> None:
    await create_project(client)
    pushes = [
        post_webhook(client, push_payload(branch=f"b{n}", after=f"{n:040x}"), delivery=f"d{n}")
        for n in range(KEPT + 10)
    ]
    assert {a.status_code for a in await asyncio.gather(*pushes)} == {202}
    every = await client.get("/api/projects/site/deployments", params={"limit": 100})
    assert len(every.json()) == KEPT + 10
    assert len(await stored(settings, "site")) == KEPT
    listed = await deliveries(client)
    assert len(listed) == KEPT
    assert {d["outcome"] for d in listed} == {"queued"}

    flood = [
        post_raw(client, json.dumps(push_payload()).encode(), {"X-GitHub-Delivery": f"f{n}"})
        for n in range(3 * KEPT)
    ]
    assert set(await asyncio.gather(*flood)) == {401}
    rows = await stored(settings, "site")
    assert len(rows) == KEPT
    assert sum(not row.signed for row in rows) == KEPT_UNSIGNED
    listed = await deliveries(client)
    assert [d["outcome"] for d in listed] == ["refused"] * KEPT_UNSIGNED + ["queued"] * (
        KEPT - KEPT_UNSIGNED
    )

    await post_webhook(client, push_payload(branch="last", after="f" * 40), delivery="last")
    assert (await deliveries(client))[0]["delivery_id"] == "last"
    assert len(await stored(settings, "site")) == KEPT


async def test_writers_of_one_project_at_once_never_leave_more_than_50(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each writer pauses between its insert and its cut: only taking turns keeps the bound."""
    await create_project(client)
    engine = engine_for(settings)
    sessions = session_factory(engine)
    result = Result(DeliveryOutcome.IGNORED, 202, "event 'star' is not used")

    async def write(n: int) -> None:
        async with sessions() as session, session.begin():
            await delivery_records.record(session, Received.of(f"d{n}", "star"), {"site": result})

    real_cut = delivery_records._keep_newest

    async def slow_cut(*args: Any) -> None:
        await asyncio.sleep(0.05)
        await real_cut(*args)

    try:
        for n in range(KEPT):
            await write(n)
        monkeypatch.setattr(delivery_records, "_keep_newest", slow_cut)
        await asyncio.gather(*(write(KEPT + n) for n in range(10)))
    finally:
        await engine.dispose()
    rows = await stored(settings, "site")
    assert sorted(int(row.delivery_id[1:]) for row in rows) == list(range(10, KEPT + 10))


async def test_limit_is_1_to_50_and_takes_the_newest(client: Client) -> None:
    await create_project(client)
    for n in range(4):
        await post_webhook(client, {}, event="star", delivery=f"d{n}")
    assert await deliveries(client) == []  # a star names no repository
    for n in range(4):
        await post_webhook(client, push_payload(), event="star", delivery=f"s{n}")
    assert [d["delivery_id"] for d in await deliveries(client, limit=2)] == ["s3", "s2"]
    for limit in (0, KEPT + 1):
        response = await client.get("/api/projects/site/deliveries", params={"limit": limit})
        assert response.status_code == 400


async def test_an_unknown_project_is_404_and_the_token_is_required(client: Client) -> None:
    missing = await client.get("/api/projects/nope/deliveries")
    assert (missing.status_code, missing.json()["message"]) == (404, "no project named 'nope'")
    await create_project(client)
    anonymous = await client.get(
        "/api/projects/site/deliveries", headers={"Authorization": "Bearer wrong"}
    )
    assert anonymous.status_code == 401


async def test_a_deleted_project_s_deliveries_go_with_it(
    client: Client, settings: Settings
) -> None:
    await create_project(client)
    await post_webhook(client, push_payload())
    await post_raw(client, json.dumps(push_payload()).encode())
    assert len(await stored(settings, "site")) == 2
    assert (await client.delete("/api/projects/site")).status_code == 204
    assert await stored(settings) == []
    await create_project(client)  # the same name again starts with an empty list
    assert await deliveries(client) == []


async def test_the_openapi_document_lists_it_beside_the_deployments(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/projects/{name}/deliveries"]["get"]
    neighbour = schema["paths"]["/api/projects/{name}/deployments"]["get"]
    assert operation["operationId"] == "listDeliveries"
    assert operation["tags"] == neighbour["tags"]
    item = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    read = schema["components"]["schemas"][item["$ref"].rsplit("/", 1)[1]]
    assert set(read["properties"]) == {
        "project",
        "delivery_id",
        "event",
        "received_at",
        "outcome",
        "status_code",
        "reason",
        "deployments",
    }


async def test_0008_downgrades_and_upgrades_again(database_url: str) -> None:
    await run(database_url, "upgrade", "0008")
    await run(database_url, "downgrade", "0007")
    await run(database_url, "upgrade", "head")
