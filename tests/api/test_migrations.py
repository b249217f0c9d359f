"""Migrations applied to a database that already holds data, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.engine import Connection

from services.api.app import create_app
from services.api.db.engine import MIGRATIONS, create_engine
from services.core.settings import Settings
from tests.api.conftest import TOKEN, post_webhook, push_payload

pytestmark = pytest.mark.anyio

OLD_PROJECT = text(
    "INSERT INTO projects (name, repo_url, production_branch, root_dir, install_command,"
    " build_command, output_dir, ignore_command, spa, env, webhook_secret, build_tags,"
    " build_fork_prs, cancel_superseded, auto_promote, created_at, updated_at)"
    " VALUES ('old', 'file:///x', 'main', '', '', '', '', '', false, :env, '', false,"
    " false, true, true, :now, :now)"
)


def alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def run(database_url: str, step: str, revision: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda c: getattr(command, step)(alembic_config(c), revision))
    finally:
        await engine.dispose()


async def add_project_at_0001(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(OLD_PROJECT, {"env": '{"API_URL": "u"}', "now": datetime.now(UTC)})
    finally:
        await engine.dispose()


@asynccontextmanager
async def api_over_old_project(
    settings: Settings, database_url: str, revision: str
) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """A project written at `revision`, then the api, which upgrades to the newest when it starts."""
    await run(database_url, "upgrade", revision)
    await add_project_at_0001(database_url)
    async with AsyncTestClient(app=create_app(settings, run_dispatcher=False)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        yield client


async def test_0002_gives_existing_projects_empty_scoped_variables(
    settings: Settings, database_url: str
) -> None:
    async with api_over_old_project(settings, database_url, "0001") as client:
        old = await client.get("/api/projects/old", params={"reveal_env": "true"})
        assert old.status_code == 200, old.text
        body = old.json()
        assert (body["env"], body["production_env"], body["preview_env"]) == (
            {"API_URL": "u"},
            {},
            {},
        )
        patched = await client.patch("/api/projects/old", json={"preview_env": {"A": "b"}})
        assert patched.status_code == 200, patched.text


async def test_0003_leaves_existing_projects_unprotected(
    settings: Settings, database_url: str
) -> None:
    async with api_over_old_project(settings, database_url, "0002") as client:
        old = await client.get("/api/projects/old")
        assert old.status_code == 200, old.text
        assert old.json()["preview_protected"] is False
        patched = await client.patch("/api/projects/old", json={"preview_password": "a-password"})
        assert patched.json()["preview_protected"] is True


@pytest.mark.parametrize(
    ("before", "revision"),
    [("0001", "0002"), ("0002", "0003"), ("0003", "0004"), ("0005", "0006"), ("0006", "0007")],
)
async def test_a_revision_downgrades_and_upgrades_again(
    database_url: str, before: str, revision: str
) -> None:
    await run(database_url, "upgrade", before)
    await add_project_at_0001(database_url)
    await run(database_url, "upgrade", revision)
    await run(database_url, "downgrade", before)
    await run(database_url, "upgrade", "head")


async def test_0004_judges_the_first_push_after_it_as_new(
    settings: Settings, database_url: str
) -> None:
    """No history yet: a project's next push is built, then its repetition is a replay."""
    async with api_over_old_project(settings, database_url, "0003") as client:
        patched = await client.patch("/api/projects/old", json={"github_repo": "acme/old"})
        assert patched.status_code == 200, patched.text
        push = push_payload(repo="acme/old", after="f" * 40)
        assert (await post_webhook(client, push)).status_code == 202
        again = await post_webhook(client, push)
        assert (again.status_code, again.json()["status"]) == (200, "replay")


async def test_0006_and_0007_start_existing_projects_at_generation_0_unpaused(
    database_url: str,
) -> None:
    """Generation 0 is what routes written before the fence read as, so the next promotion
    writes 1; automatic promotion keeps running until a rollback pauses it."""
    await run(database_url, "upgrade", "0005")
    await add_project_at_0001(database_url)
    await run(database_url, "upgrade", "0007")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            found = (
                await conn.execute(
                    text(
                        "SELECT production_generation, auto_promote_paused FROM projects"
                        " WHERE name = 'old'"
                    )
                )
            ).one()
    finally:
        await engine.dispose()
    assert tuple(found) == (0, False)
