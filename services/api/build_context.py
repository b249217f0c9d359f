"""What a build is for, the build variables that follow from it, and the runner's inputs.

Three groups of variables live on a project: `env` applies to every build, `production_env`
only to production builds, `preview_env` to every other build. The group that applies is
laid over `env`, so a name set in both takes the more specific value.
"""

from __future__ import annotations

from services.core import hosts
from services.core.runner_inputs import DeployContext, Limits, RunnerInputs
from services.core.settings import Settings

from .db.models import Deployment, Project


def is_production_branch_build(production_branch: str, d: Deployment) -> bool:
    """A push (or api deploy) of the production branch; pull requests never are."""
    return d.pull_request is None and d.ref == production_branch


def deploy_context(production_branch: str, d: Deployment) -> DeployContext:
    if is_production_branch_build(production_branch, d):
        return "production"
    if d.pull_request is not None:
        return "deploy-preview"
    return "branch-deploy"


def pull_request_url(settings: Settings, project: str, d: Deployment) -> str | None:
    """Where the deployment's pull request is served; None when it is not a pull request's."""
    if d.pull_request is None:
        return None
    return settings.site_url(hosts.pull_request_host(project, d.pull_request, settings.base_domain))


def branch_url(settings: Settings, project: str, d: Deployment) -> str | None:
    """Where the deployment's pull request, or else its branch, is served; None without one."""
    if (url := pull_request_url(settings, project, d)) is not None:
        return url
    if d.ref:
        return settings.site_url(hosts.branch_host(project, d.ref, settings.base_domain))
    return None


def deployment_url(settings: Settings, project: str, d: Deployment) -> str:
    return settings.site_url(hosts.deployment_host(project, d.id, settings.base_domain))


def env_groups(project: Project) -> dict[str, dict[str, str]]:
    # A project not yet flushed has None where the column default has not applied.
    return {
        "env": project.env or {},
        "production_env": project.production_env or {},
        "preview_env": project.preview_env or {},
    }


def build_variables(project: Project, context: DeployContext) -> dict[str, str]:
    groups = env_groups(project)
    scoped = groups["production_env" if context == "production" else "preview_env"]
    return {**groups["env"], **scoped}


def variable_values(project: Project) -> list[str]:
    """Every value of every group: what must be masked wherever build output is shown."""
    return [value for group in env_groups(project).values() for value in group.values()]


def runner_inputs(settings: Settings, project: Project, d: Deployment, commit: str) -> RunnerInputs:
    """Exactly what the runner gets; InputError when the project's settings cannot make a build.

    The variables are `env` with the group for the build's deploy context laid over it;
    the URLs are the platform's own hosts (a custom domain is not assumed to be live).
    """
    context = deploy_context(project.production_branch, d)
    private_github = project.repo_url.startswith("https://github.com/")
    return RunnerInputs(
        deployment_id=d.id,
        project=project.name,
        repo_url=project.repo_url,
        storage_url=settings.resolved_storage_url,
        commit_sha=commit,
        ref=d.ref,
        deploy_context=context,
        root_dir=project.root_dir,
        install_command=project.install_command,
        build_command=project.build_command,
        output_dir=project.output_dir,
        build_timeout=settings.build_timeout,
        spa=project.spa,
        ignore_command=project.ignore_command,
        build_env=build_variables(project, context),
        sandbox=settings.sandbox,
        git_token=settings.github_token if private_github else "",
        limits=Limits(
            max_processes=settings.build_max_processes,
            max_workspace_bytes=settings.build_max_disk_bytes,
        ),
        deployment_url=deployment_url(settings, project.name, d),
        branch_url=branch_url(settings, project.name, d) or "",
        production_url=settings.site_url(hosts.production_host(project.name, settings.base_domain)),
    )
