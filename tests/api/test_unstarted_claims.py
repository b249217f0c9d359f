"""A claim whose api stopped before starting its run is queued again once
SLIPWAY_BUILD_START_GRACE has passed since the claim, and not before: until then the api
that claimed it may still be starting it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.api.db.models import Deployment
from services.core.deployment_states import Status
from tests.api.lifecycle_world import World

pytestmark = pytest.mark.anyio
GRACE = 5


@pytest.fixture
async def world(tmp_path: Path, database_url: str) -> AsyncIterator[World]:
    world = World(tmp_path, database_url, build_start_grace=GRACE)
    await world.start()
    await world.add_project("site")
    yield world
    await world.close()


@pytest.mark.parametrize(
    ("claimed_ago", "after"), [(GRACE - 3, Status.BUILDING), (GRACE + 3, Status.QUEUED)]
)
async def test_a_claim_without_a_run_is_queued_again_only_after_the_grace(
    world: World, claimed_ago: int, after: Status
) -> None:
    claimed_at = datetime.now(UTC) - timedelta(seconds=claimed_ago)
    async with world.sessions() as session, session.begin():
        session.add(
            Deployment(
                id="d" * 20,
                project_name="site",
                status=Status.BUILDING,
                commit="a" * 40,
                ref="main",
                started_at=claimed_at,
                attempts=1,
            )
        )
    await world.dispatcher.settle_running()
    async with world.sessions() as session:
        d = await session.get(Deployment, "d" * 20)
    assert d is not None
    assert d.status == after
    assert d.started_at == (claimed_at if after == Status.BUILDING else None)
    assert world.builder.starts == {}  # nothing was started, only given back to the queue
