"""A small synchronous client of the Slipway HTTP API that turns failures into CliErrors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote

import httpx

from services.core.suggest import did_you_mean

from .config import Credentials
from .errors import (
    EXIT_AUTH,
    EXIT_CONFLICT,
    EXIT_FAILED,
    EXIT_NOT_FOUND,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    CliError,
)

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
# A followed log can stay silent for minutes (a queued build, a quiet step).
STREAM_TIMEOUT = httpx.Timeout(30.0, connect=5.0, read=None)
LOGIN_HINT = "run `slipway login`, or set SLIPWAY_API_TOKEN"
_PROJECT_PATH = re.compile(r"^/api/projects/([^/]+)")


def segment(value: str) -> str:
    """One path segment, escaped: names and ids never change the path's shape."""
    return quote(value, safe="")


class ApiClient:
    def __init__(
        self, credentials: Credentials, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.credentials = credentials
        self.base_url = credentials.api_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {credentials.token}",
                "User-Agent": "slipway-cli",
            },
            timeout=TIMEOUT,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _require_token(self) -> None:
        if not self.credentials.token:
            raise CliError("no API token configured", EXIT_AUTH, hint=LOGIN_HINT)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        self._require_token()
        try:
            response = self._http.request(method, path, json=json, params=params)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        if response.status_code == 404 and (named := _PROJECT_PATH.match(path)):
            self._missing_project(unquote(named.group(1)), response)
        self._check(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)

    def patch(self, path: str, json: Any) -> Any:
        return self.request("PATCH", path, json=json)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def stream_text(self, path: str, params: dict[str, str] | None = None) -> Iterator[str]:
        """Text chunks of a streamed response, as they arrive."""
        self._require_token()
        try:
            with self._http.stream("GET", path, params=params, timeout=STREAM_TIMEOUT) as response:
                if response.is_error:
                    response.read()
                    self._check(response)
                yield from response.iter_text()
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None

    def project_names(self) -> list[str]:
        return [str(p["name"]) for p in self.get("/api/projects")]

    def _missing_project(self, name: str, response: httpx.Response) -> None:
        """A project that does not exist: say which one was probably meant."""
        message = _error_message(response)
        if not message.startswith("no project"):
            return  # something below the project is missing, not the project
        close = did_you_mean(name, self.project_names())
        if close is not None:
            raise CliError(f"{message}; did you mean {close!r}?", EXIT_NOT_FOUND)
        raise CliError(message, EXIT_NOT_FOUND, hint="`slipway projects list` shows them all")

    def _unreachable(self, exc: httpx.TransportError) -> CliError:
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
            return CliError(
                f"cannot reach the Slipway API at {self.base_url}",
                EXIT_UNREACHABLE,
                hint="is it running? `make dev` starts it locally (export the same "
                "SLIPWAY_API_PORT in both terminals); set SLIPWAY_API_URL or run "
                "`slipway login --api-url URL` to point elsewhere",
            )
        return CliError(
            f"lost the connection to the Slipway API at {self.base_url} ({type(exc).__name__})",
            EXIT_UNREACHABLE,
        )

    def _check(self, response: httpx.Response) -> None:
        if not response.is_error:
            return
        message = _error_message(response)
        status = response.status_code
        if status == 401:
            raise CliError(
                f"the API at {self.base_url} refused the token from {self.credentials.token_source}",
                EXIT_AUTH,
                hint=LOGIN_HINT,
            )
        if status == 404:
            raise CliError(message, EXIT_NOT_FOUND)
        if status == 409:
            raise CliError(message, EXIT_CONFLICT)
        if status in (400, 422):
            raise CliError(message, EXIT_USAGE)
        raise CliError(f"the API answered {status}: {message}", EXIT_FAILED)


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or body.get("error") or body)
    return str(body)
