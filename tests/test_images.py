"""Both images' Python environments, built here the way their Dockerfiles build them.

No container engine runs on the build machines, so each Dockerfile's dependency stage runs
as written, with its paths mapped into a temporary directory: the same pip command, the same
requirement file from the lock. The environment must then hold exactly that lock, and the
sources the image copies must run from it: the api and the proxy answer /healthz, the
runner publishes a real build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from scripts.dependencies.installed import differences, locked_here
from scripts.dependencies.requirements import REPO_ROOT, REQUIREMENTS_DIR
from services.core.hosts import new_deployment_id
from tests.build_runner.support import DOCKERFILE as RUNNER_DOCKERFILE
from tests.build_runner.support import published, runner_env
from tests.support.gitrepo import GitRepo
from tests.support.moto import free_port

SERVICES_DOCKERFILE = REPO_ROOT / "Dockerfile"


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    return [
        (line.split(None, 1)[0], line.split(None, 1)[1])
        for line in joined.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def stage(dockerfile: Path, name: str) -> list[tuple[str, str]]:
    """The instructions of one named stage (`FROM … AS name`)."""
    found: list[tuple[str, str]] = []
    inside = False
    for keyword, rest in instructions(dockerfile):
        if keyword == "FROM":
            inside = rest.endswith(f" AS {name}")
        elif inside:
            found.append((keyword, rest))
    assert found, f"{dockerfile.name} has no stage {name}"
    return found


def build_environment(dockerfile: Path, stage_name: str, into: Path) -> Path:
    """Run a dependency stage's RUN lines with /opt/venv and the copied lock files mapped."""
    copies: dict[str, Path] = {}
    for keyword, rest in stage(dockerfile, stage_name):
        if keyword == "COPY":
            *sources, target = rest.split()
            for source in sources:
                image_path = f"{target}{Path(source).name}" if target.endswith("/") else target
                copies[image_path] = REPO_ROOT / source
    for keyword, rest in stage(dockerfile, stage_name):
        if keyword != "RUN":
            continue
        command = rest.replace("/opt/venv", str(into)).replace(
            "python -m venv", f"{sys.executable} -m venv"
        )
        for image_path, source in copies.items():
            command = command.replace(image_path, str(source))
        subprocess.run(["bash", "-euo", "pipefail", "-c", command], check=True, timeout=600)
    return into / "bin" / "python"


def installed_in(python: Path) -> dict[str, str]:
    script = (
        "import importlib.metadata as m, json, re;"
        "print(json.dumps({re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(): d.version"
        " for d in m.distributions()}))"
    )
    out = subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True)
    found: dict[str, str] = json.loads(out.stdout)
    return found


def copy_sources(dockerfile: Path, app: Path) -> None:
    """What the final stage COPYs from the repository (not from other stages)."""
    final = dockerfile.read_text().rsplit("\nFROM ", 1)[1]
    for keyword, rest in instructions(dockerfile):
        if keyword != "COPY" or rest.startswith("--from") or f"COPY {rest}" not in final:
            continue
        source, target = rest.split()
        destination = app / target
        if (REPO_ROOT / source).is_dir():
            shutil.copytree(
                REPO_ROOT / source, destination, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO_ROOT / source, destination)


def wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "the service exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"no healthy answer on port {port}")


@pytest.mark.slow
def test_services_image_environment_is_the_lock_and_runs_both_services(tmp_path: Path) -> None:
    python = build_environment(SERVICES_DOCKERFILE, "deps", tmp_path / "venv")
    # Locked setuptools (requirements/build.txt) replaces the one venv brings on 3.11.
    locked = {
        **locked_here(REQUIREMENTS_DIR / "services.txt"),
        **locked_here(REQUIREMENTS_DIR / "build.txt"),
    }
    assert differences(locked, installed_in(python)) == []

    app = tmp_path / "app"
    copy_sources(SERVICES_DOCKERFILE, app)
    data = tmp_path / "data"
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(app),
        "SLIPWAY_DATA_DIR": str(data),
        "SLIPWAY_API_TOKEN": "t" * 32,
        "SLIPWAY_GITHUB_WEBHOOK_SECRET": "s" * 32,
        "SLIPWAY_API_PORT": str(free_port()),
        "SLIPWAY_PROXY_PORT": str(free_port()),
        "SLIPWAY_PROXY_WORKERS": "1",
    }
    for module, port in (
        ("services.api", env["SLIPWAY_API_PORT"]),
        ("services.proxy", env["SLIPWAY_PROXY_PORT"]),
    ):
        process = subprocess.Popen([str(python), "-m", module], env=env, cwd=tmp_path)
        try:
            wait_healthy(int(port), process)
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.mark.slow
def test_runner_image_environment_is_the_lock_and_publishes_a_build(
    tmp_path: Path, local_storage_url: str
) -> None:
    repo = GitRepo(tmp_path / "repo")
    python = build_environment(RUNNER_DOCKERFILE, "python-deps", tmp_path / "venv")
    assert differences(locked_here(REQUIREMENTS_DIR / "runner.txt"), installed_in(python)) == []

    app = tmp_path / "app"
    copy_sources(RUNNER_DOCKERFILE, app)
    commit = repo.commit({"index.html": "<h1>from the image environment</h1>"})
    deployment_id = new_deployment_id()
    env = runner_env(
        repo_url=repo.url, commit=commit, storage_url=local_storage_url, deployment_id=deployment_id
    )
    result = subprocess.run(
        [str(python), "-m", "build_runner"],
        env={**env, "PYTHONPATH": str(app)},
        cwd=app,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    _, files, _ = published(local_storage_url, deployment_id)
    assert b"from the image environment" in files["index.html"]
