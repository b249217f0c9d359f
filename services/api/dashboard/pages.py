"""The dashboard's pages and actions, under `/dashboard`.

Pages are rendered on the server (jinja2) and read fine without JavaScript; a small script
adds confirmation dialogs and follows running builds live. Sign-in turns the API token into
a signed HttpOnly cookie; every POST carries the session's CSRF token.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.enums import MediaType
from litestar.exceptions import HTTPException
from litestar.params import Parameter
from litestar.response import Redirect, Stream
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import delivery_records, deployment_actions
from services.api.auth import signs_in
from services.api.client_address import client_address
from services.api.db.models import Deployment, Project
from services.api.deployments import deployment_log, follow_log, read_deployment
from services.api.errors import ApiError, Conflict, Throttled
from services.api.lifecycle import ACTIVE, Status
from services.api.production import ROLLBACK_DEPTH
from services.api.projects import read_project
from services.api.records import load_deployment, load_project
from services.api.state import AppState
from services.api.views import delivery_view, deployment_view
from services.core.rollback import rollback_target
from services.core.timefmt import age, duration, status_label

from .log_html import log_html
from .session import (
    COOKIE,
    MAX_AGE,
    Session,
    csrf_token,
    csrf_valid,
    new_session_cookie,
    read_session,
)
from .sign_out import is_signed_out, sign_out

log = logging.getLogger("slipway.dashboard")

PREFIX = "/dashboard"
SHOWN_DEPLOYMENTS = 50
SHOWN_DELIVERIES = 10
TEMPLATES = Path(__file__).parent / "templates"
NOTICES = {
    "deployed": "Deployment queued.",
    "promoted": "The deployment is now in production.",
    "rolled-back": "Rolled back: the previous deployment is in production again.",
    "cancel-requested": "Cancel requested.",
    "signed-out": "Signed out.",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

AnyRequest = Request[Any, Any, Any]

_jinja = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_jinja.filters["age"] = age
_jinja.filters["duration"] = duration
_jinja.filters["short"] = lambda commit: commit[:7] if commit else "-"
_jinja.filters["log_html"] = log_html  # colours as spans, the text escaped


class SignInRequired(Exception):
    pass


class CsrfRejected(Exception):
    pass


def render(
    request: AnyRequest,
    template: str,
    status: int = 200,
    *,
    session: Session | None,
    **context: Any,
) -> Response[str]:
    state: AppState = request.app.state.slipway
    done = request.query_params.get("done", "")
    html = _jinja.get_template(template).render(
        signed_in=session is not None,
        csrf=csrf_token(state.api_token, session) if session else "",
        notice=NOTICES.get(done, ""),
        **context,
    )
    return Response(html, media_type=MediaType.HTML, status_code=status, headers=SECURITY_HEADERS)


def token_file(request: AnyRequest) -> str:
    """The file this api reads its token from, for the sign-in page; "" when there is none."""
    path: Path = request.app.state.slipway.settings.api_token_file
    return str(path) if path.is_file() else ""


async def signed_in_session(request: AnyRequest) -> Session | None:
    """The session the request's cookie proves, unless it was signed out."""
    state: AppState = request.app.state.slipway
    session = read_session(state.api_token, request.cookies.get(COOKIE))
    if session is None or await is_signed_out(state.sessions, session):
        return None
    return session


async def current_session(request: AnyRequest) -> Session:
    session = await signed_in_session(request)
    if session is None:
        raise SignInRequired
    return session


