"""The dashboard's sign-in and its pages, under `/dashboard`.

Pages are rendered on the server (jinja2) and read fine without JavaScript; a small script
adds confirmation dialogs and follows running builds live. Sign-in turns the API token into
a signed HttpOnly cookie; every POST carries the session's CSRF token (web.checked_form).
The forms that change things live in modules of their own: deployment_forms.py, and
project_forms.py with variable_forms.py, domain_forms.py and preview_forms.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Stream
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import delivery_records
from services.api.auth import signs_in
from services.api.client_address import client_address
from services.api.db.models import Deployment, Project
from services.api.deployments import deployment_log, follow_log, read_deployment
from services.api.errors import Throttled
from services.api.lifecycle import ACTIVE
from services.api.production import ROLLBACK_DEPTH
from services.api.projects import read_project
from services.api.records import load_deployment, load_project
from services.api.state import AppState
from services.api.views import delivery_view, deployment_view
from services.core.rollback import rollback_target
from services.core.timefmt import duration

from .redeploy import redeployable
from .refusal import NO_REFUSAL, Refusal
from .session import COOKIE, MAX_AGE, Session, new_session_cookie
from .sign_out import sign_out
from .web import (
    PREFIX,
    SECURITY_HEADERS,
    AnyRequest,
    CsrfRejected,
    DashboardRoutes,
    builtins,
    checked_form,
    commit_subject,
    current_session,
    render,
    same_origin,
    short_commit,
    shown_project,
    signed_in_session,
    status_text,
)

SHOWN_DEPLOYMENTS = 50
SHOWN_DELIVERIES = 10


def token_file(request: AnyRequest) -> str:
    """The file this api reads its token from, for the sign-in page; "" when there is none."""
    path: Path = request.app.state.slipway.settings.api_token_file
    return str(path) if path.is_file() else ""


def safe_next(target: str | None) -> str:
    """Only a path inside the dashboard is a place to return to after sign-in."""
    if (
        target
        and target.startswith(PREFIX + "/")
        and not target.startswith("//")
        and "\\" not in target
    ):
        return target
    return PREFIX + "/"


async def recent_deployments(
    app_state: AppState, db: AsyncSession, p: Project, limit: int
) -> list[dict[str, Any]]:
    """A project's newest deployments in their API shape, newest first."""
    rows = (
        await db.scalars(
            select(Deployment)
            .where(Deployment.project_name == p.name)
            .order_by(Deployment.created_at.desc(), Deployment.id.desc())
            .limit(limit)
        )
    ).all()
    return [builtins(deployment_view(app_state.settings, d, p)) for d in rows]


async def project_page(
    request: AnyRequest,
    app_state: AppState,
    session: Session,
    name: str,
    refusal: Refusal = NO_REFUSAL,
) -> Response[str]:
    """A project's page; shown again by a refused Deploy or Roll back, with the reason."""
    async with app_state.sessions() as db:
        p = await load_project(db, name)
        project = builtins(await read_project(app_state, db, p))
        deployments = await recent_deployments(app_state, db, p, ROLLBACK_DEPTH)
        deliveries = await delivery_records.recent(db, name, SHOWN_DELIVERIES)
    target = rollback_target(p.production_deployment_id, p.production_branch, deployments)
    deployments = deployments[:SHOWN_DEPLOYMENTS]
    return render(
        request,
        "project.html",
        refusal.status,
        session=session,
        project=project,
        deployments=deployments,
        deliveries=[builtins(delivery_view(row)) for row in deliveries],
        rollback=target,
        refusal=refusal,
    )


async def deployment_page(
    request: AnyRequest,
    app_state: AppState,
    session: Session,
    deployment_id: str,
    refusal: Refusal = NO_REFUSAL,
) -> Response[str]:
    """A deployment's page; shown again by a refused Promote, Cancel or Redeploy."""
    d = builtins(await read_deployment(app_state, deployment_id))
    async with app_state.sessions() as db:
        row = await load_deployment(db, deployment_id)
    project = await shown_project(app_state, row.project_name)
    text = await deployment_log(app_state, row)
    return render(
        request,
        "deployment.html",
        refusal.status,
        session=session,
        d=d,
        project=project,
        log_text=text,
        active=d["status"] in ACTIVE,
        redeployable=redeployable(d),
        refusal=refusal,
    )


