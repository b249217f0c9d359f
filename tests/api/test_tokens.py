"""Scoped tokens (read, deploy, admin; one project or all) and deploy hooks, on both databases."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from services.api.db.engine import engine_for, session_factory
from services.api.db.models import ApiToken, DeployHook
from tests.api.conftest import TOKEN

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]


async def make_project(client: Client, name: str) -> None:
    body = {"name": name, "repo_url": f"https://github.com/acme/{name}"}
    assert (await client.post("/api/projects", json=body)).status_code == 201


async def make_token(client: Client, role: str, project: str | None = None) -> dict[str, Any]:
    body = {"name": f"{role} token", "role": role, "project": project}
    created = await client.post("/api/tokens", json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_roles_and_scopes(client: Client) -> None:
    await make_project(client, "site")
    await make_project(client, "other")
    reader = (await make_token(client, "read", "site"))["token"]
    deployer = (await make_token(client, "deploy", "site"))["token"]
    site_admin = (await make_token(client, "admin", "site"))["token"]
    everywhere = (await make_token(client, "read"))["token"]

    async def status(method: str, path: str, token: str, **kw: Any) -> int:
        return (await client.request(method, path, headers=bearer(token), **kw)).status_code

    assert await status("GET", "/api/projects/site", reader) == 200
    assert await status("GET", "/api/projects/site/deployments", reader) == 200
    refused = await client.get("/api/projects/other", headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.json()["message"] == "this token is scoped to project 'site', not 'other'"
    assert await status("GET", "/api/projects", reader) == 403  # every project: not its scope
    assert await status("PATCH", "/api/projects/site", reader, json={"spa": True}) == 403
    assert await status("POST", "/api/projects/site/rollback", reader, json={}) == 403
    # deploy: may roll back (no ready deployment here: the api's own 409), not change settings
    assert await status("POST", "/api/projects/site/rollback", deployer, json={}) != 403
    assert await status("PATCH", "/api/projects/site", deployer, json={"spa": True}) == 403
    assert await status("PATCH", "/api/projects/site", site_admin, json={"spa": True}) == 200
    assert await status("DELETE", "/api/projects/other", site_admin) == 403
    assert (
        await status("POST", "/api/tokens", site_admin, json={"name": "x", "role": "read"}) == 403
    )
    assert await status("GET", "/api/projects", everywhere) == 200
    assert await status("GET", "/api/projects/other", everywhere) == 200
    answer = await client.patch("/api/projects/other", headers=bearer(everywhere), json={})
    assert answer.status_code == 403
    assert answer.json()["message"] == "this token's role is read; this needs admin or above"


async def test_tokens_are_kept_hashed_listed_without_secrets_and_revocable(
    client: Client, settings: Any
) -> None:
    created = await make_token(client, "read")
    token = created["token"]
    assert token.startswith(f"slw_{created['id']}_")
    assert created["last_used_at"] is None
    assert (await client.get("/api/projects", headers=bearer(token))).status_code == 200
    listed = (await client.get("/api/tokens")).json()
    assert [t["id"] for t in listed] == [created["id"]]
    assert "token" not in listed[0]
    assert listed[0]["last_used_at"] is not None  # the use just made
    engine = engine_for(settings)
    async with session_factory(engine)() as session:
        row = (await session.scalars(select(ApiToken))).one()
        secret = token.split("_", 2)[2]
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in row.secret_hash
    await engine.dispose()
    assert (await client.delete(f"/api/tokens/{created['id']}")).status_code == 204
    assert (await client.get("/api/projects", headers=bearer(token))).status_code == 401
    gone = await client.delete(f"/api/tokens/{created['id']}")
    assert gone.status_code == 404


@pytest.mark.parametrize(
    "presented",
    [
        "slw_aaaaaaaaaaaa_" + "b" * 43,  # well-formed, unknown
        "slw_short",
        "x" * 5000,
        TOKEN + "x",
    ],
)
async def test_what_is_not_a_live_token_is_401(client: Client, presented: str) -> None:
    answer = await client.get("/api/projects", headers=bearer(presented))
    assert answer.status_code == 401


async def test_a_projects_tokens_and_hooks_go_with_it(client: Client, settings: Any) -> None:
    await make_project(client, "site")
    await make_token(client, "deploy", "site")
    hook = await client.post("/api/projects/site/hooks", json={"name": "cms"})
    assert hook.status_code == 201
    assert (await client.delete("/api/projects/site")).status_code == 204
    assert (await client.get("/api/tokens")).json() == []
    engine = engine_for(settings)
    async with session_factory(engine)() as session:
        assert (await session.scalars(select(DeployHook))).all() == []
    await engine.dispose()


async def test_a_deploy_hook_deploys_its_branch_and_nothing_else_does(client: Client) -> None:
    await make_project(client, "site")
    created = await client.post("/api/projects/site/hooks", json={"name": "cms", "ref": "main"})
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["url"].startswith("http://testserver.local/hooks/deploy/")
    path = hook["url"].removeprefix("http://testserver.local")
    listed = (await client.get("/api/projects/site/hooks")).json()
    assert [h["id"] for h in listed] == [hook["id"]]
    assert "url" not in listed[0]

    ran = await client.post(path, headers={"Authorization": ""})
    assert ran.status_code == 202, ran.text
    assert (ran.json()["project"], ran.json()["ref"], ran.json()["trigger"]) == (
        "site",
        "main",
        "hook",
    )
    wrong = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    for refused in (wrong, "/hooks/deploy/nosuchhook00/" + "a" * 43):
        answer = await client.post(refused, headers={"Authorization": ""})
        assert answer.status_code == 404
        assert answer.json()["message"] == "no such deploy hook"
    assert (await client.delete(f"/api/projects/site/hooks/{hook['id']}")).status_code == 204
    assert (await client.post(path, headers={"Authorization": ""})).status_code == 404
    deployments = (await client.get("/api/projects/site/deployments")).json()
    assert len(deployments) == 1


async def test_bad_hook_and_token_requests_are_one_sentence(client: Client) -> None:
    await make_project(client, "site")
    bad_ref = await client.post("/api/projects/site/hooks", json={"name": "x", "ref": "a..b"})
    assert bad_ref.status_code == 400
    assert bad_ref.json()["message"] == "not a valid branch name: 'a..b'"
    bad_role = await client.post("/api/tokens", json={"name": "x", "role": "root"})
    assert bad_role.status_code == 400
    unknown = await client.post(
        "/api/tokens", json={"name": "x", "role": "read", "project": "nope"}
    )
    assert unknown.status_code == 404
    assert (await client.get("/api/tokens")).json() == []  # nothing created half-way
