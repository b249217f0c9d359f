from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from services.api.app import create_app
from services.api.builders.local import LocalBuilder
from services.core.build_variables import (
    ECS_MAX_VARIABLE_CHARS,
    MAX_TOTAL_BYTES,
    MAX_VALUE_BYTES,
    override_chars,
    total_bytes,
)
from tests.api.conftest import TOKEN, make_settings
from tests.support.variables import variables_of_total

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]


async def test_token_is_required(client: Client) -> None:
    for headers in (
        {"Authorization": ""},
        {"Authorization": "Bearer wrong"},
        {"Authorization": TOKEN},
    ):
        response = await client.get("/api/projects", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
    assert (await client.get("/healthz", headers={"Authorization": ""})).status_code == 200


async def test_project_lifecycle(client: Client) -> None:
    created = await client.post(
        "/api/projects",
        json={
            "name": "blog",
            "repo_url": "https://github.com/Acme/Blog.git",
            "env": {"API_KEY": "s3cret"},
            "domains": ["www.example.com"],
            "spa": True,
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["github_repo"] == "Acme/Blog"
    assert body["url"] == "http://blog.localhost:8080/"
    assert body["env"] == {"API_KEY": "********"}
    assert body["domains"] == ["www.example.com"]
    revealed = await client.get("/api/projects/blog", params={"reveal_env": "true"})
    assert revealed.json()["env"] == {"API_KEY": "s3cret"}

    updated = await client.patch(
        "/api/projects/blog", json={"build_command": "npm run export", "domains": ["example.org"]}
    )
    assert updated.status_code == 200
    assert (updated.json()["build_command"], updated.json()["domains"]) == (
        "npm run export",
        ["example.org"],
    )
    assert [p["name"] for p in (await client.get("/api/projects")).json()] == ["blog"]
    assert (await client.delete("/api/projects/blog")).status_code == 204
    assert (await client.get("/api/projects/blog")).status_code == 404


async def test_production_and_preview_variables_are_kept_and_masked(client: Client) -> None:
    created = await client.post(
        "/api/projects",
        json={
            "name": "shop",
            "repo_url": "file:///x",
            "env": {"API_URL": "https://api.example.com"},
            "production_env": {"STRIPE_KEY": "sk_live_1"},
            "preview_env": {"STRIPE_KEY": "sk_test_1"},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["env"], body["production_env"], body["preview_env"]) == (
        {"API_URL": "********"},
        {"STRIPE_KEY": "********"},
        {"STRIPE_KEY": "********"},
    )
    assert "sk_live_1" not in (await client.get("/api/projects")).text

    patched = await client.patch(
        "/api/projects/shop", json={"preview_env": {"STRIPE_KEY": "sk_test_2", "NOINDEX": "1"}}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["preview_env"] == {"STRIPE_KEY": "********", "NOINDEX": "********"}
    assert "sk_test_2" not in patched.text

    revealed = (await client.get("/api/projects/shop", params={"reveal_env": "true"})).json()
    assert revealed["env"] == {"API_URL": "https://api.example.com"}  # untouched by the PATCH
    assert revealed["production_env"] == {"STRIPE_KEY": "sk_live_1"}
    assert revealed["preview_env"] == {"STRIPE_KEY": "sk_test_2", "NOINDEX": "1"}


async def test_new_projects_have_empty_groups(client: Client) -> None:
    body = (await client.post("/api/projects", json={"name": "s", "repo_url": "file:///x"})).json()
    assert (body["env"], body["production_env"], body["preview_env"]) == ({}, {}, {})


@pytest.mark.parametrize("group", ["production_env", "preview_env"])
@pytest.mark.parametrize(
    ("variables", "detail"),
    [
        pytest.param({"SLIPWAY_TOKEN": "1"}, "reserved", id="reserved-prefix"),
        pytest.param({"slipway_x": "1"}, "reserved", id="reserved-lowercase"),
        pytest.param({"1BAD": "1"}, "", id="leading-digit"),
        pytest.param({"BAD-NAME": "1"}, "", id="hyphen"),
        pytest.param({"NAME\n": "1"}, "a name is letters", id="trailing-newline"),
        pytest.param({"BIG": "x" * (32 * 1024 + 1)}, "32 KiB", id="too-long"),
        pytest.param({f"V{n}": "1" for n in range(201)}, "200", id="too-many"),
    ],
)
async def test_bad_scoped_variables_are_refused(
    client: Client, group: str, variables: dict[str, str], detail: str
) -> None:
    created = await client.post(
        "/api/projects", json={"name": "site", "repo_url": "file:///x", group: variables}
    )
    assert created.status_code == 400, created.text
    assert detail in created.text
    plain = {"name": "site", "repo_url": "file:///x"}
    assert (await client.post("/api/projects", json=plain)).status_code == 201
    patched = await client.patch("/api/projects/site", json={group: variables})
    assert patched.status_code == 400, patched.text
    revealed = await client.get("/api/projects/site", params={"reveal_env": "true"})
    assert revealed.json()[group] == {}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({"name": "Bad_Name", "repo_url": "file:///x"}, 400, id="name-case"),
        pytest.param({"name": "-x", "repo_url": "file:///x"}, 400, id="name-hyphen"),
        pytest.param({"name": "a" * 41, "repo_url": "file:///x"}, 400, id="name-long"),
        pytest.param({"name": "ok", "repo_url": "ftp://x"}, 400, id="repo-scheme"),
        pytest.param(
            {"name": "ok", "repo_url": "file:///x", "root_dir": "../up"}, 400, id="root-dir"
        ),
        pytest.param(
            {"name": "ok", "repo_url": "file:///x", "env": {"SLIPWAY_X": "1"}}, 400, id="env"
        ),
        pytest.param(
            {"name": "ok", "repo_url": "file:///x", "domains": ["a.localhost"]}, 400, id="domain"
        ),
        pytest.param(
            {"name": "ok", "repo_url": "file:///x", "domains": ["10.0.0.5"]}, 400, id="ip-domain"
        ),
        pytest.param(
            {"name": "ok", "repo_url": "file:///x", "unknown": 1}, 400, id="unknown-field"
        ),
        pytest.param({"repo_url": "file:///x"}, 400, id="missing-name"),
        pytest.param(
            {"name": "ok", "repo_url": "file:///x", "build_command": "npm ci\nrm -rf ~"},
            400,
            id="two-line-command",
        ),
        pytest.param(
            {"name": "ok", "repo_url": "file:///x", "install_command": "x" * 4097},
            400,
            id="oversize-command",
        ),
    ],
)
async def test_invalid_projects_are_refused(
    client: Client, body: dict[str, Any], status: int
) -> None:
    response = await client.post("/api/projects", json=body)
    assert response.status_code == status, response.text
    assert (await client.get("/api/projects")).json() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {"name": "Bad_Name", "repo_url": "file:///x"},
            "'Bad_Name' is not a valid project name: a project name is 1-40 lowercase letters, "
            "digits and single hyphens, starting and ending with a letter or digit",
            id="name",
        ),
        pytest.param(
            {"name": "ok", "repo_url": "file:///x", "spa": "yes"},
            "spa: Expected `bool`, got `str`",
            id="wrong-type",
        ),
        pytest.param(
            {"repo_url": "file:///x"}, "Object missing required field `name`", id="missing"
        ),
        pytest.param(
            {"name": "ok", "repo_url": "git@github.com:acme/ok.git"},
            "the builder cannot clone over SSH: use the repository's https URL "
            "(https://github.com/acme/ok.git), with SLIPWAY_GITHUB_TOKEN set on the api if it "
            "is private",
            id="ssh",
        ),
    ],
)
async def test_a_refusal_is_one_sentence_naming_the_field(
    client: Client, body: dict[str, Any], message: str
) -> None:
    response = await client.post("/api/projects", json=body)
    assert (response.status_code, response.json()["message"]) == (400, message)


