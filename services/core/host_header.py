"""One Host header per request (RFC 9112 §3.2), the rule both services apply first.

With two, one hop may route by the first and another by the last: the request is refused
with 400 before anything reads either, by the api and the proxy alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REASON = b"bad request: more than one Host header\n"


def has_several_hosts(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    seen = False
    for name, _ in headers:
        if name == b"host":
            if seen:
                return True
            seen = True
    return False


async def refuse(send: Any) -> None:
    """The 400 for a request with several Host headers (over raw ASGI)."""
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(REASON)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": REASON})


class OneHostOnly:
    """ASGI middleware: an HTTP request with more than one Host header gets 400."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and has_several_hosts(scope["headers"]):
            await refuse(send)
            return
        await self.app(scope, receive, send)
