"""Build variables from the settings page: add or change one, remove one.

As `slipway env set|unset` does, the group is read whole, changed, and written back with
update_project, which checks names, reserved prefixes and sizes as the API does. A change
applies from the next deployment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Response, post

from services.api.errors import BadRequest, NotFound
from services.api.projects import update_project
from services.api.records import load_project
from services.api.schemas import ProjectUpdate
from services.api.state import AppState

from .project_fields import as_body
from .project_forms import VARIABLE_GROUPS, Answer, SettingsForm, settings_change
from .web import AnyRequest, DashboardRoutes

APPLIES_TO = dict(VARIABLE_GROUPS)


def chosen_group(form: Mapping[str, str]) -> str:
    group = form.get("group", "")
    if group not in APPLIES_TO:
        raise BadRequest("choose which builds the variable is for")
    return group


async def stored_group(app_state: AppState, name: str, group: str) -> dict[str, str]:
    """The group's values as stored (never masked): what the change is laid over."""
    async with app_state.sessions() as db:
        project = await load_project(db, name)
    return dict(getattr(project, group))


async def write_group(app_state: AppState, name: str, group: str, values: dict[str, str]) -> None:
    await update_project(app_state, name, as_body({group: values}, ProjectUpdate))


class VariableForms(DashboardRoutes):
    @post("/projects/{name:str}/variables", status_code=303)
    async def set_variable(
        self, request: AnyRequest, name: str, app_state: AppState
    ) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            group = chosen_group(form.values)
            values = await stored_group(app_state, name, group)
            values[form.values.get("key", "").strip()] = form.values.get("value", "")
            await write_group(app_state, name, group, values)
            return "variables-saved"

        return await settings_change(request, app_state, name, "variables", change)

    @post("/projects/{name:str}/variables/remove", status_code=303)
    async def remove_variable(
        self, request: AnyRequest, name: str, app_state: AppState
    ) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            group, key = chosen_group(form.values), form.values.get("key", "")
            values = await stored_group(app_state, name, group)
            if key not in values:
                raise NotFound(f"{name} has no build variable {key!r} for that group")
            if not form.confirmed:
                applies_to = APPLIES_TO[group].lower()
                return form.ask(f"Remove build variable {key} ({applies_to}) from {name}?")
            del values[key]
            await write_group(app_state, name, group, values)
            return "variables-removed"

        return await settings_change(request, app_state, name, "variables", change)