async def test_names_and_domains_are_unique(client: Client) -> None:
    first = {"name": "one", "repo_url": "file:///x", "domains": ["example.com"]}
    assert (await client.post("/api/projects", json=first)).status_code == 201
    assert (await client.post("/api/projects", json=first)).status_code == 409
    second = {"name": "two", "repo_url": "file:///x", "domains": ["example.com"]}
    assert (await client.post("/api/projects", json=second)).status_code == 409


async def test_deploy_request_and_queue_cap(client: Client, settings: Any) -> None:
    await client.post("/api/projects", json={"name": "site", "repo_url": "file:///x"})
    response = await client.post("/api/projects/site/deployments", json={})
    assert response.status_code == 202
    d = response.json()
    assert (d["status"], d["ref"], d["project"]) == ("queued", "main", "site")
    assert d["url"] == f"http://site-{d['id'][:8]}.localhost:8080/"
    assert (await client.get(f"/api/deployments/{d['id']}")).json()["id"] == d["id"]
    bad = await client.post("/api/projects/site/deployments", json={"commit": "xyz"})
    assert bad.status_code == 400
    assert (await client.post("/api/projects/nope/deployments", json={})).status_code == 404

    for n in range(settings.max_queued_builds):
        await client.post("/api/projects/site/deployments", json={"ref": f"b{n}"})
    full = await client.post("/api/projects/site/deployments", json={"ref": "one-more"})
    assert full.status_code == 429
    assert "queue is full" in full.json()["message"]


