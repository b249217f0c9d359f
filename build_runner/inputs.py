"""The runner's inputs, read once from its environment (see `services.core.build_protocol`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, cast, get_args

from services.core.hosts import DEPLOYMENT_ID_RE, valid_project_name

SandboxMode = Literal["auto", "bubblewrap", "none"]
# production: the production branch; deploy-preview: a pull request; branch-deploy: any other.
DeployContext = Literal["production", "deploy-preview", "branch-deploy"]
DEPLOY_CONTEXTS: tuple[DeployContext, ...] = get_args(DeployContext)
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TRUE = {"1", "true", "yes", "on"}


class InputError(ValueError):
    """The environment does not describe a build the runner can attempt."""


@dataclass(frozen=True)
class Limits:
    max_files: int = 20_000
    max_total_bytes: int = 1024 * 1024 * 1024
    max_file_bytes: int = 100 * 1024 * 1024
    # What the project's commands may use (build_runner/identity.py, disk_watch.py).
    max_processes: int = 2048
    max_workspace_bytes: int = 10 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class RunnerInputs:
    deployment_id: str
    project: str
    repo_url: str
    storage_url: str
    commit_sha: str = ""
    ref: str = ""
    deploy_context: DeployContext | None = None  # None: not told
    root_dir: str = ""
    install_command: str = ""
    build_command: str = ""
    output_dir: str = ""
    build_timeout: float = 900.0
    spa: bool = False
    ignore_command: str = ""
    build_env: dict[str, str] = field(default_factory=dict)
    sandbox: SandboxMode = "auto"
    git_token: str = ""
    limits: Limits = Limits()
    publish_concurrency: int = 32

    @property
    def secrets(self) -> list[str]:
        """Values that must never appear in the log."""
        return [v for v in (*self.build_env.values(), self.git_token) if v]


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise InputError(f"{name} must be at least {minimum}")
    return value


def _build_env(env: Mapping[str, str]) -> dict[str, str]:
    names = [n.strip() for n in env.get("SLIPWAY_BUILD_ENV_NAMES", "").split(",") if n.strip()]
    for name in names:
        if not _ENV_NAME_RE.match(name) or name.startswith("SLIPWAY_"):
            raise InputError(f"invalid build variable name: {name!r}")
    return {name: env[name] for name in names if name in env}


def _deploy_context(env: Mapping[str, str]) -> DeployContext | None:
    raw = env.get("SLIPWAY_DEPLOY_CONTEXT", "").strip()
    if not raw:  # an api that does not send it: netlify.toml's contexts are not applied
        return None
    if raw not in DEPLOY_CONTEXTS:
        raise InputError(
            f"SLIPWAY_DEPLOY_CONTEXT must be {', '.join(DEPLOY_CONTEXTS[:-1])} or "
            f"{DEPLOY_CONTEXTS[-1]}, got {raw!r}"
        )
    return raw


def read_inputs(env: Mapping[str, str]) -> RunnerInputs:
    def need(name: str) -> str:
        value = env.get(name, "").strip()
        if not value:
            raise InputError(f"{name} is required")
        return value

    deployment_id = need("SLIPWAY_DEPLOYMENT_ID")
    if not DEPLOYMENT_ID_RE.match(deployment_id):
        raise InputError(f"SLIPWAY_DEPLOYMENT_ID is not a deployment id: {deployment_id!r}")
    project = need("SLIPWAY_PROJECT")
    if not valid_project_name(project):
        raise InputError(f"SLIPWAY_PROJECT is not a project name: {project!r}")
    sandbox = env.get("SLIPWAY_SANDBOX", "auto").strip() or "auto"
    if sandbox not in ("auto", "bubblewrap", "none"):
        raise InputError(f"SLIPWAY_SANDBOX must be auto, bubblewrap or none, got {sandbox!r}")
    defaults = Limits()
    return RunnerInputs(
        deployment_id=deployment_id,
        project=project,
        repo_url=need("SLIPWAY_REPO_URL"),
        storage_url=need("SLIPWAY_STORAGE_URL"),
        commit_sha=env.get("SLIPWAY_COMMIT_SHA", "").strip().lower(),
        ref=env.get("SLIPWAY_REF", "").strip(),
        deploy_context=_deploy_context(env),
        root_dir=env.get("SLIPWAY_ROOT_DIR", "").strip().strip("/"),
        install_command=env.get("SLIPWAY_INSTALL_COMMAND", "").strip(),
        build_command=env.get("SLIPWAY_BUILD_COMMAND", "").strip(),
        output_dir=env.get("SLIPWAY_OUTPUT_DIR", "").strip().strip("/"),
        build_timeout=float(_int(env, "SLIPWAY_BUILD_TIMEOUT", 900)),
        spa=env.get("SLIPWAY_SPA", "").strip().lower() in _TRUE,
        ignore_command=env.get("SLIPWAY_IGNORE_COMMAND", "").strip(),
        build_env=_build_env(env),
        sandbox=cast("SandboxMode", sandbox),
        git_token=env.get("SLIPWAY_GIT_TOKEN", "").strip(),
        limits=Limits(
            max_files=_int(env, "SLIPWAY_MAX_FILES", defaults.max_files),
            max_total_bytes=_int(env, "SLIPWAY_MAX_OUTPUT_BYTES", defaults.max_total_bytes),
            max_file_bytes=_int(env, "SLIPWAY_MAX_FILE_BYTES", defaults.max_file_bytes),
            max_processes=_int(env, "SLIPWAY_BUILD_MAX_PROCESSES", defaults.max_processes, 16),
            max_workspace_bytes=_int(
                env, "SLIPWAY_BUILD_MAX_DISK_BYTES", defaults.max_workspace_bytes
            ),
        ),
        publish_concurrency=_int(env, "SLIPWAY_PUBLISH_CONCURRENCY", 32),
    )