class DashboardController(DashboardRoutes):
    """Signing in and out, and the pages that show projects and deployments."""

    # -- sign-in -----------------------------------------------------------------------------

    @get("/login")
    async def login_page(self, request: AnyRequest) -> Response[Any]:
        target = safe_next(request.query_params.get("next"))
        if await signed_in_session(request) is not None:
            return Redirect(target, status_code=303)
        return render(
            request,
            "login.html",
            session=None,
            next=target,
            error="",
            token_file=token_file(request),
        )

    @post("/login", status_code=303)
    async def login(self, request: AnyRequest, app_state: AppState) -> Response[Any]:
        form = await request.form()
        token = str(form.get("token") or "").strip()
        target = safe_next(str(form.get("next") or ""))
        if not same_origin(request):
            raise CsrfRejected
        try:
            signed_in = signs_in(app_state, client_address(request), token)
        except Throttled as throttled:
            refused = render(
                request,
                "login.html",
                429,
                session=None,
                next=target,
                error=f"Too many failed sign-ins. Try again in {throttled.retry_after} seconds.",
                token_file=token_file(request),
            )
            refused.headers.update(throttled.headers)
            return refused
        if not signed_in:
            return render(
                request,
                "login.html",
                401,
                session=None,
                next=target,
                error="That token is not valid.",
                token_file=token_file(request),
            )
        response: Response[Any] = Redirect(target, status_code=303)
        secure = app_state.settings.public_scheme == "https" or request.url.scheme == "https"
        response.set_cookie(
            COOKIE,
            new_session_cookie(app_state.api_token),
            max_age=MAX_AGE,
            path=PREFIX,
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        return response

    @post("/logout", status_code=303)
    async def logout(self, request: AnyRequest, app_state: AppState) -> Response[Any]:
        session, _ = await checked_form(request)
        await sign_out(app_state.sessions, session)
        response: Response[Any] = Redirect(f"{PREFIX}/login?done=signed-out", status_code=303)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    # -- pages -------------------------------------------------------------------------------

    @get("/")
    async def projects(self, request: AnyRequest, app_state: AppState) -> Response[str]:
        session = await current_session(request)
        rows = []
        async with app_state.sessions() as db:
            projects = (await db.scalars(select(Project).order_by(Project.name))).all()
            for p in projects:
                last = await recent_deployments(app_state, db, p, 1)
                project = builtins(await read_project(app_state, db, p))
                rows.append({"project": project, "last": last[0] if last else None})
        return render(request, "projects.html", session=session, rows=rows)

    @get("/projects/{name:str}")
    async def project(self, request: AnyRequest, name: str, app_state: AppState) -> Response[str]:
        return await project_page(request, app_state, await current_session(request), name)

    @get("/deployments/{deployment_id:str}")
    async def deployment(
        self, request: AnyRequest, deployment_id: str, app_state: AppState
    ) -> Response[str]:
        session = await current_session(request)
        return await deployment_page(request, app_state, session, deployment_id)

    @get("/deployments/{deployment_id:str}/log", media_type="text/plain")
    async def deployment_log_text(
        self,
        request: AnyRequest,
        deployment_id: str,
        app_state: AppState,
        follow: bool = Parameter(default=False),
    ) -> Stream:
        await current_session(request)
        async with app_state.sessions() as db:
            row = await load_deployment(db, deployment_id)
        headers = {**SECURITY_HEADERS, "X-Accel-Buffering": "no"}
        media_type = "text/plain; charset=utf-8"
        if follow:
            return Stream(
                follow_log(app_state, deployment_id), media_type=media_type, headers=headers
            )
        return Stream(
            iter([await deployment_log(app_state, row)]), media_type=media_type, headers=headers
        )

    @get("/deployments/{deployment_id:str}/status")
    async def deployment_status(
        self, request: AnyRequest, deployment_id: str, app_state: AppState
    ) -> Response[dict[str, Any]]:
        """What the deployment page and the project page's rows show of a deployment that
        may still change, in the words the templates render (web.py's filters)."""
        await current_session(request)
        d = builtins(await read_deployment(app_state, deployment_id))
        body = {
            "status": d["status"],
            "label": status_text(d),
            "final": d["status"] not in ACTIVE,
            "commit": d["commit"],  # resolved once the builder fetched the branch
            "short": short_commit(d["commit"]),
            "subject": commit_subject(d),
            "started_at": d["started_at"],
            "duration": duration(d),  # the final one once the build ended
        }
        return Response(body, headers=SECURITY_HEADERS)


@get("/", include_in_schema=False)
async def root() -> Redirect:
    return Redirect(PREFIX + "/", status_code=303)
