"""Custom domains from the settings page: add one, remove one.

As `slipway domains add|remove` does, the list is read, changed and written back with
update_project, which checks each host and that no other project serves it, then moves the
routes: production is served on an added host at once, and no longer on a removed one.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, post

from services.api.errors import BadRequest, NotFound
from services.api.projects import update_project
from services.api.records import load_project
from services.api.schemas import ProjectUpdate
from services.api.state import AppState

from .project_fields import as_body
from .project_forms import Answer, SettingsForm, settings_change
from .web import AnyRequest, DashboardRoutes


async def stored_domains(app_state: AppState, name: str) -> list[str]:
    async with app_state.sessions() as db:
        project = await load_project(db, name)
    return [domain.host for domain in project.domains]


async def write_domains(app_state: AppState, name: str, hosts: list[str]) -> None:
    await update_project(app_state, name, as_body({"domains": hosts}, ProjectUpdate))


class DomainForms(DashboardRoutes):
    @post("/projects/{name:str}/domains", status_code=303)
    async def add_domain(
        self, request: AnyRequest, name: str, app_state: AppState
    ) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            host = form.values.get("host", "").strip()
            hosts = await stored_domains(app_state, name)
            if host.lower().rstrip(".") in hosts:
                raise BadRequest(f"{name} already answers on {host}")
            await write_domains(app_state, name, [*hosts, host])
            return "domains-added"

        return await settings_change(request, app_state, name, "domains", change)

    @post("/projects/{name:str}/domains/remove", status_code=303)
    async def remove_domain(
        self, request: AnyRequest, name: str, app_state: AppState
    ) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            host = form.values.get("host", "")
            hosts = await stored_domains(app_state, name)
            if host not in hosts:
                raise NotFound(f"{name} has no domain {host!r}")
            if not form.confirmed:
                return form.ask(f"Stop serving {name} on {host}?")
            await write_domains(app_state, name, [h for h in hosts if h != host])
            return "domains-removed"

        return await settings_change(request, app_state, name, "domains", change)
