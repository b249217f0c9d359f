"""Clearing a project's build cache from its settings page (`slipway projects clear-cache`)."""

from __future__ import annotations

from typing import Any

from litestar import Response, post

from services.api import deployment_actions
from services.api.state import AppState

from .project_forms import Answer, SettingsForm, settings_change
from .web import AnyRequest, DashboardRoutes


class CacheForms(DashboardRoutes):
    @post("/projects/{name:str}/clear-cache", status_code=303)
    async def clear(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            if not form.confirmed:
                return form.ask(
                    f"Clear the build cache of {name}? Its next build installs every package "
                    "afresh."
                )
            await deployment_actions.clear_build_cache(app_state, name)
            return "cache-cleared"

        return await settings_change(request, app_state, name, "cache", change)
