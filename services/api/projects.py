"""`/api/projects`: create, read, update and delete projects; start deployments."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.params import JSONBody, Parameter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.core import hosts
from services.core.passwords import hash_password
from services.core.settings import Settings
from services.core.storage import StorageError

from . import deployment_actions
from .access import Role
from .auth import require_token
from .build_context import env_groups
from .db.models import Deployment, Domain, Project
from .errors import Conflict
from .gc_api import collector_for
from .lifecycle import Status
from .production import set_domains
from .records import load_project
from .repository_check import check_repository
from .schemas import (
    CacheCleared,
    DeploymentRead,
    DeployRequest,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    RollbackRequest,
)
from .site_routes import deployment_hosts, production_hosts
from .state import AppState, StateDep
from .validation import (
    check_branch,
    check_command,
    check_domains,
    check_env,
    check_name,
    check_preview_password,
    check_relative_dir,
    check_repo_url,
    check_variables_per_build,
    github_repo_for,
)
from .views import deployment_view, project_view

log = logging.getLogger("slipway.api")


async def read_project(
    app_state: AppState, session: AsyncSession, p: Project, reveal: bool = False
) -> ProjectRead:
    production = (
        await session.get(Deployment, p.production_deployment_id)
        if p.production_deployment_id
        else None
    )
    return project_view(app_state.settings, p, production, reveal)


def _settings_fields(data: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Validate the settings present in a create or update body."""
    base_domain, builder = settings.base_domain, settings.builder
    checks: dict[str, Callable[[Any], Any]] = {
        "repo_url": check_repo_url,
        "production_branch": check_branch,
        "root_dir": lambda v: check_relative_dir(v, "root_dir"),
        "output_dir": lambda v: check_relative_dir(v, "output_dir"),
        "install_command": lambda v: check_command(v, "install_command"),
        "build_command": lambda v: check_command(v, "build_command"),
        "ignore_command": lambda v: check_command(v, "ignore_command"),
        "env": lambda v: check_env(v, "env", builder),
        "production_env": lambda v: check_env(v, "production_env", builder),
        "preview_env": lambda v: check_env(v, "preview_env", builder),
        "domains": lambda v: check_domains(v, base_domain),
        "preview_password": check_preview_password,
    }
    return {k: checks[k](v) if k in checks else v for k, v in data.items()}


async def preview_password_hash(password: str | None) -> str | None:
    """Slow on purpose, so hashed off the event loop."""
    return None if password is None else await asyncio.to_thread(hash_password, password)


def preview_hosts_of(
    settings: Settings, project: Project, deployments: Sequence[Deployment]
) -> list[str]:
    """Every host these deployments have had besides production: own, branch, PR."""
    return sorted({host for d in deployments for host in deployment_hosts(settings, project, d)})


async def preview_hosts(app_state: AppState, session: AsyncSession, project: Project) -> list[str]:
    deployments = (
        await session.scalars(select(Deployment).where(Deployment.project_name == project.name))
    ).all()
    return preview_hosts_of(app_state.settings, project, deployments)


async def refuse_hosts_of_others(app_state: AppState, name: str, host_names: list[str]) -> None:
    """409 when another project's route already serves one of the hosts: first owner wins."""
    for host in host_names:
        owner = await app_state.routes.owner_of(host)
        if owner is not None and owner != name:
            raise Conflict(f"{host} is already routed to project {owner!r}")


async def refuse_preview_lookalike(session: AsyncSession, name: str) -> None:
    """409 for `<project>-git-<branch>` and `<project>-pr-<n>` of an existing project.

    Such a production host is the branch or pull request host of that project; its route
    may not exist yet, so the names in the database decide.
    """
    candidates = hosts.preview_lookalike_owners(name)
    if not candidates:
        return
    owner = await session.scalar(
        select(Project.name).where(Project.name.in_(candidates)).order_by(Project.name).limit(1)
    )
    if owner is not None:
        raise Conflict(
            f"the name {name!r} would take a branch or pull request host of project {owner!r}"
        )


async def clear_leftovers(app_state: AppState, name: str) -> None:
    """A new project starts with an empty build cache and no routes, whatever a deleted
    project of the same name left: deleted, and the listing proves the cache is empty."""
    await collector_for(app_state).clear_leftovers(name)


