"""Creating a project, its settings page, saving its settings and deleting it.

The forms are checked and carried out by the same functions as the REST API's
(services/api/projects.py: create_project, update_project, delete_project), so a rule and
its sentence live once. A refused form comes back with the reason beside it and what was
typed in it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Response, get, post
from litestar.response import Redirect

from services.api import token_actions
from services.api.errors import ApiError, BadRequest
from services.api.projects import create_project, delete_project, update_project
from services.api.state import AppState

from .project_fields import NEW_PROJECT, create_request, stored_settings, update_request
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
    shown_project,
)

# The three groups of build variables, as the API names them, with what they apply to.
VARIABLE_GROUPS = (
    ("env", "Every build"),
    ("production_env", "Production builds only"),
    ("preview_env", "Previews only (pull requests and other branches)"),
)


def settings_url(name: str, done: str | None = None, section: str = "") -> str:
    return (
        f"{PREFIX}/projects/{name}/settings"
        + (f"?done={done}" if done else "")
        + (f"#{section}" if section else "")
    )


async def settings_page(
    request: AnyRequest,
    app_state: AppState,
    session: Session,
    name: str,
    refusal: Refusal = NO_REFUSAL,
    created_hook: Mapping[str, Any] | None = None,
) -> Response[str]:
    """Every setting of a project, each group with its own form; values of build variables
    only when asked for (`?reveal=1`), as `slipway env list --reveal`. `created_hook` is a
    deploy hook just made, whose URL only this one answer shows (hook_forms.py)."""
    reveal = request.query_params.get("reveal") == "1"
    project = await shown_project(app_state, name, reveal)
    hooks = [builtins(hook) for hook in await token_actions.list_hooks(app_state, name)]
    return render(
        request,
        "settings.html",
        refusal.status,
        session=session,
        project=project,
        settings=stored_settings(project),
        groups=[(group, title, project[group]) for group, title in VARIABLE_GROUPS],
        reveal=reveal,
        hooks=hooks,
        created_hook=created_hook,
        refusal=refusal,
        # Its notices are named `<section>-<what happened>` (web.NOTICES).
        notice_section=request.query_params.get("done", "").partition("-")[0],
    )


def new_project_page(
    request: AnyRequest, session: Session, refusal: Refusal = NO_REFUSAL
) -> Response[str]:
    return render(
        request,
        "new_project.html",
        refusal.status,
        session=session,
        settings=NEW_PROJECT,
        refusal=refusal,
    )


class ProjectForms(DashboardRoutes):
    @get("/new-project")
    async def new_project(self, request: AnyRequest) -> Response[str]:
        return new_project_page(request, await current_session(request))

    @post("/new-project", status_code=303)
    async def create(self, request: AnyRequest, app_state: AppState) -> Response[Any]:
        session, form = await checked_form(request)
        try:
            project = await create_project(app_state, create_request(form))
        except ApiError as exc:
            return new_project_page(request, session, refused("create", exc, form))
        # A redirect without a fragment would keep the form's own (#create-error).
        return Redirect(f"{PREFIX}/projects/{project.name}?done=created#top", status_code=303)

    @get("/projects/{name:str}/settings")
    async def settings(self, request: AnyRequest, name: str, app_state: AppState) -> Response[str]:
        return await settings_page(request, app_state, await current_session(request), name)

    @post("/projects/{name:str}/settings", status_code=303)
    async def save(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            changes = update_request(form.values, await shown_project(app_state, name))
            if changes is None:
                return "general-unchanged"
            await update_project(app_state, name, changes)
            return "general-saved"

        return await settings_change(request, app_state, name, "general", change)

    @post("/projects/{name:str}/delete", status_code=303)
    async def delete(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        """Confirmed by typing the project's name: the same with or without JavaScript, and
        never by a stray click (`slipway projects delete` asks too)."""

        async def change(form: SettingsForm) -> Answer:
            if form.values.get("confirm_name", "").strip() != name:
                raise BadRequest(f"type the project's name, {name}, to delete it")
            await delete_project(app_state, name)
            # A redirect without a fragment would keep the form's own (#delete-error).
            return Redirect(f"{PREFIX}/?done=deleted#top", status_code=303)

        return await settings_change(request, app_state, name, "delete", change)


@dataclass(frozen=True)
class SettingsForm:
    """One form of a project's settings page, as posted, after the CSRF checks."""

    request: AnyRequest
    session: Session
    values: Mapping[str, str]
    project: str
    section: str  # the page's section the form is in, where the page opens after it

    @property
    def confirmed(self) -> bool:
        return self.values.get("confirmed") == "1"

    def ask(self, question: str) -> Response[str]:
        """Without JavaScript, the page that asks before the change (a dialog asks with it)."""
        back = settings_url(self.project, section=self.section)
        return confirmation(
            self.request, self.session, question, back, self.request.url.path, self.values
        )


# What a change answers: the notice of what it did (web.NOTICES), or a page of its own.
Answer = str | Response[Any]


async def settings_change(
    request: AnyRequest,
    app_state: AppState,
    name: str,
    section: str,
    change: Callable[[SettingsForm], Awaitable[Answer]],
) -> Response[Any]:
    """The settings page back after a change, open at its section with what was done said
    there; or after a refusal, with the reason beside the form and what was typed in it."""
    session, values = await checked_form(request)
    try:
        answer = await change(SettingsForm(request, session, values, name, section))
    except ApiError as exc:
        return await settings_page(request, app_state, session, name, refused(section, exc, values))
    if isinstance(answer, str):
        return Redirect(settings_url(name, answer, section), status_code=303)
    return answer
