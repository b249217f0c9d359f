"""The servers `make bench-proxy` measures besides the proxy: nginx and the bare ceilings.

Each can be pinned to CPUs (`taskset`, inherited by every worker it forks), so that in the
pinned method the server under test has one core and the load generator another.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.ceiling_apps import RESPONSES_ENV
from tests.proxy.server import pinned, stop_group
from tests.support.moto import free_port

NGINX_CONF = """
worker_processes {workers};
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ text/html html; text/javascript js; application/octet-stream bin; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        error_page 404 /404.html;
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


@dataclass(frozen=True)
class Running:
    base_url: str
    pid: int  # the main process; its descendants are the workers


@contextmanager
def nginx(workdir: Path, root: Path, workers: int, cpus: str | None = None) -> Iterator[Running]:
    port = free_port()
    conf = workdir / f"nginx-{port}.conf"
    conf.write_text(NGINX_CONF.format(dir=workdir, port=port, root=root, workers=workers))
    argv = pinned(["nginx", "-c", str(conf), "-p", str(workdir)], cpus)
    with _serving(subprocess.Popen(argv, process_group=0), port, "/") as running:
        yield running


@contextmanager
def ceiling(interface: str, response_file: Path, cpus: str | None = None) -> Iterator[Running]:
    """A bare app (bench/ceiling_apps.py) on granian, set up as the proxy's server is."""
    port = free_port()
    argv = [
        sys.executable, "-m", "granian", "--interface", interface, "--factory",
        "--loop", "uvloop", "--http", "1", "--workers", "1", "--no-access-log",
        "--log-level", "warning", "--backlog", "2048", "--host", "127.0.0.1",
        "--port", str(port), f"bench.ceiling_apps:{interface}_app",
    ]  # fmt: skip
    env = {**os.environ, RESPONSES_ENV: str(response_file)}
    proc = subprocess.Popen(pinned(argv, cpus), env=env, process_group=0)
    with _serving(proc, port, "/") as running:
        yield running


@contextmanager
def _serving(proc: subprocess.Popen[bytes], port: int, probe: str) -> Iterator[Running]:
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(["curl", "-so", "/dev/null", base_url + probe]).returncode:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{proc.args!r} did not start")
            time.sleep(0.1)
        yield Running(base_url, proc.pid)
    finally:
        stop_group(proc)