async def create_project(app_state: AppState, data: ProjectCreate) -> ProjectRead:
    """Every check first (name, settings, the variables each build receives, the repository
    and its branch, hosts no other project serves), then one transaction: a refusal is one
    sentence and stores nothing. The REST API and the dashboard both create projects here."""
    fields = _settings_fields(msgspec.structs.asdict(data), app_state.settings)
    check_name(data.name, app_state.settings.base_domain)
    check_variables_per_build(fields, app_state.settings.builder)
    domains = fields.pop("domains")
    fields["preview_password_hash"] = await preview_password_hash(fields.pop("preview_password"))
    fields["github_repo"] = github_repo_for(fields["repo_url"], fields.get("github_repo"))
    await check_repository(app_state.settings, fields["repo_url"], fields["production_branch"])
    production = hosts.production_host(data.name, app_state.settings.base_domain)
    await refuse_hosts_of_others(app_state, data.name, [production, *domains])
    await clear_leftovers(app_state, data.name)
    async with app_state.sessions() as session:
        try:
            async with session.begin():
                if await session.get(Project, data.name) is not None:
                    raise Conflict(f"a project named {data.name!r} already exists")
                await refuse_preview_lookalike(session, data.name)
                project = Project(**fields)
                project.domains = [Domain(host=h) for h in domains]
                session.add(project)
        except IntegrityError:
            raise Conflict("that project name or one of its domains is already taken") from None
        return await read_project(app_state, session, project)


async def update_project(app_state: AppState, name: str, data: ProjectUpdate) -> ProjectRead:
    """Change the settings `data` gives (UNSET ones stay), checked as create_project checks
    them; domains and preview protection reach the routes after the commit. The REST API and
    the dashboard both change projects here."""
    given = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    fields = _settings_fields(given, app_state.settings)
    if "preview_password" in fields:
        fields["preview_password_hash"] = await preview_password_hash(
            fields.pop("preview_password")
        )
    if "domains" in fields:
        await refuse_hosts_of_others(app_state, name, fields["domains"])
    if "repo_url" in fields or "production_branch" in fields:
        async with app_state.sessions() as session:
            current = await load_project(session, name)
        await check_repository(
            app_state.settings,
            fields.get("repo_url", current.repo_url),
            fields.get("production_branch", current.production_branch),
        )
    removed: list[str] = []
    previews: list[str] = []
    async with app_state.sessions() as session:
        try:
            async with session.begin():
                project = await load_project(session, name)
                if "domains" in fields:
                    new = fields.pop("domains")
                    removed = [d.host for d in project.domains if d.host not in new]
                    kept = [d for d in project.domains if d.host in new]
                    known = {d.host for d in kept}
                    project.domains = kept + [Domain(host=h) for h in new if h not in known]
                if "repo_url" in fields or "github_repo" in fields:
                    fields["github_repo"] = github_repo_for(
                        fields.get("repo_url", project.repo_url), fields.get("github_repo")
                    )
                for key, value in fields.items():
                    setattr(project, key, value)
                check_variables_per_build(env_groups(project), app_state.settings.builder)
                if "preview_password_hash" in fields:
                    previews = await preview_hosts(app_state, session, project)
        except IntegrityError:
            raise Conflict("one of those domains belongs to another project") from None
        if "domains" in given:
            await set_domains(app_state.sessions, app_state.routes, name, removed)
        if "preview_password_hash" in fields:
            # After the commit: deployments published from now on read the new hash,
            # and this brings the hosts that already exist in line. A failure here is a
            # 503; sending the same PATCH again finishes the job.
            await app_state.routes.protect_previews(project, previews)
        return await read_project(app_state, session, project)


