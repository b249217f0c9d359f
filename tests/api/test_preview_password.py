"""Preview passwords through the api: validation, what GET shows, and the route objects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.db.engine import create_engine, session_factory
from services.api.db.models import Deployment, Project
from services.api.site_routes import RouteWriter
from services.core import hosts
from services.core.manifest import Route, decode_route
from services.core.passwords import verify_password
from services.core.settings import Settings
from services.core.storage import Storage

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]

PASSWORD = "first password"
PREVIEWS = ("site-git-main.localhost", "site-git-feature.localhost", "site-pr-7.localhost")
PUBLIC = ("site.localhost", "www.example.com")


@dataclass
class Published:
    client: Client
    storage: Storage
    writer: RouteWriter
    settings: Settings
    deployments: list[str]

    @property
    def preview_hosts(self) -> list[str]:
        own = [f"site-{d[:8]}.localhost" for d in self.deployments]
        return [*own, *PREVIEWS]

    async def route(self, host: str) -> Route:
        return decode_route(await self.storage.get(hosts.route_key(host)))

    @asynccontextmanager
    async def project(self) -> AsyncIterator[tuple[AsyncSession, Project]]:
        """The project's row in a transaction of the api's own database."""
        engine = create_engine(self.settings.database_url or "")
        try:
            async with session_factory(engine)() as session, session.begin():
                project = await session.get(Project, "site")
                assert project is not None
                yield session, project
        finally:
            await engine.dispose()

    async def publish(self, deployment_id: str, **fields: object) -> None:
        """What the dispatcher does when a build succeeds, for a row made here."""
        async with self.project() as (session, project):
            d = Deployment(
                id=deployment_id, project_name="site", status="ready", commit="a" * 40, **fields
            )
            session.add(d)
            await self.writer.publish_previews(project, d)


@pytest.fixture
async def published(client: Client, settings: Settings) -> Published:
    """A project with production, a custom domain, two branches and a pull request."""
    created = await client.post(
        "/api/projects",
        json={"name": "site", "repo_url": "file:///x", "domains": ["www.example.com"]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["preview_protected"] is False
    storage = Storage(settings.resolved_storage_url)
    site = Published(client, storage, RouteWriter(settings, storage), settings, [])
    for deployment_id, fields in (
        ("a" * 20, {"ref": "main"}),
        ("b" * 20, {"ref": "feature"}),
        ("c" * 20, {"ref": "feature", "pull_request": 7}),
    ):
        await site.publish(deployment_id, **fields)
        site.deployments.append(deployment_id)
    async with site.project() as (_, project):
        await site.writer.promote(project, "a" * 20, generation=1)
    return site


async def assert_protected_by(site: Published, password: str | None) -> None:
    for host in site.preview_hosts:
        route = await site.route(host)
        if password is None:
            assert route.protection is None, host
        else:
            assert route.protection is not None, host
            assert route.protection.startswith("pbkdf2-sha256$")
            assert verify_password(password, route.protection), host
    for host in PUBLIC:
        assert (await site.route(host)).protection is None


async def test_set_change_and_clear_rewrite_the_preview_routes(published: Published) -> None:
    client = published.client
    before = {h: (await published.route(h)).deployment for h in published.preview_hosts}
    await assert_protected_by(published, None)

    answer = await client.patch("/api/projects/site", json={"preview_password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert answer.json()["preview_protected"] is True
    await assert_protected_by(published, PASSWORD)
    # Only the protection changed: each host serves the deployment it served.
    assert {h: (await published.route(h)).deployment for h in before} == before

    changed = await client.patch("/api/projects/site", json={"preview_password": "second one!"})
    assert changed.status_code == 200
    await assert_protected_by(published, "second one!")
    assert not verify_password(PASSWORD, (await published.route(PREVIEWS[0])).protection or "")

    # Deployments published later carry the current protection too.
    await published.publish("d" * 20, ref="later")
    published.deployments.append("d" * 20)
    later = await published.route("site-git-later.localhost")
    assert verify_password("second one!", later.protection or "")

    for cleared in (None, ""):
        await client.patch("/api/projects/site", json={"preview_password": "protect again"})
        answer = await client.patch("/api/projects/site", json={"preview_password": cleared})
        assert answer.status_code == 200
        assert answer.json()["preview_protected"] is False
        await assert_protected_by(published, None)
    raw = await published.storage.get(hosts.route_key(PREVIEWS[0]))
    assert b"protection" not in raw  # a public route reads as it always did


async def test_other_updates_leave_protection_alone(published: Published) -> None:
    client = published.client
    await client.patch("/api/projects/site", json={"preview_password": PASSWORD})
    answer = await client.patch("/api/projects/site", json={"build_command": "make"})
    assert answer.json()["preview_protected"] is True
    await assert_protected_by(published, PASSWORD)


async def test_rewriting_again_changes_nothing(published: Published) -> None:
    await published.client.patch("/api/projects/site", json={"preview_password": PASSWORD})
    async with published.project() as (_, project):
        hosts_now = [*published.preview_hosts, *PUBLIC, "gone.localhost"]
        assert await published.writer.protect_previews(project, hosts_now) == 0
    assert not await published.storage.exists(hosts.route_key("gone.localhost"))


async def test_the_password_and_its_hash_are_never_shown(client: Client) -> None:
    created = await client.post(
        "/api/projects",
        json={"name": "site", "repo_url": "file:///x", "preview_password": PASSWORD},
    )
    assert created.status_code == 201, created.text
    assert created.json()["preview_protected"] is True
    for answer in (
        created,
        await client.get("/api/projects/site"),
        await client.get("/api/projects/site", params={"reveal_env": "true"}),
        await client.get("/api/projects"),
        await client.patch("/api/projects/site", json={"spa": True}),
    ):
        assert PASSWORD not in answer.text
        assert "pbkdf2" not in answer.text
        assert "preview_password" not in answer.text


@pytest.mark.parametrize(
    ("password", "status"),
    [
        ("x" * 7, 400),
        ("x" * 8, 200),
        ("é" * 128, 200),
        ("x" * 129, 400),
        ("tab\there!", 400),
        (12345678, 400),
    ],
)
async def test_password_length_and_form(client: Client, password: object, status: int) -> None:
    create = await client.post(
        "/api/projects",
        json={"name": "site", "repo_url": "file:///x", "preview_password": password},
    )
    assert create.status_code == (201 if status == 200 else 400), create.text
    if status == 400:
        assert "preview_password" in create.text
        await client.post("/api/projects", json={"name": "site", "repo_url": "file:///x"})
    answer = await client.patch("/api/projects/site", json={"preview_password": password})
    assert answer.status_code == status, answer.text
