"""The ceilings `make bench-proxy` sets beside the proxy: bare granian apps that answer every
request with the very bytes the proxy sends for the 2 KB page, and do nothing else.

What a bare app reaches on one core is as fast as Python on granian gets through that
interface; the gap between it and the proxy is the cost of the proxy's own work.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

RESPONSE_ENV = "SLIPWAY_BENCH_RESPONSE"  # a JSON file: {"status", "headers", "body"}

Response = tuple[int, list[tuple[str, str]], bytes]


def save_response(path: Path, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    path.write_text(json.dumps({"status": status, "headers": headers, "body": body.hex()}))


def _response() -> Response:
    saved = json.loads(Path(os.environ[RESPONSE_ENV]).read_text())
    headers = [(name, value) for name, value in saved["headers"]]
    return saved["status"], headers, bytes.fromhex(saved["body"])


def asgi_app() -> Callable[[Any, Any, Any], Awaitable[None]]:
    """A factory, as the proxy's is; it answers lifespan as the proxy's Litestar app does."""
    status, headers, body = _response()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [(name.encode(), value.encode()) for name, value in headers],
    }
    whole = {"type": "http.response.body", "body": body}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await send(start)
            await send(whole)
            return
        while (await receive())["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    return app


class _RSGIApp:
    def __init__(self, response: Response) -> None:
        self.status, self.headers, self.body = response

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        protocol.response_bytes(self.status, self.headers, self.body)


def rsgi_app() -> _RSGIApp:
    return _RSGIApp(_response())
