"""The ceilings `make bench-proxy` sets beside the proxy: bare granian apps that answer each
path with the very bytes the proxy sends for it (small files only), and do nothing else.

What a bare app reaches on one core is as fast as Python on granian gets through that
interface; the gap between it and the proxy is the cost of the proxy's own work.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

RESPONSES_ENV = "SLIPWAY_BENCH_RESPONSES"  # a JSON file: {path: {"status", "headers", "body"}}

Response = tuple[int, list[tuple[str, str]], bytes]


def save_responses(path: Path, responses: dict[str, Response]) -> None:
    path.write_text(
        json.dumps(
            {
                target: {"status": status, "headers": headers, "body": body.hex()}
                for target, (status, headers, body) in responses.items()
            }
        )
    )


def _responses() -> dict[str, Response]:
    saved = json.loads(Path(os.environ[RESPONSES_ENV]).read_text())
    return {
        target: (one["status"], [(k, v) for k, v in one["headers"]], bytes.fromhex(one["body"]))
        for target, one in saved.items()
    }


def asgi_app() -> Callable[[Any, Any, Any], Awaitable[None]]:
    """A factory, as the proxy's is; it answers lifespan as the proxy's Litestar app does."""
    messages = {
        target: (
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(name.encode(), value.encode()) for name, value in headers],
            },
            {"type": "http.response.body", "body": body},
        )
        for target, (status, headers, body) in _responses().items()
    }
    first = next(iter(messages.values()))

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            start, whole = messages.get(scope["path"], first)
            await send(start)
            await send(whole)
            return
        while (await receive())["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})

    return app


class _RSGIApp:
    def __init__(self, responses: dict[str, Response]) -> None:
        self.responses = responses
        self.first = next(iter(responses.values()))

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        status, headers, body = self.responses.get(scope.path, self.first)
        protocol.response_bytes(status, headers, body)


def rsgi_app() -> _RSGIApp:
    return _RSGIApp(_responses())
