"""A project or deployment by its name, or the 404 that says it is not there."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from .db.models import Deployment, Project
from .errors import NotFound


async def load_project(session: AsyncSession, name: str) -> Project:
    project = await session.get(Project, name)
    if project is None:
        raise NotFound(f"no project named {name!r}")
    return project


async def load_deployment(session: AsyncSession, deployment_id: str) -> Deployment:
    d = await session.get(Deployment, deployment_id) if deployment_id.isalnum() else None
    if d is None:
        raise NotFound(f"no deployment {deployment_id!r}")
    return d
