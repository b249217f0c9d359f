"""Writes `routes/<host>.json`: the only place that decides which deployment a host serves."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import msgspec

from services.core import hosts
from services.core.manifest import PUBLIC_ROUTE_KINDS, Route, RouteKind, decode_route, encode
from services.core.settings import Settings
from services.core.storage import Storage

from .db.models import Deployment, Project

log = logging.getLogger(__name__)

# Route objects read and rewritten (or deleted) at once by one operation.
REWRITE_CONCURRENCY = 16
T = TypeVar("T")


def deployment_hosts(settings: Settings, project: Project, deployment: Deployment) -> list[str]:
    """The hosts a ready deployment answers on besides production: its own, its branch, its PR."""
    domain = settings.base_domain
    found = [hosts.deployment_host(project.name, deployment.id, domain)]
    if deployment.pull_request is not None:
        found.append(hosts.pull_request_host(project.name, deployment.pull_request, domain))
    elif deployment.ref:
        found.append(hosts.branch_host(project.name, deployment.ref, domain))
    return found


def production_hosts(settings: Settings, project: Project) -> list[str]:
    return [hosts.production_host(project.name, settings.base_domain)] + [
        d.host for d in project.domains
    ]


class RouteWriter:
    def __init__(self, settings: Settings, storage: Storage) -> None:
        self.settings = settings
        self.storage = storage

    async def _read(self, host: str) -> Route | None:
        """The host's route object; None when there is none or it cannot be read."""
        data = await self.storage.get_or_none(hosts.route_key(host))
        if data is None:
            return None
        try:
            return decode_route(data)
        except msgspec.DecodeError:
            log.error("unreadable route object for %s", host)
            return None

    async def owner_of(self, host: str) -> str | None:
        """The project the host's route object names; None without a readable route."""
        route = await self._read(host)
        return None if route is None else route.project

    async def _write(self, host: str, route: Route) -> bool:
        """Write the route unless another project owns the host (first owner wins) or the
        stored route carries a newer generation (production's fence).

        One read before each write. A host without a route is claimed with a conditional
        create, so two projects racing for a new host cannot both win. Rewriting a host the
        project already owns is a plain put: should the project's own cleanup delete it and
        another project claim it between the read and the put, the put wins (S3 offers no
        cheap compare-and-swap on the owner); both sides are rare api requests.
        """
        current = await self._read(host)
        if current is None:
            created = await self.storage.create(
                hosts.route_key(host), encode(route), content_type="application/json"
            )
            if created:
                return True
            current = await self._read(host)  # created meanwhile, or unreadable
        if current is not None and current.project != route.project:
            log.warning(
                "host %s belongs to project %s; the route of project %s is not written",
                host,
                current.project,
                route.project,
            )
            return False
        if current is not None and current.generation > route.generation:
            # The fence: a newer switch of production already wrote this host.
            log.warning(
                "host %s is at generation %d; generation %d is not written",
                host,
                current.generation,
                route.generation,
            )
            return False
        await self._replace(host, route)
        return True

    async def stored_generation(self, host: str) -> int:
        """The fence generation of the host's route; 0 without a readable route."""
        route = await self._read(host)
        return 0 if route is None else route.generation

    async def _replace(self, host: str, route: Route) -> None:
        await self.storage.put(
            hosts.route_key(host), encode(route), content_type="application/json"
        )

    async def _delete_owned(self, project_name: str, host: str) -> None:
        """Delete the host's route only if it is the project's: never another project's."""
        owner = await self.owner_of(host)
        if owner == project_name:
            await self.storage.delete(hosts.route_key(host))
        elif owner is not None:
            log.warning(
                "host %s belongs to project %s; project %s leaves its route alone",
                host,
                owner,
                project_name,
            )

    def _route(
        self, project: Project, deployment_id: str, kind: RouteKind, generation: int = 0
    ) -> Route:
        return Route(
            project=project.name,
            deployment=deployment_id,
            kind=kind,
            updated_at=_now(),
            protection=None if kind in PUBLIC_ROUTE_KINDS else project.preview_password_hash,
            generation=generation,
        )

    async def publish_previews(self, project: Project, deployment: Deployment) -> None:
        """Point the deployment's own host and its branch or pull request host at it."""
        own, *aliases = deployment_hosts(self.settings, project, deployment)
        await self._write(own, self._route(project, deployment.id, "deployment"))
        kind: RouteKind = "pull_request" if deployment.pull_request is not None else "branch"
        for host in aliases:
            await self._write(host, self._route(project, deployment.id, kind))

    async def promote(self, project: Project, deployment_id: str, *, generation: int) -> None:
        """Write production's routes at `generation`: one small object per production host,
        each written atomically, none over a newer generation. Only services/api/production.py
        calls this, holding the project's lock."""
        await self._write(
            hosts.production_host(project.name, self.settings.base_domain),
            self._route(project, deployment_id, "production", generation),
        )
        await self._write_domains(project, deployment_id, generation)

    async def production_generation(self, project: Project) -> int:
        """The highest fence generation among the project's production routes."""
        found = await _for_each_host(
            production_hosts(self.settings, project), self.stored_generation
        )
        return max(found, default=0)

    async def production_deployment(self, project: Project) -> str | None:
        """The deployment the project's production host serves; None without a route."""
        route = await self._read(hosts.production_host(project.name, self.settings.base_domain))
        return None if route is None else route.deployment

    async def remove_production(self, project: Project) -> None:
        await self.remove_hosts(project.name, production_hosts(self.settings, project))

    async def set_domains(self, project: Project, removed: list[str]) -> None:
        await self.remove_hosts(project.name, removed)
        if project.production_deployment_id:
            await self._write_domains(
                project, project.production_deployment_id, project.production_generation
            )

    async def _write_domains(self, project: Project, deployment_id: str, generation: int) -> None:
        for d in project.domains:
            await self._write(d.host, self._route(project, deployment_id, "domain", generation))

    async def protect_previews(self, project: Project, host_names: list[str]) -> int:
        """Give the preview routes among `host_names` the project's current protection.

        Each route object is read and rewritten with only `protection` changed, so a host
        keeps the deployment it serves; hosts without a route (a deleted branch) stay
        absent, and a route that already carries the protection is left alone: running it
        again changes nothing. Returns how many objects were rewritten.
        """
        protection = project.preview_password_hash

        async def rewrite(host: str) -> bool:
            route = await self._read(host)
            if (
                route is None
                or route.project != project.name
                or route.kind in PUBLIC_ROUTE_KINDS
                or route.protection == protection
            ):
                return False
            changed = msgspec.structs.replace(route, protection=protection, updated_at=_now())
            await self._replace(host, changed)  # ownership was checked just above
            return True

        return sum(await _for_each_host(host_names, rewrite))

    async def remove_hosts(self, project_name: str, host_names: list[str]) -> None:
        """Delete the project's routes among `host_names`; other projects' stay."""

        async def remove(host: str) -> None:
            await self._delete_owned(project_name, host)

        await _for_each_host(host_names, remove)


async def _for_each_host(host_names: list[str], action: Callable[[str], Awaitable[T]]) -> list[T]:
    """`action` on each distinct host, at most REWRITE_CONCURRENCY at once."""
    limit = asyncio.Semaphore(REWRITE_CONCURRENCY)

    async def bounded(host: str) -> T:
        async with limit:
            return await action(host)

    return await asyncio.gather(*(bounded(h) for h in dict.fromkeys(host_names)))


def _now() -> str:
    return datetime.now(UTC).isoformat()
