"""The build runner's inputs as one type, in both directions.

The api makes a `RunnerInputs` and hands the runner `to_env()`; the runner reads it back with
`from_env()`. Every field is checked once, when the object is made, so neither side can
produce or accept an environment the other would read differently. The variable names are
the runner's documented interface (docs/build-runner.md, "Inputs"): `CONTRACT_KEYS` are
written on every build, the others only when they differ from their default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Final, Literal, cast, get_args

from services.core import build_variables
from services.core.git_names import encodable, is_commit_sha, valid_branch_name
from services.core.hosts import DEPLOYMENT_ID_RE, valid_project_name

SandboxMode = Literal["auto", "bubblewrap", "none"]
# production: the production branch; deploy-preview: a pull request; branch-deploy: any other.
DeployContext = Literal["production", "deploy-preview", "branch-deploy"]
SANDBOX_MODES: Final[tuple[SandboxMode, ...]] = get_args(SandboxMode)
DEPLOY_CONTEXTS: Final[tuple[DeployContext, ...]] = get_args(DeployContext)

# field → variable: the contract's minimum, written on every build.
CONTRACT_KEYS: Final = {
    "deployment_id": "SLIPWAY_DEPLOYMENT_ID",
    "project": "SLIPWAY_PROJECT",
    "repo_url": "SLIPWAY_REPO_URL",
    "commit_sha": "SLIPWAY_COMMIT_SHA",
    "ref": "SLIPWAY_REF",
    "root_dir": "SLIPWAY_ROOT_DIR",
    "install_command": "SLIPWAY_INSTALL_COMMAND",
    "build_command": "SLIPWAY_BUILD_COMMAND",
    "output_dir": "SLIPWAY_OUTPUT_DIR",
    "storage_url": "SLIPWAY_STORAGE_URL",
    "build_timeout": "SLIPWAY_BUILD_TIMEOUT",
}
# Inputs beyond the contract's minimum.
OPTIONAL_KEYS: Final = {
    "deploy_context": "SLIPWAY_DEPLOY_CONTEXT",  # picks netlify.toml's [context.*]; unset: none
    "spa": "SLIPWAY_SPA",  # "true": the manifest's serving config enables SPA fallback
    "ignore_command": "SLIPWAY_IGNORE_COMMAND",  # exit 0 in the checkout skips the build
    "sandbox": "SLIPWAY_SANDBOX",
    "git_token": "SLIPWAY_GIT_TOKEN",  # private https repositories; masked in the log
    "publish_concurrency": "SLIPWAY_PUBLISH_CONCURRENCY",
    # The deployment's addresses (scheme, host and any port; no path). The build's commands
    # get them under these names and under the names Netlify and Vercel sites read
    # (build_runner/site_url_variables.py); unset when the api did not say.
    "deployment_url": "SLIPWAY_DEPLOYMENT_URL",  # its own host
    "branch_url": "SLIPWAY_BRANCH_URL",  # its branch's or pull request's host
    "production_url": "SLIPWAY_PRODUCTION_URL",  # the project's production host
}
LIMIT_KEYS: Final = {
    "max_files": "SLIPWAY_MAX_FILES",
    "max_total_bytes": "SLIPWAY_MAX_OUTPUT_BYTES",
    "max_file_bytes": "SLIPWAY_MAX_FILE_BYTES",
    "max_processes": "SLIPWAY_BUILD_MAX_PROCESSES",
    "max_workspace_bytes": "SLIPWAY_BUILD_MAX_DISK_BYTES",
}
# Comma-separated names of the project's build variables, each also set by its own name.
BUILD_ENV_NAMES_KEY: Final = "SLIPWAY_BUILD_ENV_NAMES"
KEYS: Final = {**CONTRACT_KEYS, **OPTIONAL_KEYS}

# Plain text fields, read and written with surrounding spaces dropped.
_TEXT_FIELDS: Final = (
    "deployment_id",
    "project",
    "repo_url",
    "storage_url",
    "commit_sha",
    "ref",
    "root_dir",
    "install_command",
    "build_command",
    "output_dir",
    "ignore_command",
    "git_token",
    "deployment_url",
    "branch_url",
    "production_url",
)
_SITE_URL_FIELDS: Final = ("deployment_url", "branch_url", "production_url")
_SITE_URL_RE: Final = re.compile(r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?")
MAX_URL_CHARS: Final = 2000
MAX_NUMBER: Final = 2**63 - 1
MAX_TEXT_CHARS: Final = 4096  # a command, a directory, a token
_TRUE: Final = frozenset({"1", "true", "yes", "on"})


class InputError(ValueError):
    """The inputs do not describe a build the runner can attempt."""


def _check_number(key: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{key} must be a whole number, got {value!r}")
    if not minimum <= value <= MAX_NUMBER:
        raise InputError(f"{key} must be between {minimum} and {MAX_NUMBER}, got {value}")


@dataclass(frozen=True)
class Limits:
    max_files: int = 20_000
    max_total_bytes: int = 1024 * 1024 * 1024
    max_file_bytes: int = 100 * 1024 * 1024
    # What the project's commands may use (build_runner/identity.py, disk_watch.py).
    max_processes: int = 2048
    max_workspace_bytes: int = 10 * 1024 * 1024 * 1024

    def __post_init__(self) -> None:
        for name, key in LIMIT_KEYS.items():
            minimum = 16 if name == "max_processes" else 1  # a shell and its tools need a few
            _check_number(key, getattr(self, name), minimum)


@dataclass(frozen=True)
class RunnerInputs:
    deployment_id: str
    project: str
    repo_url: str
    storage_url: str
    commit_sha: str = ""  # empty: the tip of `ref`
    ref: str = ""
    deploy_context: DeployContext | None = None  # None: not told
    root_dir: str = ""
    install_command: str = ""
    build_command: str = ""
    output_dir: str = ""
    build_timeout: int = 900
    spa: bool = False
    ignore_command: str = ""
    build_env: dict[str, str] = field(default_factory=dict)
    sandbox: SandboxMode = "auto"
    git_token: str = ""
    limits: Limits = Limits()
    publish_concurrency: int = 32
    deployment_url: str = ""
    branch_url: str = ""
    production_url: str = ""

    def __post_init__(self) -> None:
        # One spelling of each value, so that from_env(to_env(x)) == x.
        for name in _TEXT_FIELDS:
            self._set(name, getattr(self, name).strip())
        for name in ("root_dir", "output_dir"):
            self._set(name, getattr(self, name).strip("/"))
        for name in _SITE_URL_FIELDS:
            self._set(name, getattr(self, name).rstrip("/"))
        self._set("commit_sha", self.commit_sha.lower())
        self._set("build_env", dict(self.build_env))
        _check(self)

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    @property
    def secrets(self) -> list[str]:
        """Values that must never appear in the log."""
        return [v for v in (*self.build_env.values(), self.git_token) if v]

    def to_env(self) -> dict[str, str]:
        """The runner's whole input as environment variables."""
        env = {key: _text(getattr(self, name)) for name, key in CONTRACT_KEYS.items()}
        defaults = {f.name: f.default for f in fields(self)}
        env |= {
            key: _text(getattr(self, name))
            for name, key in OPTIONAL_KEYS.items()
            if getattr(self, name) != defaults[name]
        }
        env |= {
            key: str(getattr(self.limits, name))
            for name, key in LIMIT_KEYS.items()
            if getattr(self.limits, name) != getattr(DEFAULT_LIMITS, name)
        }
        if self.build_env:
            env[BUILD_ENV_NAMES_KEY] = ",".join(sorted(self.build_env))
            env |= self.build_env
        return env

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RunnerInputs:
        """Read what `to_env()` wrote (other variables are ignored); InputError when invalid."""
        text = {name: env.get(key, "") for name, key in KEYS.items()}
        return cls(
            deployment_id=text["deployment_id"],
            project=text["project"],
            repo_url=text["repo_url"],
            storage_url=text["storage_url"],
            commit_sha=text["commit_sha"],
            ref=text["ref"],
            # Literal values are checked when the object is made.
            deploy_context=cast("DeployContext", text["deploy_context"].strip() or None),
            root_dir=text["root_dir"],
            install_command=text["install_command"],
            build_command=text["build_command"],
            output_dir=text["output_dir"],
            build_timeout=_number(env, "build_timeout", 900),
            spa=text["spa"].strip().lower() in _TRUE,
            ignore_command=text["ignore_command"],
            build_env=_build_env(env),
            sandbox=cast("SandboxMode", text["sandbox"].strip() or "auto"),
            git_token=text["git_token"],
            limits=Limits(
                **{name: _number(env, name, getattr(DEFAULT_LIMITS, name)) for name in LIMIT_KEYS}
            ),
            publish_concurrency=_number(env, "publish_concurrency", 32),
            deployment_url=text["deployment_url"],
            branch_url=text["branch_url"],
            production_url=text["production_url"],
        )


