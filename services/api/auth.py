"""The API token: the bearer guard of `/api/*`, and the one check every sign-in goes through."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

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


def require_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    state = connection.app.state.slipway
    if not signs_in(state, client_address(connection), bearer_token(connection)):
        raise Unauthorized("missing or invalid bearer token")
