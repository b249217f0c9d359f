"""The API tokens page: every scoped token, a form that makes one, and revoking one
(`slipway tokens list`, `create` and `revoke`).

services/api/token_actions.py does the work, as for /api/tokens, and says the refusals; the
form's fields become the API's own TokenCreate. Managing tokens needs an admin of every
project, as on the API; a new token's text is in the page that answers the form and nowhere
else (no redirect: it never reaches an address bar or a history).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Response, get, post
from litestar.response import Redirect
from sqlalchemy import select

from services.api import token_actions
from services.api.access import Role
from services.api.db.models import Project
from services.api.errors import ApiError
from services.api.schemas import TokenCreate
from services.api.state import AppState

from .project_fields import as_body
from .refusal import NO_REFUSAL, Refusal, refused
from .session import Session
from .web import (
    PREFIX,
    AnyRequest,
    DashboardRoutes,
    builtins,
    checked_form,
    confirmation,
    current_session,
    render,
    session_principal,
)

# What each role may do, as services/api/access.py grants it, for the form's choices.
ROLES = (
    ("read", "read: see projects, deployments and logs"),
    ("deploy", "deploy: read, and deploy, cancel, promote, roll back"),
    ("admin", "admin: everything (with a project: its settings and hooks)"),
)


async def tokens_page(
    request: AnyRequest,
    app_state: AppState,
    session: Session,
    refusal: Refusal = NO_REFUSAL,
    created: Mapping[str, Any] | None = None,
) -> Response[str]:
    """The tokens, the form that makes one and, just after it did, the new token's text."""
    tokens = [builtins(token) for token in await token_actions.list_tokens(app_state)]
    async with app_state.sessions() as db:
        projects = list(await db.scalars(select(Project.name).order_by(Project.name)))
    return render(
        request,
        "tokens.html",
        refusal.status,
        session=session,
        tokens=tokens,
        projects=projects,
        roles=ROLES,
        created=created,
        refusal=refusal,
    )


async def token_change(
    request: AnyRequest,
    app_state: AppState,
    form_name: str,
    change: Callable[[Session, Mapping[str, str]], Awaitable[Response[Any]]],
) -> Response[Any]:
    """A form of the tokens page (`tokens`: New token; `revoke`: a Revoke button), after the
    CSRF and role checks; refused, the page again with the reason beside that form and what
    was typed in it."""
    session, values = await checked_form(request)
    try:
        session_principal(session).check(Role.ADMIN, None)
        return await change(session, values)
    except ApiError as exc:
        return await tokens_page(request, app_state, session, refused(form_name, exc, values))


class TokenForms(DashboardRoutes):
    @get("/tokens")
    async def tokens(self, request: AnyRequest, app_state: AppState) -> Response[str]:
        session = await current_session(request)
        session_principal(session).check(Role.ADMIN, None)
        return await tokens_page(request, app_state, session)

    @post("/tokens", status_code=200)
    async def create(self, request: AnyRequest, app_state: AppState) -> Response[Any]:
        async def change(session: Session, form: Mapping[str, str]) -> Response[Any]:
            body = {
                "name": form.get("name", "").strip(),
                "role": form.get("role", ""),
                "project": form.get("project") or None,  # "": every project
            }
            made = await token_actions.create_token(app_state, as_body(body, TokenCreate))
            return await tokens_page(request, app_state, session, created=builtins(made))

        return await token_change(request, app_state, "tokens", change)

    @post("/tokens/revoke", status_code=303)
    async def revoke(self, request: AnyRequest, app_state: AppState) -> Response[Any]:
        async def change(session: Session, form: Mapping[str, str]) -> Response[Any]:
            token_id = form.get("token", "")
            names = {token.id: token.name for token in await token_actions.list_tokens(app_state)}
            # A token that is gone already is refused below, in token_actions' words.
            if token_id in names and form.get("confirmed") != "1":
                question = (
                    f"Revoke token {names[token_id]} ({token_id})? Its next request is refused."
                )
                back, action = f"{PREFIX}/tokens", f"{PREFIX}/tokens/revoke"
                return confirmation(request, session, question, back, action, form)
            await token_actions.revoke_token(app_state, token_id)
            return Redirect(f"{PREFIX}/tokens?done=tokens-revoked#tokens", status_code=303)

        return await token_change(request, app_state, "revoke", change)
