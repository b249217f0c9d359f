"""The api's error hierarchy and its one translation to HTTP responses."""

from __future__ import annotations

import logging

from litestar import Request, Response
from litestar.exceptions import HTTPException
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from services.core.storage import StorageError

log = logging.getLogger("slipway.api")


class ApiError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(ApiError):
    pass


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"


class Forbidden(ApiError):
    """A valid token whose role or project does not cover the request."""

    status_code = 403
    code = "forbidden"


class NotFound(ApiError):
    status_code = 404
    code = "not_found"


class Conflict(ApiError):
    status_code = 409
    code = "conflict"


class TooManyRequests(ApiError):
    status_code = 429
    code = "too_many_requests"


class Throttled(TooManyRequests):
    """Too many failed sign-ins from one address (services.api.throttle)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed sign-ins from this address; try again in {retry_after} s"
        )
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def _body(code: str, message: str, status: int) -> dict[str, object]:
    # `status_code` and `detail` keep the shape Litestar documents for its own errors.
    return {"error": code, "message": message, "status_code": status, "detail": message}


def validation_sentence(extra: object) -> str | None:
    """A schema error as one sentence naming the field (`spa: Expected `bool`, got `str``),
    instead of the framework's list of dicts; None for any other shape."""
    if not isinstance(extra, list) or not all(isinstance(e, dict) for e in extra):
        return None
    parts = []
    for error in extra:
        key, message = error.get("key"), error.get("message")
        if not message:
            return None
        # "data" is the whole body: the message names the field itself.
        parts.append(str(message) if key in (None, "data") else f"{key}: {message}")
    return "; ".join(parts) or None


def handle_exception(request: Request, exc: Exception) -> Response[dict[str, object]]:  # type: ignore[type-arg]
    if isinstance(exc, ApiError):
        return Response(
            _body(exc.code, exc.message, exc.status_code),
            status_code=exc.status_code,
            headers=exc.headers,
        )
    if isinstance(exc, HTTPException):
        detail = exc.detail or "error"
        extra = getattr(exc, "extra", None)
        if extra and exc.status_code == 400:
            detail = validation_sentence(extra) or f"{detail}: {extra}"
        return Response(
            _body("http_error", str(detail), exc.status_code),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
    if isinstance(exc, OperationalError | PoolTimeoutError | ConnectionError | OSError):
        # The database is down: say so, and let callers (GitHub) retry later.
        log.warning("database unavailable: %s", exc)
        return Response(_body("unavailable", "the database is unavailable", 503), status_code=503)
    if isinstance(exc, StorageError):
        log.warning("storage unavailable: %s", exc)
        return Response(_body("unavailable", "object storage is unavailable", 503), status_code=503)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return Response(_body("internal", "internal server error", 500), status_code=500)