def same_origin(request: AnyRequest) -> bool:
    """A browser's Origin header, when sent, must name this very host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


async def checked_form(request: AnyRequest) -> tuple[Session, Mapping[str, str]]:
    """The session and form of a state-changing request, after the CSRF checks."""
    session = await current_session(request)
    form = await request.form()
    values = {key: str(value) for key, value in form.items()}
    presented = values.get("csrf_token") or request.headers.get("x-csrf-token")
    state: AppState = request.app.state.slipway
    if not same_origin(request) or not csrf_valid(state.api_token, session, presented):
        raise CsrfRejected
    return session, values


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


def confirmation(
    request: AnyRequest,
    session: Session,
    question: str,
    back: str,
    action: str,
    fields: Mapping[str, str],
) -> Response[str]:
    """Without JavaScript, an action asks on a page of its own before it happens."""
    keep = {k: v for k, v in fields.items() if k not in ("csrf_token", "confirmed")}
    return render(
        request,
        "confirm.html",
        session=session,
        question=question,
        back=back,
        action=action,
        fields=keep,
    )


def builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


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


def dashboard_error(request: AnyRequest, exc: Exception) -> Response[Any]:
    session = read_session(request.app.state.slipway.api_token, request.cookies.get(COOKIE))
    if isinstance(exc, SignInRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = PREFIX + "/"
        return Redirect(f"{PREFIX}/login?next={quote(target, safe='/')}", status_code=303)
    if isinstance(exc, CsrfRejected):
        message = (
            "This form expired or did not come from the dashboard. Reload the page and try again."
        )
        return render(request, "error.html", 403, session=session, message=message)
    if isinstance(exc, ApiError):
        return render(request, "error.html", exc.status_code, session=session, message=exc.message)
    if isinstance(exc, HTTPException):
        return render(
            request, "error.html", exc.status_code, session=session, message=str(exc.detail)
        )
    log.exception("dashboard error on %s %s", request.method, request.url.path)
    return render(request, "error.html", 500, session=session, message="Something went wrong.")


def deployment_url(deployment_id: str, done: str | None = None) -> str:
    return f"{PREFIX}/deployments/{deployment_id}" + (f"?done={done}" if done else "")


def project_url(name: str, done: str | None = None) -> str:
    return f"{PREFIX}/projects/{name}" + (f"?done={done}" if done else "")


class DashboardController(Controller):
    path = PREFIX
    include_in_schema = False
    exception_handlers = {Exception: dashboard_error}

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
        session = await current_session(request)
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
            session=session,
            project=project,
            deployments=deployments,
            deliveries=[builtins(delivery_view(row)) for row in deliveries],
            rollback=target,
        )

    @get("/deployments/{deployment_id:str}")
    async def deployment(
        self, request: AnyRequest, deployment_id: str, app_state: AppState
    ) -> Response[str]:
        session = await current_session(request)
        d = builtins(await read_deployment(app_state, deployment_id))
        async with app_state.sessions() as db:
            row = await load_deployment(db, deployment_id)
            project = builtins(
                await read_project(app_state, db, await load_project(db, row.project_name))
            )
        text = await deployment_log(app_state, row)
        return render(
            request,
            "deployment.html",
            session=session,
            d=d,
            project=project,
            log_text=text,
            active=d["status"] in ACTIVE,
        )

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
        await current_session(request)
        d = await read_deployment(app_state, deployment_id)
        label = status_label(d.status, d.reason)
        body = {
            "status": d.status,
            "label": label,
            "final": d.status not in ACTIVE,
            "commit": d.commit,  # resolved once the builder fetched the branch
            "started_at": d.started_at,
        }
        return Response(body, headers=SECURITY_HEADERS)

    # -- actions -----------------------------------------------------------------------------

    @post("/projects/{name:str}/deploy", status_code=303)
    async def deploy(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        _, form = await checked_form(request)
        d, _ = await deployment_actions.deploy(
            app_state, name, ref=form.get("ref", "").strip(), commit="", trigger="dashboard"
        )
        return Redirect(deployment_url(d.id, "deployed"), status_code=303)

    @post("/projects/{name:str}/rollback", status_code=303)
    async def rollback(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        session, form = await checked_form(request)
        async with app_state.sessions() as db:
            p = await load_project(db, name)
            views = await recent_deployments(app_state, db, p, ROLLBACK_DEPTH)
        target = rollback_target(p.production_deployment_id, p.production_branch, views)
        if target is None:
            raise Conflict(
                f"{name} has no earlier ready deployment of {p.production_branch} to roll back to"
            )
        if form.get("confirmed") != "1":
            question = f"Roll {name} back to deployment {target['id']}?"
            return confirmation(
                request, session, question, project_url(name), project_url(name) + "/rollback", form
            )
        # The target the question named, checked again under the lock to be ready.
        await deployment_actions.rollback(
            app_state, name, "dashboard:rollback", target=str(target["id"])
        )
        return Redirect(project_url(name, "rolled-back"), status_code=303)

    @post("/deployments/{deployment_id:str}/promote", status_code=303)
    async def promote(
        self, request: AnyRequest, deployment_id: str, app_state: AppState
    ) -> Response[Any]:
        session, form = await checked_form(request)
        d = await read_deployment(app_state, deployment_id)
        if d.status != Status.READY:
            raise Conflict(f"only a ready deployment can be promoted; {d.id} is {d.status}")
        if form.get("confirmed") != "1":
            question = f"Put deployment {d.id} in production for {d.project}?"
            return confirmation(
                request,
                session,
                question,
                deployment_url(d.id),
                deployment_url(d.id) + "/promote",
                form,
            )
        await deployment_actions.promote(app_state, d.id, "dashboard")
        return Redirect(deployment_url(d.id, "promoted"), status_code=303)

    @post("/deployments/{deployment_id:str}/cancel", status_code=303)
    async def cancel(
        self, request: AnyRequest, deployment_id: str, app_state: AppState
    ) -> Response[Any]:
        session, form = await checked_form(request)
        d = await read_deployment(app_state, deployment_id)
        if d.status not in ACTIVE:
            raise Conflict(f"deployment {d.id} is already {d.status}")
        if form.get("confirmed") != "1":
            question = f"Cancel deployment {d.id} of {d.project}?"
            return confirmation(
                request,
                session,
                question,
                deployment_url(d.id),
                deployment_url(d.id) + "/cancel",
                form,
            )
        await deployment_actions.cancel(app_state, d.id)
        return Redirect(deployment_url(d.id, "cancel-requested"), status_code=303)


@get("/", include_in_schema=False)
async def root() -> Redirect:
    return Redirect(PREFIX + "/", status_code=303)