async def test_cancel_and_promote_rules(client: Client) -> None:
    await client.post("/api/projects", json={"name": "site", "repo_url": "file:///x"})
    d = (await client.post("/api/projects/site/deployments", json={})).json()
    promote = await client.post(f"/api/deployments/{d['id']}/promote")
    assert promote.status_code == 409
    canceled = await client.post(f"/api/deployments/{d['id']}/cancel")
    assert canceled.status_code == 202
    assert (canceled.json()["status"], canceled.json()["reason"]) == ("canceled", "canceled")
    assert (await client.post(f"/api/deployments/{d['id']}/cancel")).status_code == 409
    assert (await client.get("/api/deployments/unknown0000000000000")).status_code == 404


async def test_openapi_document(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    for path in ("/webhooks/github", "/api/projects", "/api/deployments/{deployment_id}/promote"):
        assert path in schema["paths"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        pytest.param("api", "api.localhost is the api service's own host", id="api"),
        pytest.param("healthz", "healthz.localhost/healthz is how a release checks", id="healthz"),
    ],
)
async def test_names_of_platform_hosts_are_refused_with_the_reason(
    client: Client, name: str, reason: str
) -> None:
    response = await client.post("/api/projects", json={"name": name, "repo_url": "file:///x"})
    assert response.status_code == 400
    assert f"the name {name!r} is reserved" in response.json()["message"]
    assert reason in response.json()["message"]
    assert (await client.get(f"/api/projects/{name}")).status_code == 404
    similar = await client.post("/api/projects", json={"name": f"{name}s", "repo_url": "file:///x"})
    assert similar.status_code == 201


async def test_build_variables_past_the_total_a_build_receives_are_refused(client: Client) -> None:
    hundred = {f"V{n:03d}": "x" * MAX_VALUE_BYTES for n in range(100)}
    response = await client.post(
        "/api/projects", json={"name": "big", "repo_url": "file:///x", "env": hundred}
    )
    assert response.status_code == 400
    assert f"a build receives at most {MAX_TOTAL_BYTES} bytes" in response.json()["message"]

    at_limit = variables_of_total(MAX_TOTAL_BYTES)
    assert total_bytes(at_limit) == MAX_TOTAL_BYTES
    body = {"name": "full", "repo_url": "file:///x", "env": at_limit}
    assert (await client.post("/api/projects", json=body)).status_code == 201
    # Each group fits, but production builds would receive both together.
    more = await client.patch("/api/projects/full", json={"production_env": {"EXTRA": "1"}})
    assert more.status_code == 400
    assert more.json()["message"].startswith("env with production_env take 65543 bytes")
    replaced = {"preview_env": {"V000": "short"}}  # laid over env: less in previews
    assert (await client.patch("/api/projects/full", json=replaced)).status_code == 200
    project = (await client.get("/api/projects/full", params={"reveal_env": "true"})).json()
    assert (project["production_env"], project["preview_env"]) == ({}, {"V000": "short"})


async def test_a_value_is_measured_in_bytes(client: Client) -> None:
    wide = "\u00e9" * (MAX_VALUE_BYTES // 2)  # two bytes each in UTF-8
    body = {"name": "wide", "repo_url": "file:///x", "env": {"A": wide}}
    assert (await client.post("/api/projects", json=body)).status_code == 201
    wider = await client.patch("/api/projects/wide", json={"env": {"A": wide + "\u00e9"}})
    assert wider.status_code == 400
    assert wider.json()["message"] == "build variable A is longer than 32 KiB"


async def test_on_ecs_variables_are_limited_to_what_task_overrides_carry(
    tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(tmp_path, database_url, builder="ecs")
    builder = LocalBuilder(settings.data_dir, storage_is_s3=False)  # no build runs here
    app = create_app(settings, builder=builder, run_dispatcher=False)
    async with AsyncTestClient(app=app) as ecs_client:
        ecs_client.headers["Authorization"] = f"Bearer {TOKEN}"
        fits = {"BIG": "v" * (ECS_MAX_VARIABLE_CHARS - override_chars({"BIG": ""}))}
        body = {"name": "onecs", "repo_url": "file:///x", "env": fits}
        assert (await ecs_client.post("/api/projects", json=body)).status_code == 201
        more = await ecs_client.patch("/api/projects/onecs", json={"preview_env": {"A": "1"}})
        assert more.status_code == 400
        assert "builds on ECS receive at most 4096" in more.json()["message"]
        # The same variables are well within what a local build receives.
        assert total_bytes({**fits, "A": "1"}) < MAX_TOTAL_BYTES
