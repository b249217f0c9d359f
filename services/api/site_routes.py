"""Writes `routes/<host>.json`: the only place that decides which deployment a host serves."""

from __future__ import annotations

from datetime import UTC, datetime

from services.core import hosts
from services.core.manifest import Route, encode
from services.core.settings import Settings
from services.core.storage import Storage

from .db.models import Deployment, Project


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

    async def _write(self, host: str, route: Route) -> None:
        await self.storage.put(
            hosts.route_key(host), encode(route), content_type="application/json"
        )

    def _route(self, project: Project, deployment_id: str, kind: str) -> Route:
        return Route(
            project=project.name,
            deployment=deployment_id,
            kind=kind,  # type: ignore[arg-type]
            updated_at=datetime.now(UTC).isoformat(),
        )

    async def publish_previews(self, project: Project, deployment: Deployment) -> None:
        """Point the deployment's own host and its branch or pull request host at it."""
        own, *aliases = deployment_hosts(self.settings, project, deployment)
        await self._write(own, self._route(project, deployment.id, "deployment"))
        kind = "pull_request" if deployment.pull_request is not None else "branch"
        for host in aliases:
            await self._write(host, self._route(project, deployment.id, kind))

    async def promote(self, project: Project, deployment_id: str) -> None:
        """Switch production: one small object per production host, each written atomically."""
        domain_hosts = [d.host for d in project.domains]
        await self._write(
            hosts.production_host(project.name, self.settings.base_domain),
            self._route(project, deployment_id, "production"),
        )
        for host in domain_hosts:
            await self._write(host, self._route(project, deployment_id, "domain"))

    async def set_domains(self, project: Project, removed: list[str]) -> None:
        for host in removed:
            await self.storage.delete(hosts.route_key(host))
        if project.production_deployment_id:
            for d in project.domains:
                await self._write(
                    d.host, self._route(project, project.production_deployment_id, "domain")
                )

    async def remove_hosts(self, host_names: list[str]) -> None:
        await self.storage.delete_many(hosts.route_key(h) for h in host_names)
