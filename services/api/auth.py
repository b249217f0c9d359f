"""Bearer-token guard for `/api/*`."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from .errors import Unauthorized


def token_matches(expected: str, presented: str) -> bool:
    return bool(expected) and hmac.compare_digest(expected.encode(), presented.encode())


def bearer_token(connection: ASGIConnection) -> str:  # type: ignore[type-arg]
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def require_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:  # type: ignore[type-arg]
    state = connection.app.state.slipway
    if not token_matches(state.api_token, bearer_token(connection)):
        raise Unauthorized("missing or invalid bearer token")
