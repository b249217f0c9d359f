"""Two api processes on one PostgreSQL database: every queued deployment is built exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.gitrepo import GitRepo
from tests.support.moto import free_port
from tests.support.platform import TOKEN, Platform
from tests.support.shared_files import file_builds_may_write

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def counting_site(title: str) -> dict[str, str]:
    """A build that records each run in a file outside the checkout (no sandbox here)."""
    script = (
        "node -e \"const fs=require('fs');fs.appendFileSync(process.env.COUNTER_FILE,"
        f"'{title}\\\\n');fs.mkdirSync('dist',{{recursive:true}});"
        f"fs.writeFileSync('dist/index.html','{title}')\""
    )
    return {
        "package.json": json.dumps({"name": "s", "private": True, "scripts": {"build": script}})
    }


def test_two_replicas_build_each_deployment_once(tmp_path: Path, postgres_url: str) -> None:
    import asyncio

    import asyncpg  # type: ignore[import-untyped]

    database = f"replicas_{int(time.time() * 1000)}"

    async def create() -> None:
        conn = await asyncpg.connect(postgres_url)
        await conn.execute(f'CREATE DATABASE "{database}"')
        await conn.close()

    asyncio.run(create())
    url = postgres_url.rsplit("/", 1)[0] + f"/{database}"
    counter = file_builds_may_write("runs.txt")
    platform = Platform(
        tmp_path,
        SLIPWAY_DATABASE_URL=url,
        SLIPWAY_SANDBOX="none",
        SLIPWAY_MAX_CONCURRENT_BUILDS="3",
        SLIPWAY_MAX_CONCURRENT_BUILDS_PER_PROJECT="3",
    )
    platform.start("api")
    second_port = free_port()
    with (tmp_path / "api2.log").open("ab") as log:
        second = subprocess.Popen(
            [sys.executable, "-m", "services.api"],
            env={**platform.env, "SLIPWAY_API_PORT": str(second_port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{second_port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        repo = GitRepo(tmp_path / "repo")
        ids = []
        for n in range(3):
            platform.create_project(
                f"p{n}", repo.url, env={"COUNTER_FILE": str(counter)}, cancel_superseded=False
            )
        for n in range(4):
            commit = repo.commit(counting_site(f"run{n}"))
            for p in range(3):
                ids.append(platform.push(f"p{p}", commit).json()["deployments"][0])
        finals = [platform.wait_final(i) for i in ids]
        assert [d["status"] for d in finals] == ["ready"] * len(ids)
        runs = counter.read_text().split()
        assert len(runs) == len(ids), runs
        second_api = httpx.Client(
            base_url=f"http://127.0.0.1:{second_port}",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert len(second_api.get("/api/projects").json()) == 3
        second_api.close()
    finally:
        second.terminate()
        second.wait(timeout=30)
        platform.stop()
