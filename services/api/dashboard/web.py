"""What every dashboard page and form shares: the templates, the session and CSRF checks,
confirmation pages, the error page and the dashboard's URLs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
import msgspec
from litestar import Controller, Request, Response
from litestar.enums import MediaType
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from services.api.access import ADMIN, Principal
from services.api.errors import ApiError
from services.api.projects import read_project
from services.api.records import load_project
from services.api.state import AppState
from services.core.deployment_states import ACTIVE
from services.core.timefmt import age, duration, status_label

from .log_html import log_html
from .session import COOKIE, Session, csrf_token, csrf_valid, read_session
from .sign_out import is_signed_out

log = logging.getLogger("slipway.dashboard")

PREFIX = "/dashboard"
TEMPLATES = Path(__file__).parent / "templates"
NOTICES = {
    "deployed": "Deployment queued.",
    "redeployed": "Deployment queued: the same commit, built again.",
    "promoted": "The deployment is now in production.",
    "rolled-back": "Rolled back: the previous deployment is in production again.",
    "cancel-requested": "Cancel requested.",
    "signed-out": "Signed out.",
    "created": "Project created: deploy it here, or push to its production branch.",
    "deleted": "Project deleted: its sites are no longer served.",
    # The settings page shows these in the section named before the first hyphen.
    "general-saved": "Settings saved: builds use them from the next deployment.",
    "general-unchanged": "Nothing to save: the settings were already so.",
    "variables-saved": "Build variable saved: it applies from the next deployment.",
    "variables-removed": "Build variable removed: this applies from the next deployment.",
    "domains-added": "Domain added: production is served on it once its DNS points here.",
    "domains-removed": "Domain removed: it no longer serves this project.",
    "previews-protected": "Previews now ask for the password.",
    "previews-public": "Previews are public again.",
    "cache-cleared": "Build cache cleared: the next build installs every package afresh.",
    "hooks-deleted": "Deploy hook deleted: its URL deploys nothing any more.",
    "tokens-revoked": "Token revoked: its next request is refused.",
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

jinja = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def short_commit(commit: str | None) -> str:
    return commit[:7] if commit else "-"


def commit_subject(d: Mapping[str, Any]) -> str:
    """The first line of a deployment's commit message, cut for a table cell."""
    return ((d.get("commit_message") or "").splitlines() or [""])[0][:60]


def status_text(d: Mapping[str, Any]) -> str:
    return status_label(d["status"], d.get("reason"))


jinja.filters["age"] = age
jinja.filters["duration"] = duration
jinja.filters["short"] = short_commit
jinja.filters["subject"] = commit_subject
jinja.filters["status_label"] = status_text
jinja.filters["log_html"] = log_html  # colours as spans, the text escaped
jinja.tests["active"] = ACTIVE.__contains__  # {% if d.status is active %}: queued or building


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
    html = jinja.get_template(template).render(
        signed_in=session is not None,
        csrf=csrf_token(state.api_token, session) if session else "",
        notice=NOTICES.get(done, ""),
        **context,
    )
    return Response(html, media_type=MediaType.HTML, status_code=status, headers=SECURITY_HEADERS)


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


def session_principal(session: Session) -> Principal:
    """Whom a dashboard session acts as, for the API's role checks (services/api/access.py).
    Only the admin token signs in (auth.signs_in), so a session is an admin of every project;
    the forms that need a role still ask this, so that a narrower sign-in could not skip it."""
    del session  # every session is the admin's
    return ADMIN


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


async def shown_project(app_state: AppState, name: str, reveal: bool = False) -> dict[str, Any]:
    """A project in its API shape (GET /api/projects/{name}), as the pages show it."""
    async with app_state.sessions() as db:
        view: dict[str, Any] = builtins(
            await read_project(app_state, db, await load_project(db, name), reveal)
        )
    return view


def deployment_url(deployment_id: str, done: str | None = None) -> str:
    return f"{PREFIX}/deployments/{deployment_id}" + (f"?done={done}" if done else "")


def project_url(name: str, done: str | None = None) -> str:
    return f"{PREFIX}/projects/{name}" + (f"?done={done}" if done else "")


class DashboardRoutes(Controller):
    """The base of the dashboard's controllers: under /dashboard, out of the API's schema,
    every error an HTML page."""

    path = PREFIX
    include_in_schema = False
    exception_handlers = {Exception: dashboard_error}
