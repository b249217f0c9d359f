"""Every row of docs/frameworks.md a generator here can make, built for real in the sandbox.

Each starter (scripts/starters.py) is generated afresh by the framework's own generator,
committed with the lockfile a first install writes, and built by the real runner through the
sandbox, installing from the real npm registry or PyPI (`network` marker: run with
SLIPWAY_TEST_NETWORK=1, `make test-network`). A framework that needs a newer Node.js than
the builder's gets it as a project would: its own .nvmrc or engines, else `NODE_VERSION`,
downloaded by the runner from the registry.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts.starter_tools import tool_env
from scripts.starters import STARTERS, Starter, build_variables, generate
from tests.build_runner.support import RunResult, published, run_runner
from tests.support.gitrepo import GitRepo
from tests.support.npm_registry import fresh_runtimes_dir

pytestmark = [pytest.mark.network, pytest.mark.slow]

NPM_REGISTRY = "https://registry.npmjs.org"
# Fingerprinted files the cache rule (build_runner/content.py) leaves to revalidation, as it
# does whenever a name does not look hashed: VitePress names page chunks
# `<page>.md.<hash>.lean.js`, the hash not the name's last part; webpack's 8 hex digits are
# now and then all digits (Docusaurus's `assets/js/fefdd57e.10801570.js`), read as a number.
REVALIDATED_BY_THE_RULE = {
    "vitepress": r"assets/.+\.lean\.js",
    "docusaurus": r"assets/js/[\w~-]+\.\d+\.js",
}
BUILD_SECONDS = 900  # an install of a thousand packages and a webpack build, on 2 vCPU


def lock(starter: Starter, app: Path) -> None:
    """The lockfile a developer commits after the first install, where the generator wrote none."""
    if (app / "package.json").exists() and not (app / "package-lock.json").exists():
        subprocess.run(
            [
                "npm",
                "install",
                "--package-lock-only",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
            ],
            cwd=app,
            env=tool_env(starter.node),
            check=True,
            capture_output=True,
            timeout=600,
        )


@contextmanager
def runtimes(starter: Starter) -> Iterator[dict[str, str]]:
    """Where the runner may download the Node.js the framework needs (nowhere otherwise)."""
    if not starter.node:
        yield {}
        return
    with fresh_runtimes_dir() as path:
        yield {"SLIPWAY_RUNTIME_REGISTRY": NPM_REGISTRY, "SLIPWAY_RUNTIMES_DIR": str(path)}


def machine_certificates() -> dict[str, str]:
    """Where this machine's outbound TLS needs a CA of its own, a downloaded Node.js release
    (which trusts only its bundled CAs) must be told, as this machine tells its own tools."""
    bundle = os.environ.get("NODE_EXTRA_CA_CERTS", "")
    return {"NODE_EXTRA_CA_CERTS": bundle} if bundle else {}


def build(starter: Starter, tmp_path: Path, storage_url: str) -> RunResult:
    app = generate(starter, tmp_path / "generated")
    lock(starter, app)
    repo = GitRepo(tmp_path / "repo")
    shutil.copytree(app, repo.path, dirs_exist_ok=True)
    commit = repo.commit({}, "generated")
    variables = build_variables(starter, repo.path)
    if starter.node:
        variables.update(machine_certificates())
    extra = {"SLIPWAY_BUILD_TIMEOUT": str(BUILD_SECONDS), **variables}
    if variables:
        extra["SLIPWAY_BUILD_ENV_NAMES"] = ",".join(variables)
    with runtimes(starter) as runtime:
        return run_runner(
            repo_url=repo.url,
            commit=commit,
            storage_url=storage_url,
            extra={**extra, **runtime},
            timeout=BUILD_SECONDS + 60,
        )


@pytest.mark.timeout(2 * BUILD_SECONDS)  # the generator's own install, then the build
@pytest.mark.parametrize("name", list(STARTERS))
def test_a_generated_starter_builds_from_the_registry(
    name: str, tmp_path: Path, local_storage_url: str
) -> None:
    starter = STARTERS[name]
    result = build(starter, tmp_path, local_storage_url)
    assert result.code == 0, result.stdout[-8000:]
    assert f"framework: {starter.framework}\n" in result.stdout
    manifest, files, _ = published(local_storage_url, result.deployment_id)
    assert starter.page.encode() in files["index.html"]
    assert manifest.files["index.html"].cache != "immutable"
    if starter.fingerprinted:
        fingerprinted = [p for p in files if re.fullmatch(starter.fingerprinted, p)]
        assert fingerprinted, sorted(files)[:40]
        expected = REVALIDATED_BY_THE_RULE.get(name, r"(?!)")
        revalidated = [
            p
            for p in fingerprinted
            if manifest.files[p].cache != "immutable" and not re.fullmatch(expected, p)
        ]
        assert not revalidated
