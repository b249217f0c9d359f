"""`/api/deployments/{id}`: read, follow logs, cancel, promote."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from litestar import Controller, get, post
from litestar.params import JSONBody, Parameter
from litestar.response import Stream
from sqlalchemy import select

from services.core import hosts
from services.core import manifest as mf

from . import deployment_actions
from .access import Role
from .auth import require_token
from .build_context import variable_values
from .db.models import Deployment, Project
from .errors import BadRequest
from .lifecycle import FINAL
from .records import load_deployment
from .schemas import DeploymentRead, PromoteRequest
from .state import AppState, StateDep
from .views import deployment_view

FOLLOW_POLL = 0.5
PREFIX_MATCHES = 10  # enough to show that a prefix is ambiguous


async def read_deployment(app_state: AppState, deployment_id: str) -> DeploymentRead:
    async with app_state.sessions() as session:
        d = await load_deployment(session, deployment_id)
        project = await session.get(Project, d.project_name)
        return deployment_view(app_state.settings, d, project)


async def secrets_of(app_state: AppState, d: Deployment) -> list[str]:
    """Values that must never appear in a log answer: build variables and tokens."""
    async with app_state.sessions() as session:
        project = await session.get(Project, d.project_name)
    values = variable_values(project) if project else []
    values += [app_state.settings.github_token, app_state.api_token, app_state.webhook_secret]
    return sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)


def mask(text: str, secrets: list[str]) -> str:
    for value in secrets:
        text = text.replace(value, "***")
    return text


async def deployment_log(app_state: AppState, d: Deployment) -> str:
    """The whole log: the stored copy once the build has ended, the live one before."""
    secrets = await secrets_of(app_state, d)
    if d.status in FINAL:
        stored = await app_state.storage.get_or_none(mf.build_log_key(d.id))
        if stored is not None:
            return mask(stored.decode("utf-8", "replace"), secrets)
    text, _ = await app_state.builder.read_log(d.id, d.builder_handle, 0)
    return mask(text, secrets)


async def follow_log(app_state: AppState, deployment_id: str) -> AsyncIterator[str]:
    """Stream the live log, whole lines at a time, until the deployment reaches a final state.

    Bounded by the build timeout. Lines are masked before they leave, and only whole lines
    are sent so that no secret is ever split across two chunks.
    """
    offset = 0
    pending = ""
    deadline = asyncio.get_running_loop().time() + app_state.settings.build_timeout + 120
    async with app_state.sessions() as session:
        first = await load_deployment(session, deployment_id)
    secrets = await secrets_of(app_state, first)
    while True:
        async with app_state.sessions() as session:
            d = await load_deployment(session, deployment_id)
        final = d.status in FINAL or asyncio.get_running_loop().time() > deadline
        text, offset = await app_state.builder.read_log(d.id, d.builder_handle, offset)
        pending += text
        complete, _, pending = pending.rpartition("\n")
        if complete:
            yield mask(complete + "\n", secrets)
        if final:
            if pending:
                yield mask(pending, secrets)
            if offset == 0:  # nothing live (built elsewhere or cleaned up): the stored copy
                yield await deployment_log(app_state, d)
            return
        await asyncio.sleep(FOLLOW_POLL)


class DeploymentController(Controller):
    path = "/api/deployments"
    guards = [require_token]
    tags = ["deployments"]

    @get("/", operation_id="findDeployments")
    async def find(
        self, app_state: StateDep, prefix: str = Parameter(default="")
    ) -> list[DeploymentRead]:
        """Deployments whose id starts with `prefix` (the 8 characters pages show, or more),
        newest first: a unique answer names one, more than one says to type more."""
        prefix = prefix.lower()
        if not hosts.is_id_prefix(prefix):
            raise BadRequest(
                f"{prefix!r} is not a deployment id: type at least "
                f"{hosts.SHORT_ID_LENGTH} of its letters and digits"
            )
        async with app_state.sessions() as session:
            rows = (
                await session.scalars(
                    select(Deployment)
                    .where(Deployment.id.startswith(prefix, autoescape=True))
                    .order_by(Deployment.created_at.desc(), Deployment.id.desc())
                    .limit(PREFIX_MATCHES)
                )
            ).all()
            projects = {
                name: await session.get(Project, name) for name in {d.project_name for d in rows}
            }
            return [deployment_view(app_state.settings, d, projects[d.project_name]) for d in rows]

    @get("/{deployment_id:str}", operation_id="getDeployment")
    async def get_deployment(self, deployment_id: str, app_state: StateDep) -> DeploymentRead:
        return await read_deployment(app_state, deployment_id)

    @get("/{deployment_id:str}/logs", operation_id="getDeploymentLogs", media_type="text/plain")
    async def logs(
        self,
        deployment_id: str,
        app_state: StateDep,
        follow: bool = Parameter(default=False),
    ) -> Stream:
        async with app_state.sessions() as session:
            d = await load_deployment(session, deployment_id)
        if follow:
            return Stream(
                follow_log(app_state, deployment_id), media_type="text/plain; charset=utf-8"
            )
        text = await deployment_log(app_state, d)
        return Stream(iter([text]), media_type="text/plain; charset=utf-8")

    @post(
        "/{deployment_id:str}/cancel",
        operation_id="cancelDeployment",
        status_code=202,
        opt={"role": Role.DEPLOY},
    )
    async def cancel(self, deployment_id: str, app_state: StateDep) -> DeploymentRead:
        await deployment_actions.cancel(app_state, deployment_id)
        return await read_deployment(app_state, deployment_id)

    @post(
        "/{deployment_id:str}/promote",
        operation_id="promoteDeployment",
        status_code=200,
        opt={"role": Role.DEPLOY},
    )
    async def promote(
        self, deployment_id: str, app_state: StateDep, data: JSONBody[PromoteRequest | None] = None
    ) -> DeploymentRead:
        actor = (data.actor if data and data.actor else None) or "api"
        await deployment_actions.promote(app_state, deployment_id, actor)
        return await read_deployment(app_state, deployment_id)