DEFAULT_LIMITS: Final = Limits()


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    key = KEYS.get(name) or LIMIT_KEYS[name]
    raw = env.get(key, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_NUMBER)):
        raise InputError(f"{key} must be a whole number, got {_shown(raw)}")
    return int(raw)


def _build_env(env: Mapping[str, str]) -> dict[str, str]:
    names = [n.strip() for n in env.get(BUILD_ENV_NAMES_KEY, "").split(",") if n.strip()]
    return {name: env[name] for name in names if name in env}


def _check(inputs: RunnerInputs) -> None:
    """Every rule on every field, each stated once; the message names the variable."""
    key = KEYS
    if not DEPLOYMENT_ID_RE.match(inputs.deployment_id):
        raise InputError(
            f"{key['deployment_id']} is not a deployment id: {_shown(inputs.deployment_id)}"
        )
    if not valid_project_name(inputs.project):
        raise InputError(f"{key['project']} is not a project name: {_shown(inputs.project)}")
    for name in ("repo_url", "storage_url"):
        _one_line(key[name], getattr(inputs, name), MAX_URL_CHARS, required=True)
    if inputs.commit_sha and not is_commit_sha(inputs.commit_sha):
        raise InputError(
            f"{key['commit_sha']} must be a full commit sha (40 hexadecimal digits), "
            f"got {_shown(inputs.commit_sha)}"
        )
    if inputs.ref and not valid_branch_name(inputs.ref):
        raise InputError(f"{key['ref']} is not a branch name: {_shown(inputs.ref)}")
    if inputs.deploy_context is not None and inputs.deploy_context not in DEPLOY_CONTEXTS:
        raise InputError(
            f"{key['deploy_context']} must be {', '.join(DEPLOY_CONTEXTS[:-1])} or "
            f"{DEPLOY_CONTEXTS[-1]}, got {_shown(inputs.deploy_context)}"
        )
    for name in ("root_dir", "output_dir", "install_command", "build_command", "ignore_command"):
        _one_line(key[name], getattr(inputs, name), MAX_TEXT_CHARS)
    _one_line(key["git_token"], inputs.git_token, MAX_TEXT_CHARS)
    if inputs.sandbox not in SANDBOX_MODES:
        raise InputError(
            f"{key['sandbox']} must be auto, bubblewrap or none, got {_shown(inputs.sandbox)}"
        )
    for name in ("build_timeout", "publish_concurrency"):
        _check_number(key[name], getattr(inputs, name), 1)
    for name in _SITE_URL_FIELDS:
        value = getattr(inputs, name)
        if value and (len(value) > MAX_URL_CHARS or not _SITE_URL_RE.fullmatch(value)):
            raise InputError(f"{key[name]} must be a site's http(s) URL, got {_shown(value)}")
    _check_build_env(inputs.build_env)


