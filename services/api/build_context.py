"""What a build is for, and the build variables that follow from it.

Three groups of variables live on a project: `env` applies to every build, `production_env`
only to production builds, `preview_env` to every other build. The group that applies is
laid over `env`, so a name set in both takes the more specific value.
"""

from __future__ import annotations

from typing import Literal

from .db.models import Deployment, Project

DeployContext = Literal["production", "deploy-preview", "branch-deploy"]


def is_production_branch_build(production_branch: str, d: Deployment) -> bool:
    """A push (or api deploy) of the production branch; pull requests never are."""
    return d.pull_request is None and d.ref == production_branch


def deploy_context(production_branch: str, d: Deployment) -> DeployContext:
    if is_production_branch_build(production_branch, d):
        return "production"
    if d.pull_request is not None:
        return "deploy-preview"
    return "branch-deploy"


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
