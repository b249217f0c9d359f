"""Tokens narrower than the admin token, and deploy hooks: create, list, revoke, and the hook.

`/api/tokens` needs an admin token of every project; a project's hooks need an admin of that
project (services/api/access.py). What each does is services/api/token_actions.py, which the
dashboard calls too. A token's or hook's secret is shown once, in the answer that creates
it; only its hash is kept. `POST /hooks/deploy/<id>/<secret>` deploys the hook's branch, for
a CMS or a cron job: no other credential, so a wrong one counts as a failed sign-in of its
address and answers exactly what an unknown hook answers.
"""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, Request, delete, get, post

from . import deployment_actions, token_actions
from .access import secret_matches
from .auth import require_token
from .client_address import client_address
from .db.models import DeployHook
from .errors import NotFound, Throttled
from .schemas import (
    DeploymentRead,
    HookCreate,
    HookCreated,
    HookRead,
    TokenCreate,
    TokenCreated,
    TokenRead,
)
from .state import StateDep
from .token_actions import HOOK_PATH
from .views import deployment_view


class TokenController(Controller):
    path = "/api/tokens"
    guards = [require_token]
    tags = ["tokens"]

    @post("/", operation_id="createToken", status_code=201)
    async def create(self, data: TokenCreate, app_state: StateDep) -> TokenCreated:
        """A token with a role (read, deploy, admin), for one project or all; its text is in
        this answer only."""
        return await token_actions.create_token(app_state, data)

    @get("/", operation_id="listTokens")
    async def list_tokens(self, app_state: StateDep) -> list[TokenRead]:
        """Every scoped token: its name, role, project and last use; never its secret."""
        return await token_actions.list_tokens(app_state)

    @delete("/{token_id:str}", operation_id="revokeToken", status_code=204)
    async def revoke(self, token_id: str, app_state: StateDep) -> None:
        """Revoke a token at once: its next request is refused."""
        await token_actions.revoke_token(app_state, token_id)


class HookController(Controller):
    path = "/api/projects/{name:str}/hooks"
    guards = [require_token]
    tags = ["projects"]

    @post("/", operation_id="createDeployHook", status_code=201)
    async def create(
        self,
        name: str,
        data: HookCreate,
        app_state: StateDep,
        request: Request,  # type: ignore[type-arg]
    ) -> HookCreated:
        """A secret URL that deploys the branch (default: production) when POSTed to; the
        URL is in this answer only."""
        return await token_actions.create_hook(app_state, name, data, str(request.base_url))

    @get("/", operation_id="listDeployHooks")
    async def list_hooks(self, name: str, app_state: StateDep) -> list[HookRead]:
        """The project's deploy hooks: name, branch, last use; never their URLs."""
        return await token_actions.list_hooks(app_state, name)

    @delete("/{hook_id:str}", operation_id="deleteDeployHook", status_code=204)
    async def remove(self, name: str, hook_id: str, app_state: StateDep) -> None:
        """Delete a hook: its URL deploys nothing any more."""
        await token_actions.delete_hook(app_state, name, hook_id)


@post(
    f"{HOOK_PATH}/{{hook_id:str}}/{{secret:str}}",
    operation_id="runDeployHook",
    tags=["projects"],
    status_code=202,
)
async def run_deploy_hook(
    hook_id: str,
    secret: str,
    app_state: StateDep,
    request: Request,  # type: ignore[type-arg]
) -> DeploymentRead:
    """Deploy the hook's branch of its project. The URL is the credential."""
    address = client_address(request)
    if (wait := app_state.sign_in_failures.retry_after(address)) is not None:
        raise Throttled(wait)
    async with app_state.sessions() as session, session.begin():
        row = await session.get(DeployHook, hook_id[:12])
        if row is None or not secret_matches(row.secret_hash, secret):
            app_state.sign_in_failures.failed(address)
            raise NotFound("no such deploy hook")
        row.last_used_at = datetime.now(row.created_at.tzinfo)
        project_name, ref = row.project_name, row.ref
    app_state.sign_in_failures.succeeded(address)
    d, project = await deployment_actions.deploy(
        app_state, project_name, ref=ref, commit="", trigger="hook"
    )
    return deployment_view(app_state.settings, d, project)
