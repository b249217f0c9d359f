"""Running the proxy on granian with several worker processes.

This module imports neither the app nor prometheus_client: workers are forked from this
process, and metrics must see PROMETHEUS_MULTIPROC_DIR before prometheus_client is loaded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable

from granian.constants import HTTPModes, Interfaces, Loops
from granian.http import HTTP1Settings
from granian.log import LogLevels

from services.core.restarts import RestartPolicy
from services.core.settings import Settings
from services.proxy.workers import RespawningServer

METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


APP_FACTORY = "services.proxy.app:app_from_env"
# A request line and headers of more than MAX_REQUEST_HEAD_BYTES get 431 from granian
# before any Python runs. granian's read buffer grows in steps, so the head it takes is
# larger than the buffer: 32 KiB gives 48 KiB, as tests/proxy/test_request_limits.py
# checks. That is more than nginx takes by default (32 KiB) and less than an AWS ALB
# passes on (64 KiB); granian's own default (about 110 KiB) let one request hand the app
# more than twice as much as any browser sends.
READ_BUFFER_BYTES = 32 * 1024
MAX_REQUEST_HEAD_BYTES = 48 * 1024


def run(
    settings: Settings,
    app_factory: str = APP_FACTORY,
    restarts: Callable[[], RestartPolicy] = RestartPolicy,
) -> None:
    """Serve until SIGTERM/SIGINT; a worker that dies is respawned (services/proxy/workers.py)."""
    own_metrics_dir = None
    if METRICS_DIR_ENV not in os.environ:
        # Workers add their metrics up through files here, so any scrape sees them all.
        own_metrics_dir = tempfile.mkdtemp(prefix="slipway-proxy-metrics-")
        os.environ[METRICS_DIR_ENV] = own_metrics_dir
    server = RespawningServer(
        app_factory,
        address=settings.bind,
        port=settings.proxy_port,
        interface=Interfaces.ASGI,
        workers=settings.proxy_workers,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(max_buffer_size=READ_BUFFER_BYTES),
        # uvloop: about a tenth more requests/s than asyncio's loop (docs/benchmarks.md).
        loop=Loops.uvloop,
        factory=True,
        backlog=2048,
        log_access=False,  # the proxy writes its own structured access log
        log_level=LogLevels(settings.log_level),
        # A worker still starting when SIGTERM comes misses it; it is killed, not waited for.
        workers_kill_timeout=5,
        restarts=restarts,
    )
    try:
        server.serve()
    finally:
        if own_metrics_dir is not None:
            shutil.rmtree(own_metrics_dir, ignore_errors=True)
