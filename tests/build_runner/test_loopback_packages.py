"""The loopback servers benchmarks install from: everything a project needs, nothing else.

The npm registry is built from the npm cache a starter's first install filled (`make
test-runtimes` prepares the Vite starter); the find-links page serves the MkDocs wheels the
offline MkDocs build uses. Each install runs with an empty cache of its own and every other
address sent to a closed port, so a package the servers lacked would fail it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from scripts.starters import STARTERS
from tests.support.npm_registry import CLOSED_REGISTRY, npm_registry
from tests.support.wheel_index import wheel_index

pytestmark = pytest.mark.slow

STARTER = STARTERS["vite-react-ts"]
MKDOCS_WHEELS = Path(__file__).resolve().parents[2] / ".tools" / "wheels" / "mkdocs"
NO_WAY_OUT = {
    "HTTPS_PROXY": CLOSED_REGISTRY,
    "HTTP_PROXY": CLOSED_REGISTRY,
    "NO_PROXY": "127.0.0.1",
}


def npm(args: list[str], cwd: Path, registry: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **NO_WAY_OUT, "npm_config_registry": registry + "/"}
    return subprocess.run(
        ["npm", *args, "--cache", str(cache), "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def starter_cache() -> Path:
    if not STARTER.ready.exists():
        raise AssertionError(f"{STARTER.home} is missing: run `make test-runtimes`")
    return STARTER.npm_cache


def test_a_lockfile_installs_every_package_from_the_cache_s_registry(
    starter_cache: Path, tmp_path: Path
) -> None:
    shutil.copytree(STARTER.app, tmp_path / "app")
    with npm_registry([], (starter_cache,)) as registry:
        result = npm(["ci"], tmp_path / "app", registry.url, tmp_path / "empty-cache")
        fetched = [p for p in registry.requests if p.endswith(".tgz")]
    assert result.returncode == 0, result.stderr
    lock = json.loads((tmp_path / "app" / "package-lock.json").read_text())
    installed = [p for p in lock["packages"] if p and (tmp_path / "app" / p).is_dir()]
    assert len(fetched) == len(installed)
    assert (tmp_path / "app" / "node_modules" / ".bin" / "vite").exists()


def test_without_a_lockfile_npm_resolves_from_the_abbreviated_documents(
    starter_cache: Path, tmp_path: Path
) -> None:
    react_dom = json.loads((STARTER.app / "package.json").read_text())["dependencies"]["react-dom"]
    (tmp_path / "package.json").write_text(json.dumps({"name": "x", "private": True}))
    with npm_registry([], (starter_cache,)) as registry:
        with urllib.request.urlopen(f"{registry.url}/react-dom") as answer:  # noqa: S310
            document = json.load(answer)
        result = npm(["install", f"react-dom@{react_dom}"], tmp_path, registry.url, tmp_path / "c")
    assert result.returncode == 0, result.stderr
    latest = document["versions"][document["dist-tags"]["latest"]]
    assert set(latest) >= {"name", "version", "dependencies", "peerDependencies", "dist"}
    # react-dom's dependency and its peer, both resolved through their own documents
    assert (tmp_path / "node_modules" / "scheduler" / "package.json").exists()
    assert (tmp_path / "node_modules" / "react" / "package.json").exists()


def test_pip_installs_and_caches_from_the_find_links_page(tmp_path: Path) -> None:
    if not (MKDOCS_WHEELS / ".stamp").exists():
        raise AssertionError(f"{MKDOCS_WHEELS} is missing: run `make test-runtimes`")
    requests: list[str] = []
    with wheel_index(MKDOCS_WHEELS, requests) as url:
        env = {
            **os.environ,
            **NO_WAY_OUT,
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": url,
            "PIP_TRUSTED_HOST": url.split("/")[2],
            "PIP_CACHE_DIR": str(tmp_path / "pip-cache"),
            "PIP_CONFIG_FILE": os.devnull,  # this machine's own indexes and links left out
        }
        target = ["--target", str(tmp_path / "site-packages")]
        result = subprocess.run(
            [sys.executable, "-m", "pip", "install", *target, "mkdocs"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site-packages" / "mkdocs").is_dir()
    assert any(p.endswith(".whl") for p in requests)
    assert any(p.is_file() for p in (tmp_path / "pip-cache").rglob("*"))  # as from PyPI