async def delete_project(app_state: AppState, name: str) -> None:
    """Stop the project's builds, then its routes, then its record, then its objects."""
    async with app_state.sessions() as session, session.begin():
        project = await load_project(session, name)
        deployments = (
            await session.scalars(select(Deployment).where(Deployment.project_name == name))
        ).all()
        found = production_hosts(app_state.settings, project) + preview_hosts_of(
            app_state.settings, project, deployments
        )
        running = [(d.id, d.builder_handle) for d in deployments if d.status == Status.BUILDING]
    # The rows go with the project, so running builds are stopped here, not by the dispatcher.
    for deployment_id, handle in running:
        if handle:
            await app_state.builder.stop(deployment_id, handle)
    # Routes go before the record: once they are gone nothing serves the project.
    await app_state.routes.remove_hosts(name, sorted(set(found)))
    async with app_state.sessions() as session, session.begin():
        project = await load_project(session, name)
        await session.delete(project)
    # The objects go once the database says the project is gone. Should storage fail
    # here, garbage collection finishes the job (docs/deployments.md, "Retention").
    try:
        await collector_for(app_state).purge_project(name, [d.id for d in deployments])
    except StorageError as exc:
        log.warning("objects of deleted project %s left for garbage collection: %s", name, exc)


class ProjectController(Controller):
    path = "/api/projects"
    guards = [require_token]
    tags = ["projects"]

    @post("/", operation_id="createProject", status_code=201)
    async def create(self, data: JSONBody[ProjectCreate], app_state: StateDep) -> ProjectRead:
        return await create_project(app_state, data)

    @get("/", operation_id="listProjects")
    async def list_projects(self, app_state: StateDep) -> list[ProjectRead]:
        async with app_state.sessions() as session:
            projects = (
                await session.scalars(select(Project).order_by(Project.created_at.desc()))
            ).all()
            return [await read_project(app_state, session, p) for p in projects]

    @get("/{name:str}", operation_id="getProject")
    async def get_project(
        self, name: str, app_state: StateDep, reveal_env: bool = Parameter(default=False)
    ) -> ProjectRead:
        async with app_state.sessions() as session:
            return await read_project(
                app_state, session, await load_project(session, name), reveal_env
            )

    @patch("/{name:str}", operation_id="updateProject")
    async def update(
        self, name: str, data: JSONBody[ProjectUpdate], app_state: StateDep
    ) -> ProjectRead:
        return await update_project(app_state, name, data)

    @delete("/{name:str}", operation_id="deleteProject", status_code=204)
    async def remove(self, name: str, app_state: StateDep) -> None:
        await delete_project(app_state, name)

    @post(
        "/{name:str}/deployments",
        operation_id="createDeployment",
        status_code=202,
        opt={"role": Role.DEPLOY},
    )
    async def deploy(
        self, name: str, app_state: StateDep, data: JSONBody[DeployRequest | None] = None
    ) -> DeploymentRead:
        request = data or DeployRequest()
        d, project = await deployment_actions.deploy(
            app_state, name, ref=request.ref or "", commit=request.commit or "", trigger="api"
        )
        return deployment_view(app_state.settings, d, project)

    @delete(
        "/{name:str}/cache",
        operation_id="clearBuildCache",
        status_code=200,
        opt={"role": Role.DEPLOY},
    )
    async def clear_cache(self, name: str, app_state: StateDep) -> CacheCleared:
        """Delete the project's build cache: its next build installs every package afresh."""
        return CacheCleared(await deployment_actions.clear_build_cache(app_state, name))

    @post(
        "/{name:str}/rollback",
        operation_id="rollbackProject",
        status_code=200,
        opt={"role": Role.DEPLOY},
    )
    async def rollback(
        self, name: str, app_state: StateDep, data: JSONBody[RollbackRequest | None] = None
    ) -> ProjectRead:
        """Production back to the previous production deployment (or `deployment`), in one
        step on the server; automatic promotion pauses until someone promotes again."""
        request = data or RollbackRequest()
        actor = request.actor or "api:rollback"
        await deployment_actions.rollback(app_state, name, actor, target=request.deployment)
        async with app_state.sessions() as session:
            return await read_project(app_state, session, await load_project(session, name))

    @get("/{name:str}/deployments", operation_id="listDeployments")
    async def list_deployments(
        self,
        name: str,
        app_state: StateDep,
        limit: int = Parameter(default=50, ge=1, le=500),
    ) -> list[DeploymentRead]:
        async with app_state.sessions() as session:
            project = await load_project(session, name)
            rows = (
                await session.scalars(
                    select(Deployment)
                    .where(Deployment.project_name == name)
                    .order_by(Deployment.created_at.desc(), Deployment.id.desc())
                    .limit(limit)
                )
            ).all()
            return [deployment_view(app_state.settings, d, project) for d in rows]
