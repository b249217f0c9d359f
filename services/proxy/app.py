"""The proxy's ASGI application: a thin fast path in front of a Litestar app.

A request with more than one Host header is refused first (`services.core.host_header`),
by `FastPath` itself: a middleware layer of its own costs every hot hit a call. Hot requests (a fresh route and a ready response in memory) are answered by `FastPath`
before any framework routing, which alone would cost more than half the throughput (see
PERFORMANCE.md). Everything else goes to Litestar: misses, other methods, `/livez`
(liveness), `/healthz` (readiness), `/metrics`, and the lifespan that opens storage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, asgi
from litestar.handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST

from services.core.host_header import has_several_hosts, refuse
from services.core.settings import Settings
from services.proxy.reply import Ready, plain
from services.proxy.serve import Proxy


class FastPath:
    """Refuses several Host headers; answers GET and HEAD from the ready-response cache;
    hands everything else on."""

    def __init__(self, app: Litestar, proxy: Proxy) -> None:
        self.app = app
        self.proxy = proxy

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if has_several_hosts(scope["headers"]):
                return await refuse(send)
            if scope["method"] in ("GET", "HEAD") and await self.proxy.answer_from_memory(
                scope, send
            ):
                return None
        return await self.app(scope, receive, send)


def own_path(proxy: Proxy, path: str, answer: Callable[[], Awaitable[Ready]]) -> ASGIRouteHandler:
    """A path the proxy answers itself, except on a site's host (`Proxy.answer_own_path`)."""

    @asgi(path, http_method=["GET", "HEAD"], copy_scope=False)
    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        await proxy.answer_own_path(scope, send, answer)

    return handler


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

    # Liveness for the load balancer and ECS: the process answers, nothing else is asked,
    # so a storage outage never gets healthy tasks replaced (sites keep serving from memory).
    async def alive() -> Ready:
        return plain(200, "ok")

    # Readiness: storage answers.
    async def ready() -> Ready:
        return plain(200, "ok") if await proxy.healthy() else plain(503, "storage unavailable")

    async def exposition() -> Ready:
        headers = [(b"content-type", CONTENT_TYPE_LATEST.encode())]
        return Ready.build(200, headers, proxy.observer.exposition(), None)

    own_paths = [
        own_path(proxy, path, answer)
        for path, answer in (("/livez", alive), ("/healthz", ready), ("/metrics", exposition))
    ]

    @asgi("/", is_mount=True, copy_scope=False)
    async def sites(scope: Scope, receive: Receive, send: Send) -> None:
        await proxy.serve(scope, send)

    litestar = Litestar(
        route_handlers=[*own_paths, sites],
        lifespan=[open_storage],
        openapi_config=None,  # every path on a site host belongs to the site
    )
    litestar.state.proxy = proxy
    return FastPath(litestar, proxy)


def app_from_env() -> FastPath:
    """Each worker process builds its app from the environment (SLIPWAY_*)."""
    return create_app(Settings())
