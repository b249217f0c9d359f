"""Running the proxy on granian with several worker processes."""

from __future__ import annotations

from granian.constants import HTTPModes, Interfaces
from granian.server import Server

from services.core.settings import Settings
from services.proxy.app import FastPath, create_app


def app_from_env() -> FastPath:
    """Each worker process builds its app from the environment (SLIPWAY_*)."""
    return create_app(Settings())


def run(settings: Settings) -> None:
    server = Server(
        "services.proxy.server:app_from_env",
        address=settings.bind,
        port=settings.proxy_port,
        interface=Interfaces.ASGI,
        workers=settings.proxy_workers,
        http=HTTPModes.http1,
        factory=True,
        backlog=2048,
        log_access=False,  # the proxy writes its own structured access log
        workers_kill_timeout=10,  # a worker that ignores shutdown is killed, not waited for
    )
    server.serve()
