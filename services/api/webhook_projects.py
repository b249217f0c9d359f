"""Which projects a webhook delivery speaks for: those using the repository its body names
(`repository.full_name`, compared without case) and, of those, the ones trusting the secret
that signed it: a project with its own secret trusts that alone, any other the platform's."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from services.core import git_names

from .db.models import Project


async def using(session: AsyncSession, repository: str | None) -> list[Project]:
    """The projects using the repository, in name order; none for a name GitHub cannot have."""
    if repository is None or not git_names.valid_github_repo(repository):
        return []
    found = await session.scalars(
        select(Project)
        .where(func.lower(Project.github_repo) == repository.lower())
        .order_by(Project.name)
        .options(raiseload(Project.domains))  # a delivery never needs them: spare the query
    )
    return list(found)


async def trusting(
    session: AsyncSession, repository: str | None, secret: str, global_secret: str
) -> list[Project]:
    """The projects using the repository that trust `secret`, in name order."""
    return [
        p
        for p in await using(session, repository)
        if (p.webhook_secret == secret) or (not p.webhook_secret and secret == global_secret)
    ]
