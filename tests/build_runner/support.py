"""Run the build runner the way its container image does, and read what it published."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import anyio

from scripts.dependencies.npm_tools import package_managers, without_hash
from services.core.hosts import new_deployment_id
from services.core.manifest import Manifest, build_log_key, decode_manifest, manifest_key
from services.core.runner_inputs import RunnerInputs
from services.core.storage import Storage

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "build_runner" / "Dockerfile"
TOOLS = REPO_ROOT / ".tools"
COREPACK_BIN = TOOLS / "corepack" / "node_modules" / ".bin"
COREPACK_HOME = TOOLS / "corepack-home"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
# Set for the whole run by tests/conftest.py: no download leaves the machine.
RUNTIME_SETTINGS = ("SLIPWAY_RUNTIME_REGISTRY", "SLIPWAY_RUNTIMES_DIR")


def prepared_release(name: str, *, major: str = "") -> str:
    """`name@version` of a package manager release prepared for builds (build_runner/tools)."""
    for pin in package_managers():
        release = without_hash(pin)
        if release.startswith(f"{name}@{major}"):
            return release
    raise AssertionError(f"no {name}@{major}* is prepared for builds")


def image_entrypoint() -> list[str]:
    """The image's ENTRYPOINT, with this interpreter standing in for the image's python."""
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("ENTRYPOINT "):
            argv: list[str] = json.loads(line.removeprefix("ENTRYPOINT "))
            return [sys.executable if arg == "python" else arg for arg in argv]
    raise AssertionError("the Dockerfile has no ENTRYPOINT")


def toolchain_env() -> dict[str, str]:
    """What the image's environment provides: PATH with corepack, the prepared corepack home."""
    if not (COREPACK_BIN / "corepack").exists() or not COREPACK_HOME.is_dir():
        raise AssertionError("build tools are missing: run `make build-runner-tools`")
    return {"PATH": f"{COREPACK_BIN}:{SYSTEM_PATH}", "COREPACK_HOME": str(COREPACK_HOME)}


@dataclass
class RunResult:
    code: int
    stdout: str
    deployment_id: str


def runner_env(
    *,
    repo_url: str,
    commit: str,
    storage_url: str,
    deployment_id: str,
    project: str = "site",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment the api gives a build: its inputs, the toolchain, storage credentials.

    `extra` overrides or adds variables as text, past what `RunnerInputs` would write.
    """
    inputs = RunnerInputs(
        deployment_id=deployment_id,
        project=project,
        repo_url=repo_url,
        storage_url=storage_url,
        commit_sha=commit,
        ref="main",
        build_timeout=120,
    )
    return {
        **toolchain_env(),
        **inputs.to_env(),
        # The image runs tini as PID 1; here it is a child, so it registers as a subreaper.
        "TINI_SUBREAPER": "1",
        **{k: os.environ[k] for k in RUNTIME_SETTINGS if k in os.environ},
        **{k: v for k, v in os.environ.items() if k.startswith("AWS_")},
        **(extra or {}),
    }


def run_runner(
    *,
    repo_url: str,
    commit: str,
    storage_url: str,
    project: str = "site",
    extra: dict[str, str] | None = None,
    timeout: float = 120,
) -> RunResult:
    deployment_id = new_deployment_id()
    env = runner_env(
        repo_url=repo_url,
        commit=commit,
        storage_url=storage_url,
        deployment_id=deployment_id,
        project=project,
        extra=extra,
    )
    proc = subprocess.run(
        image_entrypoint(),
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return RunResult(proc.returncode, proc.stdout + proc.stderr, deployment_id)


def published(storage_url: str, deployment_id: str) -> tuple[Manifest, dict[str, bytes], str]:
    """The manifest, every listed file's bytes, and the build log."""

    async def read() -> tuple[Manifest, dict[str, bytes], str]:
        storage = Storage(storage_url)
        manifest = decode_manifest(await storage.get(manifest_key(deployment_id)))
        files = {
            path: await storage.get(f"deployments/{deployment_id}/{entry.key}")
            for path, entry in manifest.files.items()
        }
        log = (await storage.get(build_log_key(deployment_id))).decode()
        return manifest, files, log

    return anyio.run(read)


def build_log(storage_url: str, deployment_id: str) -> str | None:
    async def read() -> bytes | None:
        return await Storage(storage_url).get_or_none(build_log_key(deployment_id))

    data = anyio.run(read)
    return data.decode() if data is not None else None


def has_manifest(storage_url: str, deployment_id: str) -> bool:
    async def check() -> bool:
        return await Storage(storage_url).exists(manifest_key(deployment_id))

    return anyio.run(check)
