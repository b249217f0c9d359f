"""Deploy, promote and cancel: what the REST api (and so the CLI) and the dashboard offer,
written once. Each answers 404/409 through the errors of services/api/errors.py."""

from __future__ import annotations

from services.core import git_names

from . import lifecycle, production
from .db.models import Deployment, Project
from .errors import BadRequest, Conflict
from .gc_api import collector_for
from .lifecycle import ACTIVE, Status, Trigger
from .queue import enqueue
from .records import load_deployment, load_project
from .repository_check import check_deployable
from .state import AppState
from .validation import check_branch


async def deploy(
    app_state: AppState, name: str, *, ref: str, commit: str, trigger: Trigger
) -> tuple[Deployment, Project]:
    """Queue a build of `commit`, or of the head of `ref` (the production branch when
    neither is given)."""
    ref = check_branch(ref) if ref else ""
    commit = commit.lower()
    if commit and not git_names.is_commit_sha(commit):
        raise BadRequest(
            "commit must be a full 40-character hexadecimal sha: `git rev-parse <commit>` "
            "prints it, or leave the commit out to build the branch's newest"
        )
    if not commit:  # a branch the repository lacks could only fail: refused, nothing queued
        await check_deployable(app_state, name, ref)
    async with app_state.sessions() as session, session.begin():
        project = await load_project(session, name)
        if not ref and not commit:
            ref = project.production_branch
        d = await enqueue(
            session, app_state.settings, project, commit=commit, ref=ref, trigger=trigger
        )
    app_state.dispatcher.wake()
    return d, project


async def promote(app_state: AppState, deployment_id: str, actor: str) -> None:
    async with app_state.sessions() as session:
        d = await load_deployment(session, deployment_id)
    if d.status != Status.READY:
        raise Conflict(f"only a ready deployment can be promoted; {d.id} is {d.status}")
    if not await production.promote(app_state.sessions, app_state.routes, d.id, actor[:255]):
        raise Conflict(f"deployment {d.id} could not be promoted")


def nothing_to_roll_back(name: str, branch: str) -> Conflict:
    """The refusal of a rollback with no earlier ready deployment, wherever it is asked."""
    return Conflict(
        f"{name} has no earlier ready deployment of {branch} to roll back to: to serve an "
        f"older commit, deploy it (slipway deploy {name} --commit <full sha>)"
    )


async def rollback(app_state: AppState, name: str, actor: str, target: str | None = None) -> None:
    async with app_state.sessions() as session:
        project = await load_project(session, name)
        branch = project.production_branch
    if target is not None and not target.isalnum():
        raise BadRequest("deployment must be a deployment id")
    done = await production.rollback(
        app_state.sessions, app_state.routes, name, actor[:255], target
    )
    if done is None and target is None:
        raise nothing_to_roll_back(name, branch)
    if done is None:
        raise Conflict(f"deployment {target} is not a ready deployment of {name}")


async def cancel(app_state: AppState, deployment_id: str) -> None:
    """Queued: canceled at once; building: the dispatcher stops the run."""
    async with app_state.sessions() as session, session.begin():
        d = await load_deployment(session, deployment_id)
        if d.status not in ACTIVE:
            raise Conflict(f"deployment {d.id} is already {d.status}")
        await lifecycle.cancel(session, Deployment.id == d.id, "canceled on request")
    app_state.dispatcher.wake()


async def clear_build_cache(app_state: AppState, name: str) -> int:
    """Delete the project's build cache (both trust levels): its next build installs from
    scratch. Returns how many objects went."""
    async with app_state.sessions() as session:
        await load_project(session, name)
    return await collector_for(app_state).clear_cache(name)
