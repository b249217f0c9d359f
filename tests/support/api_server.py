"""The api app served by uvicorn on a loopback port, in a thread of its own: real HTTP.

In-process, so a test can build the app with explicit settings (for example without its
dispatcher, to look at the queue) and reach its modules, yet every request crosses a socket
and the app's event loop is not the test's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from services.api.app import create_app
from services.core.settings import Settings
from tests.support.moto import free_port


@contextmanager
def serve_api(settings: Settings, *, run_dispatcher: bool = False) -> Iterator[str]:
    """Yield the api's base URL until the block ends; then stop it and wait for it."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, run_dispatcher=run_dispatcher),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"api-{port}", daemon=True)
    thread.start()
    try:
        for _ in range(600):  # 60 s at most
            if server.started or not thread.is_alive():
                break
            time.sleep(0.1)
        if not server.started:
            raise RuntimeError("the api did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
