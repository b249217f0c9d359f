"""The control plane's state: projects, their domains, deployments and webhook deliveries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime(), dict[str, str]: JSON()}


class Project(Base):
    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    repo_url: Mapped[str] = mapped_column(Text)
    github_repo: Mapped[str | None] = mapped_column(String(200), index=True)
    production_branch: Mapped[str] = mapped_column(String(255), default="main")
    root_dir: Mapped[str] = mapped_column(String(255), default="")
    install_command: Mapped[str] = mapped_column(Text, default="")
    build_command: Mapped[str] = mapped_column(Text, default="")
    output_dir: Mapped[str] = mapped_column(String(255), default="")
    ignore_command: Mapped[str] = mapped_column(Text, default="")
    spa: Mapped[bool] = mapped_column(Boolean, default=False)
    env: Mapped[dict[str, str]] = mapped_column(default=dict)
    # Laid over `env` for production builds, and for every other build (previews, branches).
    production_env: Mapped[dict[str, str]] = mapped_column(
        default=dict, server_default=text("'{}'")
    )
    preview_env: Mapped[dict[str, str]] = mapped_column(default=dict, server_default=text("'{}'"))
    webhook_secret: Mapped[str] = mapped_column(String(255), default="")
    # `services.core.passwords` hash of the preview password; None: previews are public.
    preview_password_hash: Mapped[str | None] = mapped_column(String(255))
    build_tags: Mapped[bool] = mapped_column(Boolean, default=False)
    build_fork_prs: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_superseded: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_promote: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by a rollback, cleared by the next promotion: production stays where it was put.
    auto_promote_paused: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    production_deployment_id: Mapped[str | None] = mapped_column(String(20))
    # The generation the production routes carry for `production_deployment_id`.
    production_generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    promoted_at: Mapped[datetime | None]
    promoted_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    domains: Mapped[list[Domain]] = relationship(
        back_populates="project",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Domain.host",
    )


class Domain(Base):
    """A custom domain; the primary key makes a host belong to one project at most."""

    __tablename__ = "domains"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    project_name: Mapped[str] = mapped_column(
        ForeignKey("projects.name", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="domains")


class Deployment(Base):
    __tablename__ = "deployments"
    __table_args__ = (
        Index("ix_deployments_status_created", "status", "created_at"),
        Index("ix_deployments_project_created", "project_name", "created_at"),
        Index("ix_deployments_project_ref_status", "project_name", "ref", "status"),
    )

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    project_name: Mapped[str] = mapped_column(ForeignKey("projects.name", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    reason: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    commit: Mapped[str] = mapped_column(String(64), default="")
    ref: Mapped[str] = mapped_column(String(255), default="")
    commit_message: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(16), default="api")  # api | push | pull_request
    pull_request: Mapped[int | None] = mapped_column(Integer)
    delivery_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Which builder run carries it: a local process id or an ECS task ARN.
    builder_handle: Mapped[str | None] = mapped_column(String(255))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    file_count: Mapped[int | None] = mapped_column(Integer)
    total_bytes: Mapped[int | None] = mapped_column(BigInteger)


class WebhookDelivery(Base):
    """One row per `X-GitHub-Delivery`: its primary key makes a redelivery a no-op."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(255), default="")


class ProjectDelivery(Base):
    """A webhook delivery as one project received it: the list GitHub shows per webhook.

    Never the body: only what the sender's headers say once checked, and what came of it.
    Bounded per project on insert (services/api/delivery_records.py).
    """

    __tablename__ = "project_deliveries"
    __table_args__ = (Index("ix_project_deliveries_project_id", "project_name", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_name: Mapped[str] = mapped_column(ForeignKey("projects.name", ondelete="CASCADE"))
    delivery_id: Mapped[str | None] = mapped_column(String(100))  # None unless well-formed
    event: Mapped[str] = mapped_column(String(100), default="")  # "" unless well-formed
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))  # services.core.delivery_outcomes
    status_code: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300), default="")
    deployments: Mapped[list[str]] = mapped_column(JSON, default=list)
    # False for a refusal no secret signed: anyone may send one, so fewer of them are kept.
    signed: Mapped[bool] = mapped_column(Boolean, default=True)


class BranchPush(Base):
    """A push that moved a project's branch or tag: the history the replay rule reads."""

    __tablename__ = "branch_pushes"
    __table_args__ = (Index("ix_branch_pushes_project_ref", "project_name", "ref", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_name: Mapped[str] = mapped_column(ForeignKey("projects.name", ondelete="CASCADE"))
    ref: Mapped[str] = mapped_column(String(300))  # refs/heads/<name> or refs/tags/<name>
    before: Mapped[str] = mapped_column(String(40), default="")  # "" when not sent
    after: Mapped[str] = mapped_column(String(40))
    delivery_id: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Promotion(Base):
    """Who put which deployment in production, and when: the audit trail of rollbacks."""

    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_name: Mapped[str] = mapped_column(
        ForeignKey("projects.name", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignedOutSession(Base):
    """A dashboard session signed out before it expired: its cookie proves nothing any more.

    Cookies are signed, not stored (services/api/dashboard/session.py); only sign-outs are
    kept, each until the cookie would have expired anyway.
    """

    __tablename__ = "signed_out_sessions"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ApiToken(Base):
    """A token narrower than the admin token: a role, and perhaps one project.

    Only a hash of its secret is kept (services/api/access.py); it is shown once, at creation.
    """

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(12), primary_key=True)  # public, in the token
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(8))  # read | deploy | admin
    project_name: Mapped[str | None] = mapped_column(
        ForeignKey("projects.name", ondelete="CASCADE")
    )  # None: every project
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)


class DeployHook(Base):
    """A secret URL that deploys one branch of one project when anything POSTs to it."""

    __tablename__ = "deploy_hooks"

    id: Mapped[str] = mapped_column(String(12), primary_key=True)
    project_name: Mapped[str] = mapped_column(
        ForeignKey("projects.name", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    ref: Mapped[str] = mapped_column(String(255))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
