"""The API token: the bearer guard of `/api/*`, and the one check every sign-in goes through."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from .access import ADMIN, Principal, Role, project_of_deployment, scoped_principal
from .client_address import client_address
from .errors import Throttled, Unauthorized

if TYPE_CHECKING:
    from .state import AppState


def token_matches(expected: str, presented: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), presented.encode())


def bearer_token(connection: ASGIConnection) -> str:  # type: ignore[type-arg]
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def signs_in(state: AppState, address: str, presented: str) -> bool:
    """Whether `presented` is the API token. While `address` has failed too often, raises
    Throttled before comparing anything; a failure counts against it."""
    if (wait := state.sign_in_failures.retry_after(address)) is not None:
        raise Throttled(wait)
    if token_matches(state.api_token, presented):
        state.sign_in_failures.succeeded(address)
        return True
    state.sign_in_failures.failed(address)
    return False


async def principal_of(state: AppState, address: str, presented: str) -> Principal:
    """Who the bearer token is: the admin, or a scoped token's role and project."""
    if (wait := state.sign_in_failures.retry_after(address)) is not None:
        raise Throttled(wait)
    if token_matches(state.api_token, presented):
        found: Principal | None = ADMIN
    else:
        found = await scoped_principal(state.sessions, presented)
    if found is None:
        state.sign_in_failures.failed(address)
        raise Unauthorized("missing or invalid bearer token")
    state.sign_in_failures.succeeded(address)
    return found


def needed_role(method: str, handler: BaseRouteHandler) -> Role:
    """Reading needs `read`; a handler marked `opt={"role": Role.DEPLOY}` needs `deploy`;
    every other change needs `admin`."""
    marked = handler.opt.get("role")
    if isinstance(marked, Role):
        return marked
    return Role.READ if method in ("GET", "HEAD") else Role.ADMIN


async def require_token(connection: ASGIConnection, handler: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    state = connection.app.state.slipway
    method = str(connection.scope.get("method", "GET"))
    principal = await principal_of(state, client_address(connection), bearer_token(connection))
    if principal.project is None:
        principal.check(needed_role(method, handler), None)
        return
    project = connection.path_params.get("name")
    if project is None and "deployment_id" in connection.path_params:
        found = await project_of_deployment(state.sessions, connection.path_params["deployment_id"])
        project = found or principal.project  # an unknown id is a 404 further on
    principal.check(needed_role(method, handler), project)
