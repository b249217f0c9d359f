"""Configuration shared by every Slipway process, read from `SLIPWAY_*` variables and `.env`.

Nothing reads the environment at import time: services call `Settings()` (or build one
explicitly in tests) and pass it down.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Guessing a token this long is hopeless even unthrottled; `make dev` and Terraform generate
# far longer ones (43 and 48 characters).
MIN_API_TOKEN_LENGTH = 16


class InvalidSettings(ValueError):
    """A setting that cannot be used, said in one line."""


# A wildcard bind listens on every address; a client on the machine reaches it on loopback.
_LOOPBACK_FOR = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def local_url(bind: str, port: int) -> str:
    """Where a client on this machine reaches a service listening on `bind`:`port`."""
    host = _LOOPBACK_FOR.get(bind, bind)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class ApiAddress(BaseSettings):
    """Where the api listens: the server binds to it, the CLI finds the api by it."""

    model_config = SettingsConfigDict(
        env_prefix="SLIPWAY_", env_file=".env", extra="ignore", validate_default=True
    )

    bind: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)

    @property
    def api_url(self) -> str:
        return local_url(self.bind, self.api_port)


class Settings(ApiAddress):
    data_dir: Path = Path(".slipway")
    database_url: str = ""
    storage_url: str = ""
    builder: Literal["local", "ecs"] = "local"
    base_domain: str = "localhost"
    proxy_port: int = 8080
    api_token: str = ""
    github_webhook_secret: str = ""
    github_token: str = ""
    github_api_url: str = "https://api.github.com"
    # `git ls-remote` a project's repository and branch when they are set, and a branch before
    # it is deployed, so that nothing is created that can only fail (docs/deployments.md).
    check_repositories: bool = True
    # How site URLs are shown: the proxy's port locally, 443 behind the ALB.
    public_scheme: Literal["http", "https"] = "http"
    public_port: int | None = None

    # The database from parts (how ECS hands over the RDS-managed secret's fields).
    database_host: str = ""
    database_port: int = 5432
    database_name: str = "slipway"
    database_user: str = ""
    database_password: str = ""
    # On AWS: the RDS-managed secret, read again for new connections (the password rotates);
    # when set, its username and password replace the two above.
    database_secret_arn: str = ""
    # `verify-full`: TLS with the server's certificate checked against this CA bundle.
    database_sslmode: Literal["prefer", "verify-full"] = "prefer"
    database_ca_file: str = ""

    # ECS builder backend (SLIPWAY_BUILDER=ecs)
    ecs_cluster: str = ""
    ecs_builder_task_family: str = ""
    ecs_builder_container: str = "builder"
    ecs_subnets: str = ""  # comma-separated
    ecs_security_groups: str = ""  # comma-separated
    ecs_assign_public_ip: bool = True
    ecs_capacity_providers: str = "FARGATE_SPOT:1,FARGATE:0"  # provider:weight, first is base
    ecs_builder_log_group: str = ""
    ecs_builder_log_prefix: str = "builder"
    # Assumed once per build, with a session policy for that build's own objects only
    # (services/api/builders/publish_credentials.py); empty: builds use their task role.
    ecs_publisher_role_arn: str = ""
    aws_region: str = ""
    aws_endpoint_url: str = ""  # an AWS API emulator in tests

    # Builds
    build_timeout: int = Field(default=900, ge=1)
    max_concurrent_builds: int = Field(default=2, ge=1)
    max_concurrent_builds_per_project: int = Field(default=1, ge=1)
    max_queued_builds: int = Field(default=100, ge=1)
    dispatch_interval: float = Field(default=1.0, gt=0)
    # Seconds a claimed build may go without a run before it is queued again: the time the
    # api that claimed it has to start it, RunTask's retries included (docs/deployments.md).
    build_start_grace: int = Field(default=60, ge=1, le=3600)
    sandbox: Literal["auto", "bubblewrap", "none"] = "auto"
    # What one build's commands may use (docs/security.md).
    build_max_processes: int = Field(default=2048, ge=16)
    build_max_disk_bytes: int = Field(default=10 * 1024 * 1024 * 1024, ge=1024 * 1024)
    # The Node.js releases projects ask for, downloaded once and kept (docs/build-runner.md,
    # "Runtimes"); local builds only: the build image sets its own. Empty registry: never
    # download. Unset directory: the runner's default (/var/tmp/slipway-runtimes).
    runtimes_dir: Path | None = None
    runtime_registry: str = "https://registry.npmjs.org"

    # Retention and garbage collection (docs/deployments.md, "Retention"). Besides these,
    # production and every deployment a route points at are always kept.
    retention_branch_deployments: int = Field(default=10, ge=1)  # ready ones per branch or PR
    retention_days: int = Field(default=30, ge=0)  # promoted or in production this recently
    # Objects of unfinished publishes younger than this are never swept: longer than a build.
    gc_safety_age: int = Field(default=24 * 3600, ge=60)
    gc_interval: float = Field(default=3600.0, ge=0)  # seconds between automatic runs; 0: off

    # What the servers and libraries underneath log (uvicorn, granian, alembic's migrations);
    # Slipway's own events (deliveries, builds, promotions) are logged at INFO whatever this
    # says. `make dev` sets "warning" unless given: its terminal shows only what happened.
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    # Proxy caches
    route_ttl: float = Field(default=1.0, ge=0)
    proxy_memory_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    # Parsed manifests kept per worker, by their estimated size (docs/proxy.md, "Memory").
    proxy_site_cache_bytes: int = Field(default=128 * 1024 * 1024, ge=0)
    proxy_workers: int = Field(default=2, ge=1)
    proxy_access_log: bool = True  # one JSON line per request on stdout
    # A request header a CDN in front sets to the viewer's country (e.g.
    # cloudfront-viewer-country), for `Country=` conditions; empty: the country is unknown.
    proxy_country_header: str = ""

    @field_validator("api_token")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        return _checked_api_token(value, "SLIPWAY_API_TOKEN")

    @model_validator(mode="after")
    def _sweep_after_builds_end(self) -> Settings:
        if self.gc_safety_age <= self.build_timeout:
            raise ValueError(
                f"SLIPWAY_GC_SAFETY_AGE ({self.gc_safety_age} s) must be longer than "
                f"SLIPWAY_BUILD_TIMEOUT ({self.build_timeout} s): a build still publishing "
                "must never be swept"
            )
        return self

    @field_validator("base_domain")
    @classmethod
    def _normalise_domain(cls, value: str) -> str:
        return value.strip().strip(".").lower()

    def runtime_env(self) -> dict[str, str]:
        """What a local runner reads to find and fetch runtimes (build_runner/runtimes.py)."""
        env = {"SLIPWAY_RUNTIME_REGISTRY": self.runtime_registry}
        if self.runtimes_dir is not None:
            env["SLIPWAY_RUNTIMES_DIR"] = str(self.runtimes_dir.resolve())
        return env

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        if self.database_host:
            user = quote(self.database_user, safe="")
            password = quote(self.database_password, safe="")
            return (
                f"postgresql+asyncpg://{user}:{password}@{self.database_host}:"
                f"{self.database_port}/{self.database_name}"
            )
        return f"sqlite+aiosqlite:///{(self.data_dir / 'slipway.db').resolve()}"

    @property
    def resolved_storage_url(self) -> str:
        if self.storage_url:
            return self.storage_url
        return (self.data_dir / "storage").resolve().as_uri()

    def site_url(self, host: str) -> str:
        port = self.public_port if self.public_port is not None else self.proxy_port
        default = 443 if self.public_scheme == "https" else 80
        suffix = "" if port == default else f":{port}"
        return f"{self.public_scheme}://{host}{suffix}/"

    @property
    def api_token_file(self) -> Path:
        """Where `make dev` keeps the generated token, and where the api reads one from."""
        return self.data_dir.resolve() / "api-token"

    def resolved_api_token(self) -> str:
        if self.api_token:
            return self.api_token
        path = self.api_token_file
        return _checked_api_token(_read_secret_file(path), str(path))

    def resolved_webhook_secret(self) -> str:
        return self.github_webhook_secret or _read_secret_file(self.data_dir / "webhook-secret")


def settings_problem(exc: ValidationError) -> str:
    """A validation error of `SLIPWAY_*` settings in one line, each naming its variable."""
    return "; ".join(_reason(error) for error in exc.errors())


def load_settings(process: str, *, api_token: bool = False) -> Settings:
    """The settings from the environment; a bad one ends `process` with one line saying why.

    `api_token`: the process uses the API token, which is checked wherever it comes from.
    """
    try:
        settings = Settings()
        if api_token:
            settings.resolved_api_token()
    except ValidationError as exc:
        raise SystemExit(f"slipway {process}: {settings_problem(exc)}") from None
    except InvalidSettings as exc:
        raise SystemExit(f"slipway {process}: {exc}") from None
    return settings


def _reason(error: Mapping[str, Any]) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if message.startswith("SLIPWAY_"):
        return message
    return f"SLIPWAY_{'_'.join(str(part) for part in error['loc']).upper()}: {message}"


def _checked_api_token(token: str, source: str) -> str:
    """`token` when empty (no api) or long enough; InvalidSettings naming `source` otherwise."""
    if token and len(token) < MIN_API_TOKEN_LENGTH:
        raise InvalidSettings(
            f"{source} must be at least {MIN_API_TOKEN_LENGTH} characters, not {len(token)}; "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return token


def _read_secret_file(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""
