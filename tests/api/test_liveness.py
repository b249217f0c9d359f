"""`/livez` answers while the database is down (a reboot must not get healthy tasks replaced);
`/healthz`, readiness, says the database is unavailable until it is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from services.api.app import create_app
from tests.api.conftest import make_settings
from tests.support.postgres import PostgresServer

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own, which it may stop (the run's is shared)."""
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.remove()


async def test_liveness_holds_while_the_database_reboots(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    app = create_app(make_settings(tmp_path, own_postgres.url), run_dispatcher=False)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/livez")).json() == {"status": "ok"}

        own_postgres.stop()
        down = await client.get("/healthz")
        assert down.status_code == 503
        assert down.json()["database"].startswith("unavailable")
        live = await client.get("/livez", headers={"Authorization": ""})
        assert (live.status_code, live.json()) == (200, {"status": "ok"})

        own_postgres.start()
        assert (await client.get("/healthz")).status_code == 200
