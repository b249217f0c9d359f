from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from services.api.app import create_app
from services.core.settings import Settings

TOKEN = "test-token-0123456789"
SECRET = "webhook-secret"


def database_params() -> list[Any]:
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]


@pytest.fixture(params=database_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'slipway.db'}"
    server = request.getfixturevalue("postgres_url")
    import asyncio

    import asyncpg  # type: ignore[import-untyped]

    name = f"t_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await asyncpg.connect(server)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    base = server.rsplit("/", 1)[0]
    return f"{base}/{name}"


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "storage_url": (tmp_path / "storage").as_uri(),
        "api_token": TOKEN,
        "github_webhook_secret": SECRET,
        "dispatch_interval": 0.2,
        "sandbox": "none",
        # Most api tests name repositories that do not exist or live on GitHub, which tests
        # never reach; the checks run against real repositories in test_repository_check.py
        # and in every CLI and dashboard test (tests/cli/live.py).
        "check_repositories": False,
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """The api without its dispatcher: what is queued stays queued."""
    app = create_app(settings, run_dispatcher=False)
    async with AsyncTestClient(app=app) as c:
        c.headers["Authorization"] = f"Bearer {TOKEN}"
        yield c


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def push_payload(
    repo: str = "acme/site",
    branch: str = "main",
    after: str = "a" * 40,
    message: str = "change",
    **extra: Any,
) -> dict[str, Any]:
    payload = {
        "ref": f"refs/heads/{branch}",
        "after": after,
        "before": "0" * 40,
        "deleted": False,
        "repository": {"full_name": repo},
        "head_commit": {"id": after, "message": message},
    }
    payload.update(extra)
    return payload


async def post_webhook(
    client: httpx.AsyncClient | AsyncTestClient,  # type: ignore[type-arg]
    payload: dict[str, Any] | bytes,
    event: str = "push",
    delivery: str | None = None,
    secret: str = SECRET,
    content_type: str = "application/json",
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(body, secret),
        "Content-Type": content_type,
    }
    return await client.post("/webhooks/github", content=body, headers=headers)


FINAL_STATUSES = ("ready", "failed", "canceled")


async def wait_for(
    client: AsyncTestClient,  # type: ignore[type-arg]
    deployment_id: str,
    statuses: tuple[str, ...] = FINAL_STATUSES,
) -> dict[str, Any]:
    """The deployment once its status is one of `statuses`; 60 s at most."""
    for _ in range(600):
        d = dict((await client.get(f"/api/deployments/{deployment_id}")).json())
        if d["status"] in statuses:
            return d
        await asyncio.sleep(0.1)
    raise AssertionError(f"{deployment_id} never reached {statuses}")
