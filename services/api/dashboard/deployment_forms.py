"""The dashboard's deployment actions: deploy, redeploy, promote, roll back, cancel.

Each is a CSRF-checked POST that calls the operations layer (services/api/deployment_actions.py),
the same functions as the REST API and so the CLI. A refusal shows the page again with its
reason beside the action. Promote, roll back and cancel ask first: a dialog with JavaScript,
a page of their own without it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Response, post
from litestar.response import Redirect

from services.api import deployment_actions
from services.api.deployments import read_deployment
from services.api.errors import ApiError, Conflict
from services.api.lifecycle import ACTIVE, Status
from services.api.production import ROLLBACK_DEPTH
from services.api.records import load_project
from services.api.schemas import DeploymentRead
from services.api.state import AppState
from services.core.rollback import rollback_target

from .pages import deployment_page, project_page, recent_deployments
from .redeploy import redeploy
from .refusal import refused
from .web import (
    AnyRequest,
    DashboardRoutes,
    checked_form,
    confirmation,
    deployment_url,
    project_url,
)


class DeploymentForms(DashboardRoutes):
    @post("/projects/{name:str}/deploy", status_code=303)
    async def deploy(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        session, form = await checked_form(request)
        try:
            d, _ = await deployment_actions.deploy(
                app_state, name, ref=form.get("ref", "").strip(), commit="", trigger="dashboard"
            )
        except ApiError as exc:
            return await project_page(
                request, app_state, session, name, refused("deploy", exc, form)
            )
        return Redirect(deployment_url(d.id, "deployed"), status_code=303)

    @post("/projects/{name:str}/rollback", status_code=303)
    async def rollback(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        session, form = await checked_form(request)
        try:
            async with app_state.sessions() as db:
                p = await load_project(db, name)
                views = await recent_deployments(app_state, db, p, ROLLBACK_DEPTH)
            target = rollback_target(p.production_deployment_id, p.production_branch, views)
            if target is None:
                raise deployment_actions.nothing_to_roll_back(name, p.production_branch)
            if form.get("confirmed") != "1":
                question = f"Roll {name} back to deployment {target['id']}?"
                back, action = project_url(name), project_url(name) + "/rollback"
                return confirmation(request, session, question, back, action, form)
            # The target the question named, checked again under the lock to be ready.
            await deployment_actions.rollback(
                app_state, name, "dashboard:rollback", target=str(target["id"])
            )
        except ApiError as exc:
            return await project_page(
                request, app_state, session, name, refused("rollback", exc, form)
            )
        return Redirect(project_url(name, "rolled-back"), status_code=303)

    @post("/deployments/{deployment_id:str}/redeploy", status_code=303)
    async def redeploy(
        self, request: AnyRequest, deployment_id: str, app_state: AppState
    ) -> Response[Any]:
        session, form = await checked_form(request)
        try:
            new = await redeploy(app_state, deployment_id)
        except ApiError as exc:
            return await deployment_page(
                request, app_state, session, deployment_id, refused("actions", exc, form)
            )
        return Redirect(deployment_url(new.id, "redeployed"), status_code=303)

    @post("/deployments/{deployment_id:str}/promote", status_code=303)
    async def promote(
        self, request: AnyRequest, deployment_id: str, app_state: AppState
    ) -> Response[Any]:
        async def act(d: DeploymentRead) -> None:
            await deployment_actions.promote(app_state, d.id, "dashboard")

        return await asked_then_done(request, app_state, deployment_id, PROMOTE, act)

    @post("/deployments/{deployment_id:str}/cancel", status_code=303)
    async def cancel(
        self, request: AnyRequest, deployment_id: str, app_state: AppState
    ) -> Response[Any]:
        async def act(d: DeploymentRead) -> None:
            await deployment_actions.cancel(app_state, d.id)

        return await asked_then_done(request, app_state, deployment_id, CANCEL, act)


@dataclass(frozen=True)
class AskFirst:
    """A deployment's action that asks before it is done."""

    action: str  # the last part of its URL
    unless: Callable[[DeploymentRead], str | None]  # why the page showed it by mistake (stale)
    question: Callable[[DeploymentRead], str]
    done: str  # the notice once done


PROMOTE = AskFirst(
    "promote",
    lambda d: (
        None
        if d.status == Status.READY
        else f"only a ready deployment can be promoted; {d.id} is {d.status}"
    ),
    lambda d: f"Put deployment {d.id} in production for {d.project}?",
    "promoted",
)
CANCEL = AskFirst(
    "cancel",
    lambda d: None if d.status in ACTIVE else f"deployment {d.id} is already {d.status}",
    lambda d: f"Cancel deployment {d.id} of {d.project}?",
    "cancel-requested",
)


async def asked_then_done(
    request: AnyRequest,
    app_state: AppState,
    deployment_id: str,
    ask: AskFirst,
    act: Callable[[DeploymentRead], Awaitable[None]],
) -> Response[Any]:
    """Refused at once when the page was stale, asked on a page of its own until
    confirmed, then done; a refusal shows the deployment's page again with the reason."""
    session, form = await checked_form(request)
    try:
        d = await read_deployment(app_state, deployment_id)
        if (reason := ask.unless(d)) is not None:
            raise Conflict(reason)
        if form.get("confirmed") != "1":
            back = deployment_url(d.id)
            return confirmation(
                request, session, ask.question(d), back, f"{back}/{ask.action}", form
            )
        await act(d)
    except ApiError as exc:
        return await deployment_page(
            request, app_state, session, deployment_id, refused("actions", exc, form)
        )
    return Redirect(deployment_url(d.id, ask.done), status_code=303)
