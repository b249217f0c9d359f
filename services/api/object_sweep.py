"""The storage side of garbage collection: what is stored, what routes point at, deletion.

Every deletion here is idempotent (a missing object is already deleted) and takes keys from
a fresh listing, never from request text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import TypeVar

import msgspec

from services.core import hosts
from services.core import manifest as mf
from services.core.manifest import Route
from services.core.storage import ObjectInfo, Storage

log = logging.getLogger("slipway.gc")

ROUTES = "routes/"
CONCURRENCY = 16  # storage requests in flight at once
T = TypeVar("T")
R = TypeVar("R")


def deployment_prefix(deployment_id: str) -> str:
    return f"deployments/{deployment_id}/"


def cache_prefix(project: str) -> str:
    return f"cache/{project}/"


def host_of_route_key(key: str) -> str | None:
    if not key.startswith(ROUTES) or not key.endswith(".json"):
        return None
    host = key[len(ROUTES) : -len(".json")]
    return host if host and "/" not in host else None


async def bounded(items: Iterable[T], action: Callable[[T], Awaitable[R]]) -> list[R]:
    """`action` on every item, at most CONCURRENCY at once, results in order."""
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(item: T) -> R:
        async with limit:
            return await action(item)

    return await asyncio.gather(*(one(item) for item in items))


async def read_route(storage: Storage, host: str) -> Route | None:
    data = await storage.get_or_none(hosts.route_key(host))
    if data is None:
        return None
    try:
        return mf.decode_route(data)
    except msgspec.DecodeError:
        return None


async def scan_routes(storage: Storage) -> dict[str, Route]:
    """Every readable route object, by host."""
    names = await route_hosts(storage)
    routes = await bounded(names, lambda host: read_route(storage, host))
    return {host: route for host, route in zip(names, routes, strict=True) if route is not None}


async def route_hosts(storage: Storage) -> list[str]:
    """The hosts that have a route object (one listing, no reads)."""
    found = (host_of_route_key(o.key) for o in await storage.list(ROUTES))
    return sorted(h for h in found if h is not None)


def serves(route: Route, deployment_id: str) -> bool:
    """A route that keeps its deployment alive: any but the deployment's own host, which
    exists only because the deployment does and goes with it."""
    return route.deployment == deployment_id and route.kind != "deployment"


def routed_by(routes: dict[str, Route]) -> dict[str, str]:
    """Deployment id → one host that serves it."""
    found: dict[str, str] = {}
    for host, route in sorted(routes.items()):
        if route.kind != "deployment":
            found.setdefault(route.deployment, host)
    return found


async def still_routed(
    storage: Storage, deployment_id: str, candidates: Iterable[str]
) -> str | None:
    """Read the candidate hosts again, now: the first that serves the deployment, or None."""
    names = sorted(set(candidates))
    routes = await bounded(names, lambda host: read_route(storage, host))
    for host, route in zip(names, routes, strict=True):
        if route is not None and serves(route, deployment_id):
            return host
    return None


async def delete_route_to(storage: Storage, host: str, deployment_id: str) -> bool:
    """Delete the host's route if it still points at the deployment (its own host)."""
    route = await read_route(storage, host)
    if route is None or route.deployment != deployment_id:
        return False
    await storage.delete(hosts.route_key(host))
    return True


def newest(objects: Iterable[ObjectInfo]) -> datetime | None:
    times = [o.modified for o in objects if o.modified is not None]
    return max(times) if times else None


def partial_objects(objects: Iterable[ObjectInfo], deployment_id: str) -> list[ObjectInfo]:
    """What a failed or canceled build published, without its log (kept with the record)."""
    log_key = mf.build_log_key(deployment_id)
    return [o for o in objects if o.key != log_key]


async def delete_objects(storage: Storage, objects: list[ObjectInfo]) -> int:
    """Delete the objects; a manifest first, so no reader ever sees a complete deployment
    with files missing. Returns how many were deleted."""
    manifests = [o for o in objects if o.key.endswith("/manifest.json")]
    rest = [o for o in objects if not o.key.endswith("/manifest.json")]
    for group in (manifests, rest):
        await bounded(group, lambda o: storage.delete(o.key))
    return len(objects)
