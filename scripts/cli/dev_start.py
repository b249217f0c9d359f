"""How `slipway dev` starts: refuse a port another program holds, announce once both answer.

A server that cannot bind its port dies with an error buried among the other service's
lines, while the other service goes on; so the ports are tried first, and a taken one ends
`slipway dev` with one line naming the variable and a free port to use instead.
"""

from __future__ import annotations

import errno
import socket
import sys
import threading
import time

import httpx

from services.core.settings import Settings, local_url

READY_WITHIN = 90.0  # seconds: migrations and the proxy's workers start in a few
POLL = 0.2
_PORT_SETTINGS = (
    ("api", "api_port", "SLIPWAY_API_PORT"),
    ("proxy", "proxy_port", "SLIPWAY_PROXY_PORT"),
)


def _in_use(bind: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            probe.bind((bind, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def _free_port_after(bind: str, port: int, skip: set[int]) -> int | None:
    for candidate in range(port + 1, min(port + 100, 65536)):
        if candidate not in skip and not _in_use(bind, candidate):
            return candidate
    return None


def taken_port_problem(settings: Settings) -> str | None:
    """One line saying which port cannot be used and what to set instead; None: both are free."""
    ports = {name: getattr(settings, field) for name, field, _ in _PORT_SETTINGS}
    if ports["api"] == ports["proxy"]:
        return (
            f"SLIPWAY_API_PORT and SLIPWAY_PROXY_PORT are both {ports['api']}: "
            "give the api and the proxy different ports"
        )
    for name, field, variable in _PORT_SETTINGS:
        port = getattr(settings, field)
        try:
            taken = _in_use(settings.bind, port)
        except OSError as exc:
            return f"the {name} cannot listen on {settings.bind}:{port} ({exc.strerror}): check SLIPWAY_BIND and {variable}"
        if taken:
            free = _free_port_after(settings.bind, port, set(ports.values()))
            instead = f"{variable}={free} make dev" if free else f"another {variable}"
            return (
                f"port {port} is in use by another program, so the {name} cannot listen on "
                f"{settings.bind}:{port}: stop that program, or run {instead}"
            )
    return None


def service_urls(settings: Settings) -> dict[str, str]:
    """Where each service answers its liveness check."""
    return {
        "api": f"{settings.api_url}/livez",
        "proxy": f"{local_url(settings.bind, settings.proxy_port)}/livez",
    }


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def announce_when_answering(urls: dict[str, str], banner: str, stop: threading.Event) -> bool:
    """Print `banner` once every service answers; say which did not if they never do."""
    deadline = time.monotonic() + READY_WITHIN
    waiting = dict(urls)
    while waiting and not stop.is_set() and time.monotonic() < deadline:
        waiting = {name: url for name, url in waiting.items() if not _answers(url)}
        if waiting:
            stop.wait(POLL)
    if stop.is_set():
        return False
    if waiting:
        names = " and the ".join(waiting)
        print(
            f"slipway dev: the {names} did not answer within {READY_WITHIN:g} s "
            f"({', '.join(waiting.values())}): the lines above say why",
            file=sys.stderr,
            flush=True,
        )
        return False
    print(banner, flush=True)
    return True
