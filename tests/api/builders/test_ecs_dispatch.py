from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from services.api.app import create_app
from services.api.builders.ecs import EcsBuilder
from services.core.settings import Settings
from tests.api.conftest import TOKEN, make_settings, post_webhook, push_payload
from tests.api.test_lifecycle import wait_for

pytestmark = pytest.mark.anyio


async def test_dispatcher_on_ecs(tmp_path: Path, ecs_settings: Settings) -> None:
    """moto runs no container: its task stops at once with exit code 0 and no manifest."""
    settings = make_settings(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        **{k: v for k, v in ecs_settings.model_dump().items() if k.startswith(("ecs_", "aws_"))},
        builder="ecs",
    )
    builder = EcsBuilder.from_settings(settings)
    async with AsyncTestClient(app=create_app(settings, builder=builder)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        await client.post(
            "/api/projects",
            json={
                "name": "site",
                "repo_url": "https://github.com/acme/site",
                "github_repo": "acme/site",
            },
        )
        response = await post_webhook(client, push_payload(after="e" * 40))
        [deployment_id] = response.json()["deployments"]
        final = await wait_for(client, deployment_id, ("ready", "failed", "canceled"))
        assert (final["status"], final["reason"]) == ("failed", "publish")
        assert final["error"] == "the build ended without a manifest"
        [task] = (
            builder.ecs.list_tasks(cluster=settings.ecs_cluster, desiredStatus="STOPPED")[
                "taskArns"
            ]
            or builder.ecs.list_tasks(cluster=settings.ecs_cluster)["taskArns"]
        )
        assert task.startswith("arn:aws:ecs:")
