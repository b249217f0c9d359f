"""Which ready deployment serves a project's production hosts: the one fenced write.

Production changes only here, and always the same way, inside one database transaction:

1. lock the project's row (a no-op UPDATE as the transaction's first statement: SQLite's
   write lock, PostgreSQL's row lock), so switches of one project run one at a time;
2. take the next generation: one above both the recorded one and the highest the routes
   carry (a switch whose commit failed after its routes were written is never undercut);
3. write the routes at that generation; `RouteWriter` compares the stored generation right
   before each write and never overwrites a newer one;
4. record the pointer and the generation, and commit.

Should the commit fail after step 3, the routes are ahead of the record; `repair` (run when
the dispatcher starts) writes the recorded deployment again under a newer generation, or
removes the routes of a project whose first switch never committed.
What remains on S3: the compare and the write are two requests, so only writers that hold
the lock are fenced against each other; a writer that lost its lock mid-write (a database
failover) can still land one stale write, which the next switch or `repair` overwrites.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core.rollback import rollback_target

from .db.models import Deployment, Project, Promotion
from .lifecycle import Status
from .site_routes import RouteWriter

log = logging.getLogger("slipway.production")

# How many of a project's newest deployments a rollback looks through for its target.
ROLLBACK_DEPTH = 500


async def lock_project(session: AsyncSession, name: str) -> Project | None:
    """The project, locked until the transaction ends; call it before anything else reads.

    SQLite takes its write lock at the first write: a transaction that read first could not
    upgrade once another writer committed, so the lock is a write and comes first.
    """
    await session.execute(
        update(Project)
        .where(Project.name == name)
        .values(production_generation=Project.production_generation)
        .execution_options(synchronize_session=False)
    )
    return await session.get(Project, name, populate_existing=True)


async def switch(
    session: AsyncSession,
    routes: RouteWriter,
    project: Project,
    deployment_id: str,
    actor: str,
    *,
    pause_auto_promotion: bool = False,
) -> int:
    """Point production at `deployment_id`; the caller holds `lock_project`. Returns the
    generation written. A rollback pauses automatic promotion; any other switch resumes it."""
    generation = max(project.production_generation, await routes.production_generation(project))
    generation += 1
    await routes.promote(project, deployment_id, generation=generation)
    project.production_deployment_id = deployment_id
    project.production_generation = generation
    project.promoted_at = datetime.now(UTC)
    project.promoted_by = actor
    project.auto_promote_paused = pause_auto_promotion
    session.add(Promotion(project_name=project.name, deployment_id=deployment_id, actor=actor))
    return generation


async def promote(
    sessions: async_sessionmaker[AsyncSession],
    routes: RouteWriter,
    deployment_id: str,
    actor: str,
) -> bool:
    """Put a ready deployment in production; False when it is not ready (or not there)."""
    async with sessions() as session:
        name = await session.scalar(
            select(Deployment.project_name).where(Deployment.id == deployment_id)
        )
    if name is None:
        return False
    async with sessions() as session, session.begin():
        project = await lock_project(session, name)
        d = await session.get(Deployment, deployment_id)
        if project is None or d is None or d.status != Status.READY:
            return False
        await switch(session, routes, project, deployment_id, actor)
    return True


async def rollback(
    sessions: async_sessionmaker[AsyncSession],
    routes: RouteWriter,
    name: str,
    actor: str,
    target: str | None = None,
) -> str | None:
    """Put production back on `target`, or on the previous production deployment (the rule
    of services/core/rollback.py), and pause automatic promotion; all under the project's
    lock, so the target is chosen from what production is at that moment. Returns the
    deployment now in production; None when there is nothing (ready) to go back to."""
    async with sessions() as session, session.begin():
        project = await lock_project(session, name)
        if project is None:
            return None
        if target is None:
            rows = await session.scalars(
                select(Deployment)
                .where(Deployment.project_name == name)
                .order_by(Deployment.created_at.desc(), Deployment.id.desc())
                .limit(ROLLBACK_DEPTH)
            )
            views = [
                {
                    "id": d.id,
                    "status": d.status,
                    "ref": d.ref,
                    "pull_request": d.pull_request,
                    "commit": d.commit,
                }
                for d in rows
            ]
            chosen = rollback_target(
                project.production_deployment_id, project.production_branch, views
            )
            target = None if chosen is None else str(chosen["id"])
        d = None if target is None else await session.get(Deployment, target)
        if d is None or d.project_name != name or d.status != Status.READY:
            return None
        await switch(session, routes, project, d.id, actor, pause_auto_promotion=True)
        return d.id


async def set_domains(
    sessions: async_sessionmaker[AsyncSession], routes: RouteWriter, name: str, removed: list[str]
) -> None:
    """After the project's domains changed: routes of removed domains go, the current ones
    serve production at its recorded generation. Under the lock, so no switch interleaves."""
    async with sessions() as session, session.begin():
        project = await lock_project(session, name)
        if project is not None:
            await routes.set_domains(project, removed)


async def repair(
    sessions: async_sessionmaker[AsyncSession], routes: RouteWriter, name: str
) -> bool:
    """Bring production's routes back in line with the record (after a failed commit or a
    crash between the two); True when something was rewritten."""
    async with sessions() as session, session.begin():
        project = await lock_project(session, name)
        if project is None:
            return False
        stored = await routes.production_generation(project)
        serving = await routes.production_deployment(project)
        if stored == project.production_generation and serving == project.production_deployment_id:
            return False
        log.warning("production of %s disagreed with its record; rewriting it", name)
        if project.production_deployment_id is None:  # its first switch never committed
            await routes.remove_production(project)
            return True
        generation = max(stored, project.production_generation) + 1
        await routes.promote(project, project.production_deployment_id, generation=generation)
        project.production_generation = generation
    return True
