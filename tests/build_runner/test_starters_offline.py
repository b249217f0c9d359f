"""Starters made by their own generators, built by the real runner in the sandbox, offline.

`make test-runtimes` runs the generators of the starters below once and installs each with
an npm cache of its own (scripts/starters.py). Here that cache is the project's build cache,
restored as any earlier build's would be, and the build installs with `npm_config_offline`:
the sandbox never needs the registry. tests/build_runner/test_frameworks_network.py builds every row of the
framework table from the registry itself.
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import anyio
import pytest

from build_runner.build_cache import save_cache
from build_runner.log import BuildLog
from scripts.starters import STARTERS, Starter
from services.core.storage import Storage
from tests.build_runner.support import published, run_runner
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.slow

OFFLINE = {"SLIPWAY_BUILD_ENV_NAMES": "npm_config_offline", "npm_config_offline": "true"}
# The ones `make test-runtimes` prepares (mk/runner.mk); the rest are prepared for benchmarks.
OFFLINE_STARTERS = ["vite-react-ts"]


def seed_build_cache(starter: Starter, storage_url: str, scratch: Path) -> None:
    cache = scratch / "cache"
    shutil.copytree(starter.npm_cache, cache / "npm")

    async def save() -> bool:
        return await save_cache(
            Storage(storage_url), "site", cache, BuildLog(io.StringIO()), context=None
        )

    assert anyio.run(save)


@pytest.mark.parametrize("name", OFFLINE_STARTERS)
def test_a_generated_starter_builds_from_its_cache(
    name: str, tmp_path: Path, local_storage_url: str
) -> None:
    starter = STARTERS[name]
    if not starter.ready.exists():
        raise AssertionError(f"{starter.home} is missing: run `make test-runtimes`")
    repo = GitRepo(tmp_path / "repo")
    shutil.copytree(starter.app, repo.path, dirs_exist_ok=True)
    seed_build_cache(starter, local_storage_url, tmp_path)
    result = run_runner(
        repo_url=repo.url,
        commit=repo.commit({}),
        storage_url=local_storage_url,
        extra=OFFLINE,
        timeout=300,
    )
    assert result.code == 0, result.stdout
    assert f"framework: {starter.framework}" in result.stdout
    assert "restored the build cache" in result.stdout
    manifest, files, _ = published(local_storage_url, result.deployment_id)
    assert starter.page.encode() in files["index.html"]
    scripts = [p for p in files if re.fullmatch(starter.fingerprinted, p)]
    assert scripts
    assert all(manifest.files[p].cache == "immutable" for p in scripts)
    assert manifest.files["index.html"].cache != "immutable"
