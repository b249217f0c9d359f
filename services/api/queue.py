"""Putting deployments on the queue (the deployments table) and taking them off it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.hosts import new_deployment_id
from services.core.settings import Settings

from .db.models import Deployment, Project
from .errors import TooManyRequests

ACTIVE = ("queued", "building")
FINAL = ("ready", "failed", "canceled")


async def queued_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).where(Deployment.status == "queued")) or 0)


async def enqueue(
    session: AsyncSession,
    settings: Settings,
    project: Project,
    *,
    commit: str,
    ref: str,
    trigger: str,
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
        status="queued",
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
    now = datetime.now(UTC)
    await session.execute(
        update(Deployment)
        .where(same_branch & (Deployment.status == "queued"))
        .values(
            status="canceled", reason="canceled", error=f"superseded by {newer}", finished_at=now
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Deployment)
        .where(same_branch & (Deployment.status == "building"))
        .values(cancel_requested=True, error=f"superseded by {newer}")
        .execution_options(synchronize_session=False)
    )
