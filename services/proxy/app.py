"""The proxy's ASGI application: a thin fast path in front of a Litestar app.

Hot requests (a fresh route and a ready response in memory) are answered by `FastPath`
before any framework routing, which alone would cost more than half the throughput (see
PERFORMANCE.md). Everything else goes to Litestar: misses, other methods, `/healthz`,
`/metrics`, and the lifespan that opens storage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, asgi
from litestar.types import Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST

from services.core.settings import Settings
from services.proxy.reply import plain, send_whole
from services.proxy.request import read_request
from services.proxy.serve import Proxy


class FastPath:
    """Answers GET and HEAD from the ready-response cache; hands everything else on."""

    def __init__(self, app: Litestar, proxy: Proxy) -> None:
        self.app = app
        self.proxy = proxy

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in ("GET", "HEAD")
            and await self.proxy.answer_from_memory(scope, send)
        ):
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings) -> FastPath:
    proxy = Proxy(settings)

    @asynccontextmanager
    async def open_storage(_: Litestar) -> AsyncIterator[None]:
        proxy.open()
        proxy.observer.start()
        try:
            yield
        finally:
            await proxy.observer.stop()

    @asgi("/healthz", http_method=["GET", "HEAD"], copy_scope=False)
    async def healthz(scope: Scope, receive: Receive, send: Send) -> None:
        if await proxy.is_site(read_request(scope).host):
            return await proxy.serve(scope, send)
        ok = await proxy.healthy()
        reply = plain(200, "ok") if ok else plain(503, "storage unavailable")
        return await send_whole(send, reply.status, reply.headers, reply.body)

    @asgi("/metrics", http_method=["GET", "HEAD"], copy_scope=False)
    async def metrics(scope: Scope, receive: Receive, send: Send) -> None:
        if await proxy.is_site(read_request(scope).host):
            return await proxy.serve(scope, send)
        body = proxy.observer.exposition()
        headers = [
            (b"content-type", CONTENT_TYPE_LATEST.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        return await send_whole(send, 200, headers, body)

    @asgi("/", is_mount=True, copy_scope=False)
    async def sites(scope: Scope, receive: Receive, send: Send) -> None:
        await proxy.serve(scope, send)

    litestar = Litestar(
        route_handlers=[healthz, metrics, sites],
        lifespan=[open_storage],
        openapi_config=None,  # every path on a site host belongs to the site
    )
    litestar.state.proxy = proxy
    return FastPath(litestar, proxy)


def app_from_env() -> FastPath:
    """Each worker process builds its app from the environment (SLIPWAY_*)."""
    return create_app(Settings())
