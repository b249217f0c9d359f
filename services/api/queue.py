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


BranchKey = tuple[str, str, int | None]


async def active_branches(session: AsyncSession) -> set[BranchKey]:
    """(project, ref, pull request) of every queued or building deployment, read once per
    transaction: a group of webhook deliveries shares one read instead of one each."""
    cached = session.info.get("active_branches")
    if cached is None:
        rows = await session.execute(
            select(Deployment.project_name, Deployment.ref, Deployment.pull_request)
            .where(Deployment.status.in_(ACTIVE))
            .distinct()
        )
        cached = {(p, r, n) for p, r, n in rows}
        session.info["active_branches"] = cached
    return cached


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
    branches = await active_branches(session)
    key = (project, ref, pull_request)
    if key not in branches:
        branches.add(key)  # the deployment being added is now this branch's active one
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