def _check_build_env(variables: Mapping[str, str]) -> None:
    for name, value in variables.items():
        if not build_variables.is_variable_name(name) or build_variables.is_reserved(name):
            raise InputError(f"{BUILD_ENV_NAMES_KEY}: invalid build variable name {_shown(name)}")
        if "\0" in value or not encodable(value):
            raise InputError(f"build variable {name}: a NUL or an unencodable character")
    if (problem := build_variables.limit_problem(variables, "the build variables")) is not None:
        raise InputError(problem)


def _one_line(key: str, value: str, limit: int, *, required: bool = False) -> None:
    if required and not value:
        raise InputError(f"{key} is required")
    if (problem := one_line_problem(value, limit)) is not None:
        raise InputError(f"{key} {problem}")


def one_line_problem(value: str, limit: int) -> str | None:
    """Why `value` cannot be a one-line input of the runner (it follows the field's name)."""
    if len(value) > limit:
        return f"is longer than {limit} characters"
    if any(unicodedata.category(c) == "Cc" for c in value) or not encodable(value):
        return f"must be one line of text, got {_shown(value)}"
    return None


def _shown(value: str) -> str:
    """A value for an error message: quoted, control characters escaped, long ones cut."""
    return repr(value[:80] + "…" if len(value) > 80 else value)
