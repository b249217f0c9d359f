"""Putting deployments on the queue (the deployments table) and taking them off it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.hosts import new_deployment_id
from services.core.settings import Settings

from . import lifecycle
from .db.models import Deployment, Project
from .errors import TooManyRequests
from .lifecycle import ACTIVE, Status, Trigger


async def queued_count(session: AsyncSession) -> int:
    return int(
        await session.scalar(select(func.count()).where(Deployment.status == Status.QUEUED)) or 0
    )


async def enqueue(
    session: AsyncSession,
    settings: Settings,
    project: Project,
    *,
    commit: str,
    ref: str,
    trigger: Trigger,
    commit_message: str = "",
    pull_request: int | None = None,
    delivery_id: str | None = None,
    enforce_cap: bool = True,
) -> Deployment:
    """Add a queued deployment to the session; older runs of the same branch are superseded."""
    if enforce_cap and await queued_count(session) >= settings.max_queued_builds:
        raise TooManyRequests(
            f"the build queue is full ({settings.max_queued_builds} queued); try again later"
        )
    deployment = Deployment(
        id=new_deployment_id(),
        project_name=project.name,
        status=Status.QUEUED,
        commit=commit,
        ref=ref,
        trigger=trigger,
        commit_message=commit_message[:2000],
        pull_request=pull_request,
        delivery_id=delivery_id,
        created_at=datetime.now(UTC),
    )
    if project.cancel_superseded and ref:
        await supersede(session, project.name, ref, pull_request, deployment.id)
    session.add(deployment)
    return deployment


async def supersede(
    session: AsyncSession, project: str, ref: str, pull_request: int | None, newer: str
) -> None:
    """A newer push to a branch makes its older queued or building runs pointless."""
    same_branch = (
        (Deployment.project_name == project)
        & (Deployment.ref == ref)
        & (
            Deployment.pull_request.is_(None)
            if pull_request is None
            else Deployment.pull_request == pull_request
        )
    )
    # Most pushes find nothing to supersede: one indexed read spares them both updates.
    active = select(Deployment.id).where(same_branch & Deployment.status.in_(ACTIVE)).limit(1)
    if await session.scalar(active) is None:
        return
    await lifecycle.cancel(session, same_branch, f"superseded by {newer}")
