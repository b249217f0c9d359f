"""Production's fence: concurrent switches leave the route and the record agreeing, and a
writer holding an older generation never overwrites a newer route."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.api import production
from services.api.db.models import Project
from services.core import hosts
from services.core import manifest as mf
from tests.api.conftest import TOKEN
from tests.api.lifecycle_world import World
from tests.support.api_server import serve_api

pytestmark = pytest.mark.anyio
ROUNDS = 30


@pytest.fixture
async def world(tmp_path: Path, database_url: str) -> AsyncIterator[World]:
    world = World(tmp_path, database_url)
    await world.start()
    yield world
    await world.close()


async def test_two_concurrent_promotes_leave_route_and_record_agreeing(world: World) -> None:
    """Every round two api replicas, each its own process's worth of engine and event loop,
    are asked at once over real HTTP to promote different deployments."""
    await world.add_project("site")
    first, second = "a" * 20, "b" * 20
    await world.add_ready("site", first)
    await world.add_ready("site", second)
    disagreements = []
    with serve_api(world.settings) as one, serve_api(world.settings) as other:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(headers=headers, timeout=60) as client:
            for round_number in range(1, ROUNDS + 1):
                answers = await asyncio.gather(
                    client.post(f"{one}/api/deployments/{first}/promote"),
                    client.post(f"{other}/api/deployments/{second}/promote"),
                )
                assert [a.status_code for a in answers] == [200, 200]
                record, route = await world.production("site")
                if record != route:
                    disagreements.append((round_number, record, route))
                # Two switches a round, each a generation of its own.
                assert record[1] == 2 * round_number
    assert disagreements == []


async def test_a_write_of_an_older_generation_never_lands(world: World) -> None:
    project = Project(name="site", domains=[])
    await world.routes.promote(project, "b" * 20, generation=5)
    await world.routes.promote(project, "a" * 20, generation=4)  # lost its race
    data = await world.storage.get(hosts.route_key("site.localhost"))
    route = mf.decode_route(data)
    assert (route.deployment, route.generation) == ("b" * 20, 5)


async def test_a_route_written_before_the_fence_reads_as_generation_0(world: World) -> None:
    old = b'{"project":"site","deployment":"aaaaaaaaaaaaaaaaaaaa","kind":"production","updated_at":"x"}'
    await world.storage.put(hosts.route_key("site.localhost"), old)
    assert mf.decode_route(old).generation == 0
    await world.routes.promote(Project(name="site", domains=[]), "b" * 20, generation=1)
    route = mf.decode_route(await world.storage.get(hosts.route_key("site.localhost")))
    assert (route.deployment, route.generation) == ("b" * 20, 1)


async def test_repair_rewrites_routes_that_ran_ahead_of_their_record(world: World) -> None:
    """A switch whose commit failed after its routes were written (or an api killed there)."""
    await world.add_project("site")
    await world.add_ready("site", "a" * 20)
    await world.add_ready("site", "b" * 20)
    assert await production.promote(world.sessions, world.routes, "a" * 20, "test")
    project = Project(name="site", domains=[])
    await world.routes.promote(project, "b" * 20, generation=2)  # never recorded
    assert await production.repair(world.sessions, world.routes, "site")
    record, route = await world.production("site")
    assert record == route == ("a" * 20, 3)
    assert not await production.repair(world.sessions, world.routes, "site")


async def test_a_new_custom_domain_serves_production_at_its_generation(world: World) -> None:
    await world.add_project("site")
    await world.add_ready("site", "a" * 20)
    assert await production.promote(world.sessions, world.routes, "a" * 20, "test")
    with serve_api(world.settings) as api:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(headers=headers, timeout=60) as client:
            patched = await client.patch(
                f"{api}/api/projects/site", json={"domains": ["www.example.com"]}
            )
            assert patched.status_code == 200, patched.text
    route = mf.decode_route(await world.storage.get(hosts.route_key("www.example.com")))
    assert (route.deployment, route.kind, route.generation) == ("a" * 20, "domain", 1)
