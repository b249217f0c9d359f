"""Database rows → API shapes."""

from __future__ import annotations

from datetime import datetime

from services.core import hosts
from services.core.delivery_outcomes import DeliveryOutcome
from services.core.settings import Settings

from .build_context import branch_url, deploy_context, deployment_url, pull_request_url
from .db.models import Deployment, Project, ProjectDelivery
from .schemas import DeliveryRead, DeploymentRead, ProjectRead

MASK = "********"


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def masked(values: dict[str, str], reveal: bool) -> dict[str, str]:
    return dict(values) if reveal else dict.fromkeys(values, MASK)


def deployment_view(settings: Settings, d: Deployment, project: Project | None) -> DeploymentRead:
    """`project` is the deployment's own (None only while it is being deleted)."""
    production_id = project.production_deployment_id if project else None
    production_branch = project.production_branch if project else ""
    return DeploymentRead(
        id=d.id,
        project=d.project_name,
        status=d.status,
        reason=d.reason,
        error=d.error,
        commit=d.commit,
        ref=d.ref,
        commit_message=d.commit_message,
        trigger=d.trigger,
        pull_request=d.pull_request,
        context=deploy_context(production_branch, d),
        url=deployment_url(settings, d.project_name, d),
        branch_url=branch_url(settings, d.project_name, d),
        pull_request_url=pull_request_url(settings, d.project_name, d),
        production=d.id == production_id,
        created_at=iso(d.created_at) or "",
        started_at=iso(d.started_at),
        finished_at=iso(d.finished_at),
        file_count=d.file_count,
        total_bytes=d.total_bytes,
    )


def project_view(
    settings: Settings,
    p: Project,
    production: Deployment | None,
    reveal_env: bool = False,
) -> ProjectRead:
    return ProjectRead(
        name=p.name,
        repo_url=p.repo_url,
        github_repo=p.github_repo,
        production_branch=p.production_branch,
        root_dir=p.root_dir,
        install_command=p.install_command,
        build_command=p.build_command,
        output_dir=p.output_dir,
        ignore_command=p.ignore_command,
        spa=p.spa,
        env=masked(p.env, reveal_env),
        production_env=masked(p.production_env, reveal_env),
        preview_env=masked(p.preview_env, reveal_env),
        domains=[d.host for d in p.domains],
        has_webhook_secret=bool(p.webhook_secret),
        preview_protected=p.preview_password_hash is not None,
        build_tags=p.build_tags,
        build_fork_prs=p.build_fork_prs,
        cancel_superseded=p.cancel_superseded,
        auto_promote=p.auto_promote,
        auto_promote_paused=p.auto_promote_paused,
        url=settings.site_url(hosts.production_host(p.name, settings.base_domain)),
        production_deployment=(deployment_view(settings, production, p) if production else None),
        promoted_at=iso(p.promoted_at),
        promoted_by=p.promoted_by,
        created_at=iso(p.created_at) or "",
    )


def delivery_view(row: ProjectDelivery) -> DeliveryRead:
    return DeliveryRead(
        project=row.project_name,
        delivery_id=row.delivery_id,
        event=row.event,
        received_at=iso(row.received_at) or "",
        outcome=DeliveryOutcome(row.outcome),
        status_code=row.status_code,
        reason=row.reason,
        deployments=list(row.deployments),
    )
