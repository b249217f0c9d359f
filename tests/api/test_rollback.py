"""`POST /api/projects/{name}/rollback`: one step on the server, under production's lock;
automatic promotion pauses until someone promotes again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from services.api.app import create_app
from services.api.db.models import Deployment, Project
from services.api.queue import enqueue
from tests.api.conftest import TOKEN
from tests.api.lifecycle_world import World

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]
OLD, NEW = "a" * 20, "b" * 20


@pytest.fixture
async def world(tmp_path: Path, database_url: str) -> AsyncIterator[World]:
    world = World(tmp_path, database_url)
    await world.start()
    await world.add_project("site")
    await world.add_ready("site", OLD)
    await world.add_ready("site", NEW)
    yield world
    await world.close()


@pytest.fixture
async def client(world: World) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(world.settings, run_dispatcher=False)) as c:
        c.headers["Authorization"] = f"Bearer {TOKEN}"
        assert (await c.post(f"/api/deployments/{NEW}/promote")).status_code == 200
        yield c


async def build_on_main(world: World) -> str:
    """A push to main, built and published by the dispatcher."""
    async with world.sessions() as session, session.begin():
        project = await session.get(Project, "site")
        assert project is not None
        d = await enqueue(
            session, world.settings, project, commit="c" * 40, ref="main", trigger="push"
        )
    await world.dispatcher.tick()
    await world.builder.end(d.id, "site", published=True)
    await world.dispatcher.tick()
    return d.id


async def test_rollback_goes_back_and_pauses_automatic_promotion(
    world: World, client: Client
) -> None:
    answer = await client.post("/api/projects/site/rollback")
    assert answer.status_code == 200, answer.text
    project = answer.json()
    assert (project["production_deployment"]["id"], project["promoted_by"]) == (
        OLD,
        "api:rollback",
    )
    assert project["auto_promote_paused"] is True
    record, route = await world.production("site")
    assert record == route == (OLD, 2)

    newer = await build_on_main(world)
    assert (await client.get(f"/api/deployments/{newer}")).json()["status"] == "ready"
    assert (await world.production("site"))[0][0] == OLD  # paused: production stays

    assert (await client.post(f"/api/deployments/{newer}/promote")).status_code == 200
    project = (await client.get("/api/projects/site")).json()
    assert (project["production_deployment"]["id"], project["auto_promote_paused"]) == (
        newer,
        False,
    )


async def test_rollback_to_a_named_deployment(world: World, client: Client) -> None:
    answer = await client.post(
        "/api/projects/site/rollback", json={"deployment": OLD, "actor": "alice"}
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["production_deployment"]["id"], answer.json()["promoted_by"]) == (
        OLD,
        "alice",
    )


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        pytest.param(
            {"deployment": "nosuchdeployment"}, 409, "not a ready deployment", id="unknown"
        ),
        pytest.param({"deployment": "x/y"}, 400, "deployment id", id="not-an-id"),
    ],
)
async def test_rollback_refuses_a_target_it_cannot_serve(
    client: Client, body: dict[str, str], status: int, words: str
) -> None:
    answer = await client.post("/api/projects/site/rollback", json=body)
    assert answer.status_code == status
    assert words in answer.text


async def test_rollback_with_nothing_earlier_answers_409(world: World, client: Client) -> None:
    assert (await client.post("/api/projects/site/rollback")).status_code == 200
    again = await client.post("/api/projects/site/rollback")
    assert again.status_code == 409
    assert "no earlier ready deployment of main" in again.text
    assert (await client.post("/api/projects/nope/rollback")).status_code == 404


async def test_rollback_skips_a_rebuild_of_the_commit_in_production(
    world: World, client: Client
) -> None:
    # A rebuild of NEW's commit, older than NEW: going back to it would change nothing.
    same = "d" * 20
    async with world.sessions() as session, session.begin():
        new = await session.get(Deployment, NEW)
        assert new is not None
        commit = new.commit
    await world.add_ready("site", same, commit=commit)
    async with world.sessions() as session, session.begin():
        await session.execute(
            update(Deployment)
            .where(Deployment.id == same)
            .values(created_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        await session.execute(
            update(Deployment)
            .where(Deployment.id == OLD)
            .values(created_at=datetime.now(UTC) - timedelta(minutes=2))
        )
    answer = await client.post("/api/projects/site/rollback")
    assert answer.status_code == 200, answer.text
    assert answer.json()["production_deployment"]["id"] == OLD
