"""Tokens narrower than the admin token, and deploy hooks: create, list, revoke, and the hook.

`/api/tokens` needs an admin token of every project; a project's hooks need an admin of that
project (services/api/access.py). A token's or hook's secret is shown once, in the answer
that creates it; only its hash is kept. `POST /hooks/deploy/<id>/<secret>` deploys the
hook's branch, for a CMS or a cron job: no other credential, so a wrong one counts as a
failed sign-in of its address and answers exactly what an unknown hook answers.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, Request, delete, get, post
from sqlalchemy import select

from . import deployment_actions
from .access import Role, new_secret, secret_matches, token_text
from .auth import require_token
from .client_address import client_address
from .db.models import ApiToken, DeployHook
from .errors import NotFound, Throttled
from .records import load_project
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
from .validation import check_branch
from .views import deployment_view

HOOK_PATH = "/hooks/deploy"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _token_read(row: ApiToken) -> TokenRead:
    return TokenRead(
        row.id,
        row.name,
        row.role,
        row.project_name,
        row.created_at.isoformat(),
        _iso(row.last_used_at),
    )


def _hook_read(row: DeployHook) -> HookRead:
    return HookRead(
        row.id,
        row.project_name,
        row.name,
        row.ref,
        row.created_at.isoformat(),
        _iso(row.last_used_at),
    )


class TokenController(Controller):
    path = "/api/tokens"
    guards = [require_token]
    tags = ["tokens"]

    @post("/", operation_id="createToken", status_code=201)
    async def create(self, data: TokenCreate, app_state: StateDep) -> TokenCreated:
        """A token with a role (read, deploy, admin), for one project or all; its text is in
        this answer only."""
        token_id, secret, hashed = new_secret()
        async with app_state.sessions() as session, session.begin():
            if data.project is not None:
                await load_project(session, data.project)
            row = ApiToken(
                id=token_id,
                name=data.name.strip(),
                role=Role.named(data.role).label,
                project_name=data.project,
                secret_hash=hashed,
            )
            session.add(row)
            await session.flush()
            read = _token_read(row)
        return TokenCreated(
            **msgspec.structs.asdict(read),
            token=token_text(token_id, secret),
        )

    @get("/", operation_id="listTokens")
    async def list_tokens(self, app_state: StateDep) -> list[TokenRead]:
        """Every scoped token: its name, role, project and last use; never its secret."""
        async with app_state.sessions() as session:
            rows = await session.scalars(select(ApiToken).order_by(ApiToken.created_at))
            return [_token_read(row) for row in rows]

    @delete("/{token_id:str}", operation_id="revokeToken", status_code=204)
    async def revoke(self, token_id: str, app_state: StateDep) -> None:
        """Revoke a token at once: its next request is refused."""
        async with app_state.sessions() as session, session.begin():
            row = await session.get(ApiToken, token_id)
            if row is None:
                raise NotFound(f"no token {token_id!r}: `slipway tokens list` shows them")
            await session.delete(row)


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
        hook_id, secret, hashed = new_secret()
        async with app_state.sessions() as session, session.begin():
            project = await load_project(session, name)
            ref = check_branch(data.ref) if data.ref else project.production_branch
            row = DeployHook(
                id=hook_id, project_name=name, name=data.name.strip(), ref=ref, secret_hash=hashed
            )
            session.add(row)
            await session.flush()
            read = _hook_read(row)
        url = f"{str(request.base_url).rstrip('/')}{HOOK_PATH}/{hook_id}/{secret}"
        return HookCreated(**msgspec.structs.asdict(read), url=url)

    @get("/", operation_id="listDeployHooks")
    async def list_hooks(self, name: str, app_state: StateDep) -> list[HookRead]:
        """The project's deploy hooks: name, branch, last use; never their URLs."""
        async with app_state.sessions() as session:
            await load_project(session, name)
            rows = await session.scalars(
                select(DeployHook)
                .where(DeployHook.project_name == name)
                .order_by(DeployHook.created_at)
            )
            return [_hook_read(row) for row in rows]

    @delete("/{hook_id:str}", operation_id="deleteDeployHook", status_code=204)
    async def remove(self, name: str, hook_id: str, app_state: StateDep) -> None:
        """Delete a hook: its URL deploys nothing any more."""
        async with app_state.sessions() as session, session.begin():
            row = await session.get(DeployHook, hook_id)
            if row is None or row.project_name != name:
                raise NotFound(f"project {name!r} has no deploy hook {hook_id!r}")
            await session.delete(row)


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
