"""Password protection of a project's previews, from the settings page: set or change the
password, or make previews public again (`slipway projects update --preview-password -`
and `--no-preview-password`). update_project checks and hashes the password, then brings
the preview hosts that already exist in line."""

from __future__ import annotations

from typing import Any

from litestar import Response, post

from services.api.errors import BadRequest
from services.api.projects import update_project
from services.api.schemas import ProjectUpdate
from services.api.state import AppState

from .project_fields import as_body
from .project_forms import Answer, SettingsForm, settings_change
from .web import AnyRequest, DashboardRoutes


async def write_password(app_state: AppState, name: str, password: str | None) -> None:
    await update_project(app_state, name, as_body({"preview_password": password}, ProjectUpdate))


class PreviewForms(DashboardRoutes):
    @post("/projects/{name:str}/preview-password", status_code=303)
    async def protect(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            # The API takes an empty password as "make them public"; a form left empty by
            # mistake must not do that.
            if not form.values.get("password"):
                raise BadRequest("type the password that previews will ask for")
            await write_password(app_state, name, form.values["password"])
            return "previews-protected"

        return await settings_change(request, app_state, name, "previews", change)

    @post("/projects/{name:str}/preview-password/remove", status_code=303)
    async def make_public(
        self, request: AnyRequest, name: str, app_state: AppState
    ) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            if not form.confirmed:
                return form.ask(f"Make the previews of {name} public, with no password?")
            await write_password(app_state, name, None)
            return "previews-public"

        return await settings_change(request, app_state, name, "previews", change)
