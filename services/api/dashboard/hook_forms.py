"""Deploy hooks from a project's settings page: make one, delete one (`slipway hooks create`
and `delete`).

services/api/token_actions.py does both, as for POST and DELETE
/api/projects/{name}/hooks, and says the refusals; the form's fields become the API's own
HookCreate. A new hook's URL is in the page that answers the form and nowhere else: that
answer is no redirect, so the URL never reaches an address bar, a history or a log line.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, post

from services.api import token_actions
from services.api.access import Role
from services.api.schemas import HookCreate
from services.api.state import AppState

from .project_fields import as_body
from .project_forms import Answer, SettingsForm, settings_change, settings_page
from .web import AnyRequest, DashboardRoutes, builtins, session_principal


class HookForms(DashboardRoutes):
    @post("/projects/{name:str}/hooks", status_code=200)
    async def create(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            session_principal(form.session).check(Role.ADMIN, name)
            ref = form.values.get("ref", "").strip()
            body = {"name": form.values.get("name", "").strip(), "ref": ref or None}
            made = await token_actions.create_hook(
                app_state, name, as_body(body, HookCreate), str(request.base_url)
            )
            return await settings_page(
                request, app_state, form.session, name, created_hook=builtins(made)
            )

        return await settings_change(request, app_state, name, "hooks", change)

    @post("/projects/{name:str}/hooks/remove", status_code=303)
    async def remove(self, request: AnyRequest, name: str, app_state: AppState) -> Response[Any]:
        async def change(form: SettingsForm) -> Answer:
            session_principal(form.session).check(Role.ADMIN, name)
            hook_id = form.values.get("hook", "")
            hooks = {hook.id: hook for hook in await token_actions.list_hooks(app_state, name)}
            # A hook that is gone already is refused below, in token_actions' words.
            if hook_id in hooks and not form.confirmed:
                hook = hooks[hook_id]
                return form.ask(
                    f"Delete deploy hook {hook.name} ({hook.ref}) of {name}? "
                    "Its URL deploys nothing any more."
                )
            await token_actions.delete_hook(app_state, name, hook_id)
            return "hooks-deleted"

        return await settings_change(request, app_state, name, "hooks", change)
