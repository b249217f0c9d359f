"""Host ownership: the first project to route a host keeps it (site_routes and the api)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from services.api.db.models import Deployment, Domain, Project
from services.api.site_routes import RouteWriter
from services.core import hosts
from services.core.manifest import Route, decode_route, encode
from services.core.settings import Settings
from services.core.storage import Storage
from tests.api.conftest import make_settings, post_webhook, push_payload

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]

OWNED = "a-git-x.localhost"  # branch `x` of project `a`, and production of `a-git-x`


def deployment(project: str, letter: str, ref: str = "x") -> Deployment:
    return Deployment(
        id=letter * 20, project_name=project, status="ready", commit="a" * 40, ref=ref
    )


async def route_of(storage: Storage, host: str) -> Route:
    return decode_route(await storage.get(hosts.route_key(host)))


async def write_route(storage: Storage, host: str, project: str) -> None:
    """A route object as another project's promotion would have left it."""
    route = Route(project=project, deployment="z" * 20, kind="production", updated_at="now")
    await storage.put(hosts.route_key(host), encode(route))


# -- the route writer, on a local directory and on S3 ------------------------------------


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> Storage:
    return Storage(request.getfixturevalue(f"{request.param}_storage_url"))


@pytest.fixture
def writer(storage: Storage, tmp_path: Path) -> RouteWriter:
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    return RouteWriter(settings, storage)


async def test_promote_does_not_take_another_projects_host(
    writer: RouteWriter, storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await writer.publish_previews(Project(name="a"), deployment("a", "b"))
    assert (await route_of(storage, OWNED)).project == "a"

    with caplog.at_level(logging.WARNING, logger="services.api.site_routes"):
        await writer.promote(Project(name="a-git-x"), "c" * 20, generation=1)

    kept = await route_of(storage, OWNED)
    assert (kept.project, kept.deployment, kept.kind) == ("a", "b" * 20, "branch")
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert OWNED in warning
    assert "project a;" in warning
    assert "project a-git-x" in warning


async def test_a_skipped_host_leaves_the_other_hosts_written(
    writer: RouteWriter, storage: Storage
) -> None:
    await write_route(storage, "a-git-main.localhost", "a-git-main")
    await writer.publish_previews(Project(name="a"), deployment("a", "d", ref="main"))
    own = await route_of(storage, f"a-{'d' * 8}.localhost")
    assert (own.project, own.kind) == ("a", "deployment")
    assert (await route_of(storage, "a-git-main.localhost")).project == "a-git-main"


async def test_own_routes_are_still_rewritten(writer: RouteWriter, storage: Storage) -> None:
    project = Project(name="a")
    await writer.publish_previews(project, deployment("a", "b"))
    await writer.publish_previews(project, deployment("a", "c"))
    await writer.promote(project, "b" * 20, generation=1)
    await writer.promote(project, "c" * 20, generation=2)
    assert (await route_of(storage, OWNED)).deployment == "c" * 20
    assert (await route_of(storage, "a.localhost")).deployment == "c" * 20


async def test_cleanup_deletes_only_the_projects_own_routes(
    writer: RouteWriter, storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    await writer.publish_previews(Project(name="a"), deployment("a", "b"))
    with caplog.at_level(logging.WARNING, logger="services.api.site_routes"):
        await writer.remove_hosts("a-git-x", [OWNED, "a-git-x-git-x.localhost"])
    assert (await route_of(storage, OWNED)).project == "a"
    assert any(OWNED in r.getMessage() for r in caplog.records)

    await writer.remove_hosts("a", [OWNED])
    assert not await storage.exists(hosts.route_key(OWNED))


async def test_removed_domain_of_another_project_stays(
    writer: RouteWriter, storage: Storage
) -> None:
    await write_route(storage, "www.example.com", "other")
    await writer.set_domains(Project(name="a", domains=[]), ["www.example.com"])
    assert (await route_of(storage, "www.example.com")).project == "other"


async def test_two_projects_racing_for_a_new_host_leave_one_owner(
    writer: RouteWriter, storage: Storage
) -> None:
    first = Project(name="one", domains=[Domain(host="www.example.com")])
    second = Project(name="two", domains=[Domain(host="www.example.com")])
    await asyncio.gather(
        writer.promote(first, "b" * 20, generation=1),
        writer.promote(second, "c" * 20, generation=1),
    )
    route = await route_of(storage, "www.example.com")
    assert (route.project, route.deployment) in {("one", "b" * 20), ("two", "c" * 20)}


# -- the api: SQLite and PostgreSQL -----------------------------------------------------


async def create(client: Client, name: str, **fields: object) -> tuple[int, str]:
    answer = await client.post(
        "/api/projects",
        json={"name": name, "repo_url": "file:///x", "github_repo": "acme/site", **fields},
    )
    return answer.status_code, answer.text


async def test_branch_and_pull_request_lookalikes_are_refused(client: Client) -> None:
    assert (await create(client, "a"))[0] == 201
    status, text = await create(client, "a-git-feature")
    assert status == 409
    assert "'a'" in text
    assert (await create(client, "a-pr-7"))[0] == 409
    assert (await create(client, "a-pr-x"))[0] == 201  # not a pull request host


async def test_a_legitimate_hyphenated_name_is_accepted(client: Client) -> None:
    assert (await create(client, "my"))[0] == 201
    assert (await create(client, "my-homepage"))[0] == 201


async def test_production_host_routed_by_another_project_is_refused(
    client: Client, settings: Settings
) -> None:
    await write_route(Storage(settings.resolved_storage_url), "b.localhost", "other")
    status, text = await create(client, "b")
    assert status == 409
    assert "b.localhost" in text
    assert "'other'" in text


async def test_custom_domain_routed_by_another_project_is_refused(
    client: Client, settings: Settings
) -> None:
    await write_route(Storage(settings.resolved_storage_url), "www.example.com", "other")
    status, text = await create(client, "c", domains=["www.example.com"])
    assert (status, "www.example.com" in text) == (409, True)

    assert (await create(client, "c"))[0] == 201
    added = await client.patch("/api/projects/c", json={"domains": ["www.example.com"]})
    assert added.status_code == 409
    assert "'other'" in added.text


async def test_deleting_a_branch_leaves_the_lookalike_projects_route(
    client: Client, settings: Settings
) -> None:
    # `a-git-x` came first (allowed: no project `a` yet); then `a`, whose branch x is gone.
    assert (await create(client, "a-git-x"))[0] == 201
    assert (await create(client, "a"))[0] == 201
    storage = Storage(settings.resolved_storage_url)
    await write_route(storage, OWNED, "a-git-x")
    deleted = push_payload(branch="x", after="0" * 40, deleted=True)
    assert (await post_webhook(client, deleted)).status_code == 202
    assert (await route_of(storage, OWNED)).project == "a-git-x"

    assert (await client.delete("/api/projects/a")).status_code == 204
    assert (await route_of(storage, OWNED)).project == "a-git-x"
