"""Scoped tokens and deploy hooks: create, list, revoke. What the REST api (and so the CLI)
and the dashboard offer, written once.

Who may call these is the caller's check (services/api/access.py: tokens need an admin of
every project, a project's hooks an admin of that project). A secret is in the answer that
creates it and nowhere else: only its hash is stored.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from sqlalchemy import select

from services.core.token_format import token_text

from .access import Role, new_secret
from .db.models import ApiToken, DeployHook
from .errors import NotFound
from .records import load_project
from .schemas import HookCreate, HookCreated, HookRead, TokenCreate, TokenCreated, TokenRead
from .state import AppState
from .validation import check_branch

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


async def create_token(app_state: AppState, data: TokenCreate) -> TokenCreated:
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
    return TokenCreated(**msgspec.structs.asdict(read), token=token_text(token_id, secret))


async def list_tokens(app_state: AppState) -> list[TokenRead]:
    async with app_state.sessions() as session:
        rows = await session.scalars(select(ApiToken).order_by(ApiToken.created_at))
        return [_token_read(row) for row in rows]


async def revoke_token(app_state: AppState, token_id: str) -> None:
    async with app_state.sessions() as session, session.begin():
        row = await session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"no token {token_id!r}: `slipway tokens list` shows them")
        await session.delete(row)


async def create_hook(
    app_state: AppState, name: str, data: HookCreate, base_url: str
) -> HookCreated:
    """A hook of the branch `data.ref` (the production branch when None); its URL starts
    with `base_url`, the address the api was reached at."""
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
    url = f"{base_url.rstrip('/')}{HOOK_PATH}/{hook_id}/{secret}"
    return HookCreated(**msgspec.structs.asdict(read), url=url)


async def list_hooks(app_state: AppState, name: str) -> list[HookRead]:
    async with app_state.sessions() as session:
        await load_project(session, name)
        rows = await session.scalars(
            select(DeployHook)
            .where(DeployHook.project_name == name)
            .order_by(DeployHook.created_at)
        )
        return [_hook_read(row) for row in rows]


async def delete_hook(app_state: AppState, name: str, hook_id: str) -> None:
    async with app_state.sessions() as session, session.begin():
        row = await session.get(DeployHook, hook_id)
        if row is None or row.project_name != name:
            raise NotFound(
                f"project {name!r} has no deploy hook {hook_id!r}: "
                f"`slipway hooks list {name}` shows them"
            )
        await session.delete(row)
