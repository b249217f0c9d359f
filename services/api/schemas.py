"""Request and response bodies of the HTTP API (msgspec Structs: separate create/read/update)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from services.core import build_variables
from services.core.delivery_outcomes import DeliveryOutcome

# The patterns only document (msgspec.json.schema); validation.check_name and check_env apply
# the exact rules and refuse in one sentence, where a schema error would quote the regex.
ProjectName = Annotated[
    str, Meta(extra_json_schema={"pattern": "^[a-z0-9][a-z0-9-]*$", "maxLength": 40})
]
EnvMap = dict[
    Annotated[
        str,
        Meta(
            extra_json_schema={
                "pattern": f"^{build_variables.NAME_CHARS}$",
                "maxLength": build_variables.MAX_NAME_LENGTH,
            }
        ),
    ],
    str,
]


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: ProjectName
    repo_url: Annotated[str, Meta(min_length=1, max_length=2000)]
    github_repo: str | None = None
    production_branch: str = "main"
    root_dir: str = ""
    install_command: str = ""
    build_command: str = ""
    output_dir: str = ""
    ignore_command: str = ""
    spa: bool = False
    env: EnvMap = msgspec.field(default_factory=dict)
    production_env: EnvMap = msgspec.field(default_factory=dict)
    preview_env: EnvMap = msgspec.field(default_factory=dict)
    domains: list[str] = msgspec.field(default_factory=list)
    webhook_secret: str = ""
    preview_password: str | None = None  # write-only; "" or null: previews stay public
    build_tags: bool = False
    build_fork_prs: bool = False
    cancel_superseded: bool = True
    auto_promote: bool = True


class ProjectUpdate(msgspec.Struct, forbid_unknown_fields=True):
    repo_url: str | UnsetType = UNSET
    github_repo: str | UnsetType | None = UNSET
    production_branch: str | UnsetType = UNSET
    root_dir: str | UnsetType = UNSET
    install_command: str | UnsetType = UNSET
    build_command: str | UnsetType = UNSET
    output_dir: str | UnsetType = UNSET
    ignore_command: str | UnsetType = UNSET
    spa: bool | UnsetType = UNSET
    env: EnvMap | UnsetType = UNSET
    production_env: EnvMap | UnsetType = UNSET
    preview_env: EnvMap | UnsetType = UNSET
    domains: list[str] | UnsetType = UNSET
    webhook_secret: str | UnsetType = UNSET
    preview_password: str | UnsetType | None = UNSET  # "" or null clears it
    build_tags: bool | UnsetType = UNSET
    build_fork_prs: bool | UnsetType = UNSET
    cancel_superseded: bool | UnsetType = UNSET
    auto_promote: bool | UnsetType = UNSET


class DeploymentRead(msgspec.Struct):
    id: str
    project: str
    status: str
    reason: str | None
    error: str | None
    commit: str
    ref: str
    commit_message: str
    trigger: str
    pull_request: int | None
    context: str  # production | deploy-preview | branch-deploy
    url: str
    branch_url: str | None  # where its pull request, or else its branch, is served
    pull_request_url: str | None  # set only for a pull request's deployment
    production: bool
    created_at: str
    started_at: str | None
    finished_at: str | None
    file_count: int | None
    total_bytes: int | None


class ProjectRead(msgspec.Struct):
    name: str
    repo_url: str
    github_repo: str | None
    production_branch: str
    root_dir: str
    install_command: str
    build_command: str
    output_dir: str
    ignore_command: str
    spa: bool
    env: dict[str, str]
    production_env: dict[str, str]
    preview_env: dict[str, str]
    domains: list[str]
    has_webhook_secret: bool
    preview_protected: bool
    build_tags: bool
    build_fork_prs: bool
    cancel_superseded: bool
    auto_promote: bool
    auto_promote_paused: bool
    url: str
    production_deployment: DeploymentRead | None
    promoted_at: str | None
    promoted_by: str | None
    created_at: str


class DeployRequest(msgspec.Struct, forbid_unknown_fields=True):
    ref: str | None = None
    commit: str | None = None


class PromoteRequest(msgspec.Struct, forbid_unknown_fields=True):
    actor: str | None = None


class RollbackRequest(msgspec.Struct, forbid_unknown_fields=True):
    deployment: str | None = None  # the target; by default the previous production deployment
    actor: str | None = None


class WebhookAnswer(msgspec.Struct):
    status: str
    message: str
    deployments: list[str] = msgspec.field(default_factory=list)


class DeliveryRead(msgspec.Struct):
    """A webhook delivery as one project received it (docs/github-webhooks.md)."""

    project: str
    delivery_id: str | None  # X-GitHub-Delivery; null when it was not a well-formed one
    event: str  # X-GitHub-Event; "" when it was missing or not a well-formed one
    received_at: str
    outcome: DeliveryOutcome
    status_code: int  # what the webhook answered
    reason: str
    deployments: list[str]  # the ids of the deployments it created for the project


class Health(msgspec.Struct):
    status: str
    database: str
    storage: str


Label = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")]


class TokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Label
    role: Literal["read", "deploy", "admin"]
    project: str | None = None  # None: every project


class TokenRead(msgspec.Struct):
    id: str
    name: str
    role: str
    project: str | None
    created_at: str
    last_used_at: str | None


class TokenCreated(TokenRead):
    token: str  # shown once: only its hash is kept


class HookCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Label
    ref: str | None = None  # the branch it deploys; default: the production branch


class HookRead(msgspec.Struct):
    id: str
    project: str
    name: str
    ref: str
    created_at: str
    last_used_at: str | None


class HookCreated(HookRead):
    url: str  # shown once: only its secret's hash is kept


class CacheCleared(msgspec.Struct):
    objects: int  # how many stored objects the cache held
