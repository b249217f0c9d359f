"""The api's runtime settings reach its local builds: a project's NODE_VERSION is honoured.

The registry is a loopback server holding real releases (tests/support/npm_registry.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from build_runner.runtimes import node_package
from services.api.app import create_app
from services.core.storage import Storage
from tests.api.conftest import TOKEN, make_settings, wait_for
from tests.support.gitrepo import GitRepo
from tests.support.npm_registry import (
    TEST_NODE,
    TEST_NPM,
    cached_tarball,
    fresh_runtimes_dir,
    npm_registry,
)

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

REPORT = (
    "node -e \"require('fs').mkdirSync('dist',{recursive:true});"
    "require('fs').writeFileSync('dist/index.html',process.version)\""
)


def test_the_settings_name_what_a_local_runner_reads(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "sqlite://", runtimes_dir=tmp_path / "rt")
    assert settings.runtime_env() == {
        "SLIPWAY_RUNTIME_REGISTRY": settings.runtime_registry,
        "SLIPWAY_RUNTIMES_DIR": str((tmp_path / "rt").resolve()),
    }


@pytest.fixture
def store() -> Iterator[Path]:
    with fresh_runtimes_dir() as path:
        yield path


async def test_a_projects_node_version_is_downloaded_for_its_build(
    tmp_path: Path, store: Path
) -> None:
    tarballs = [cached_tarball(node_package(), TEST_NODE), cached_tarball("npm", TEST_NPM)]
    repo = GitRepo(tmp_path / "repo")
    commit = repo.commit({"package.json": json.dumps({"scripts": {"build": REPORT}})})
    with npm_registry(tarballs) as registry:
        settings = make_settings(
            tmp_path,
            f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
            runtime_registry=registry.url,
            runtimes_dir=store,
        )
        async with AsyncTestClient(app=create_app(settings)) as client:
            client.headers["Authorization"] = f"Bearer {TOKEN}"
            project = {"name": "site", "repo_url": repo.url, "env": {"NODE_VERSION": "22"}}
            assert (await client.post("/api/projects", json=project)).status_code == 201
            started = await client.post("/api/projects/site/deployments", json={"commit": commit})
            assert started.status_code == 202, started.text
            deployment_id = started.json()["id"]
            final = await wait_for(client, deployment_id)
    assert final["status"] == "ready", final
    storage = Storage(settings.resolved_storage_url)
    objects = await storage.list(f"deployments/{deployment_id}/")
    bodies = [await storage.get(o.key) for o in objects if not o.key.endswith(".json")]
    assert f"v{TEST_NODE}".encode() in bodies
    assert (store / "node" / TEST_NODE / "bin" / "node").is_file()
