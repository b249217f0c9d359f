"""`slipway projects …`, `slipway env …` and `slipway domains …`."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from services.core import hosts

from . import render
from .client import ApiClient, segment
from .context import api
from .errors import EXIT_NOT_FOUND, EXIT_USAGE, CliError
from .preview_password import NoPreviewPassword, PreviewPassword, preview_password_field

projects_app = typer.Typer(
    help="Create, list, show, update and delete projects.", no_args_is_help=True
)
env_app = typer.Typer(
    help="Build variables of a project (values hidden unless asked).", no_args_is_help=True
)
domains_app = typer.Typer(help="Custom domains of a project.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ProjectArg = Annotated[
    str, typer.Argument(help="Project name.", metavar="PROJECT", show_default=False)
]


def project_path(name: str) -> str:
    if not hosts.valid_project_name(name):
        raise CliError(
            f"{name!r} is not a valid project name: {hosts.PROJECT_NAME_RULE}", EXIT_USAGE
        )
    return f"/api/projects/{segment(name)}"


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise CliError(
                f"expected KEY=VALUE, got {pair!r}: type the name, '=' and the value, "
                f"as in {(key or 'NAME') + '=value'!r}",
                EXIT_USAGE,
            )
        values[key] = value
    return values


# The build variable groups, by the name `--scope` gives them.
ENV_SCOPES = {"all": "env", "production": "production_env", "preview": "preview_env"}


def _variables_option(flag: str, applies_to: str) -> Any:
    return typer.Option(
        flag, metavar="KEY=VALUE", help=f"A build variable for {applies_to} (repeatable)."
    )


EnvPairs = Annotated[list[str] | None, _variables_option("--env", "every build")]
ProductionEnvPairs = Annotated[
    list[str] | None, _variables_option("--production-env", "production builds only")
]
PreviewEnvPairs = Annotated[
    list[str] | None,
    _variables_option("--preview-env", "previews: pull requests and other branches"),
]
Scope = Annotated[
    str,
    typer.Option(
        "--scope",
        metavar="all|production|preview",
        help="Which group: every build, production builds, or previews (laid over all).",
    ),
]


def scope_group(scope: str) -> str:
    if scope not in ENV_SCOPES:
        raise CliError(f"--scope must be one of {', '.join(ENV_SCOPES)}, got {scope!r}", EXIT_USAGE)
    return ENV_SCOPES[scope]


def _settings(
    repo: str | None,
    github_repo: str | None,
    branch: str | None,
    root_dir: str | None,
    install_command: str | None,
    build_command: str | None,
    output_dir: str | None,
    spa: bool | None,
    auto_promote: bool | None,
) -> dict[str, Any]:
    given = {
        "repo_url": repo,
        "github_repo": github_repo,
        "production_branch": branch,
        "root_dir": root_dir,
        "install_command": install_command,
        "build_command": build_command,
        "output_dir": output_dir,
        "spa": spa,
        "auto_promote": auto_promote,
    }
    return {key: value for key, value in given.items() if value is not None}


Repo = Annotated[
    str | None,
    typer.Option(
        "--repo", metavar="URL", help="Git URL to clone (https://, http:// or file://; not SSH)."
    ),
]
GithubRepo = Annotated[
    str | None,
    typer.Option(
        "--github-repo", metavar="OWNER/NAME", help="owner/name whose push webhooks deploy it."
    ),
]
Branch = Annotated[
    str | None, typer.Option("--branch", metavar="BRANCH", help="Production branch (default main).")
]
RootDir = Annotated[
    str | None,
    typer.Option("--root-dir", metavar="DIR", help="Directory of the site in the repository."),
]
InstallCommand = Annotated[
    str | None, typer.Option("--install-command", metavar="COMMAND", help="Overrides detection.")
]
BuildCommand = Annotated[
    str | None, typer.Option("--build-command", metavar="COMMAND", help="Overrides detection.")
]
OutputDir = Annotated[
    str | None, typer.Option("--output-dir", metavar="DIR", help="Overrides detection.")
]
Spa = Annotated[
    bool | None,
    typer.Option("--spa/--no-spa", help="Serve index.html for unknown paths.", show_default=False),
]
AutoPromote = Annotated[
    bool | None,
    typer.Option(
        "--auto-promote/--no-auto-promote",
        help="Promote production-branch builds when they are ready.",
        show_default=False,
    ),
]


@projects_app.command("create")
def create_project(
    name: ProjectArg,
    repo: Repo = None,
    github_repo: GithubRepo = None,
    branch: Branch = None,
    root_dir: RootDir = None,
    install_command: InstallCommand = None,
    build_command: BuildCommand = None,
    output_dir: OutputDir = None,
    spa: Spa = None,
    auto_promote: AutoPromote = None,
    env: EnvPairs = None,
    production_env: ProductionEnvPairs = None,
    preview_env: PreviewEnvPairs = None,
    domain: Annotated[
        list[str] | None,
        typer.Option("--domain", metavar="HOST", help="A custom domain (repeatable)."),
    ] = None,
    preview_password: PreviewPassword = None,
    no_preview_password: NoPreviewPassword = False,
    as_json: JsonFlag = False,
) -> None:
    """Create a project from a git repository."""
    if not repo:
        raise CliError("--repo is required: the git URL to build from", EXIT_USAGE)
    protection = preview_password_field(preview_password, no_preview_password)
    body = _settings(
        repo,
        github_repo,
        branch,
        root_dir,
        install_command,
        build_command,
        output_dir,
        spa,
        auto_promote,
    )
    body["name"] = name
    body["env"] = parse_assignments(env or [])
    body["production_env"] = parse_assignments(production_env or [])
    body["preview_env"] = parse_assignments(preview_env or [])
    body["domains"] = list(domain or [])
    body.update(protection)
    with api() as client:
        project = client.post("/api/projects", json=body)
    if as_json:
        render.print_json(project)
        return
    out = render.console()
    out.print(f"Created project [bold]{project['name']}[/bold]: {project['url']}")
    out.print(f"Deploy it with: slipway deploy {project['name']}")


@projects_app.command("list")
def list_projects(as_json: JsonFlag = False) -> None:
    """List projects with their production URL and deployment."""
    with api() as client:
        projects = client.get("/api/projects")
    if as_json:
        render.print_json(projects)
    elif not projects:
        render.console().print(
            "No projects yet. Create one with: slipway projects create NAME --repo URL"
        )
    else:
        render.console().print(render.projects_table(projects))


@projects_app.command("show")
def show_project(
    name: ProjectArg,
    reveal: Annotated[bool, typer.Option("--reveal", help="Show build variable values.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Show a project's settings, domains and production deployment."""
    with api() as client:
        project = client.get(project_path(name), params={"reveal_env": "true"} if reveal else None)
    if as_json:
        render.print_json(project)
        return
    out = render.console()
    out.print(render.fields_table(render.project_rows(project)))
    if reveal:
        for title, values in render.variable_groups(project):
            if values:
                out.print()
                out.print(f"[bold]{title}[/bold]")
                out.print(render.fields_table(sorted(values.items())))


@projects_app.command("update")
def update_project(
    name: ProjectArg,
    repo: Repo = None,
    github_repo: GithubRepo = None,
    branch: Branch = None,
    root_dir: RootDir = None,
    install_command: InstallCommand = None,
    build_command: BuildCommand = None,
    output_dir: OutputDir = None,
    spa: Spa = None,
    auto_promote: AutoPromote = None,
    preview_password: PreviewPassword = None,
    no_preview_password: NoPreviewPassword = False,
    as_json: JsonFlag = False,
) -> None:
    """Change some of a project's settings; the others stay as they are."""
    protection = preview_password_field(preview_password, no_preview_password)
    body = _settings(
        repo,
        github_repo,
        branch,
        root_dir,
        install_command,
        build_command,
        output_dir,
        spa,
        auto_promote,
    )
    body.update(protection)
    if not body:
        raise CliError("nothing to update: pass at least one option (see --help)", EXIT_USAGE)
    with api() as client:
        project = client.patch(project_path(name), json=body)
    if as_json:
        render.print_json(project)
    else:
        render.console().print(f"Updated {', '.join(sorted(body))} of {project['name']}")


@projects_app.command("delete")
def delete_project(
    name: ProjectArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete a project, its routes and its deployments' records."""
    if not yes:
        if not sys.stdin.isatty():
            raise CliError(
                f"refusing to delete {name} without confirmation", EXIT_USAGE, hint="pass --yes"
            )
        typer.confirm(f"Delete project {name} and stop serving its sites?", abort=True)
    with api() as client:
        client.delete(project_path(name))
    render.console().print(f"Deleted project {name}")


@projects_app.command("clear-cache")
def clear_cache(name: ProjectArg) -> None:
    """Delete a project's build cache: its next build installs every package afresh."""
    with api() as client:
        cleared = client.delete(f"{project_path(name)}/cache")
    count = cleared["objects"]
    render.console().print(
        f"Cleared {name}'s build cache ({count} stored object{'' if count == 1 else 's'}): "
        "its next build installs from scratch"
    )


# -- env ------------------------------------------------------------------------------------


def _revealed(client: ApiClient, name: str) -> dict[str, Any]:
    project: dict[str, Any] = client.get(project_path(name), params={"reveal_env": "true"})
    return project


@env_app.command("list")
def env_list(
    project: ProjectArg,
    reveal: Annotated[bool, typer.Option("--reveal", help="Show the values.")] = False,
    scope: Scope = "all",
    as_json: JsonFlag = False,
) -> None:
    """List a project's build variables of one group (all builds unless --scope says)."""
    group = scope_group(scope)
    with api() as client:
        data = client.get(project_path(project), params={"reveal_env": "true"} if reveal else None)
    env: dict[str, str] = data.get(group) or {}
    if as_json:
        render.print_json(env)
    elif not env:
        qualifier = "" if scope == "all" else f" for {scope} builds"
        render.console().print(f"{project} has no build variables{qualifier}")
    else:
        render.console().print(render.fields_table(sorted(env.items())))


@env_app.command("set")
def env_set(
    project: ProjectArg,
    assignments: Annotated[
        list[str],
        typer.Argument(help="KEY=VALUE pairs.", metavar="KEY=VALUE...", show_default=False),
    ],
    scope: Scope = "all",
) -> None:
    """Set build variables (used by the next deployment)."""
    group = scope_group(scope)
    values = parse_assignments(assignments)
    with api() as client:
        env = _revealed(client, project).get(group) or {}
        env.update(values)
        client.patch(project_path(project), json={group: env})
    render.console().print(
        f"Set {', '.join(values)} on {project}; they apply from the next deployment"
    )


@env_app.command("unset")
def env_unset(
    project: ProjectArg,
    keys: Annotated[
        list[str], typer.Argument(help="Variable names.", metavar="KEY...", show_default=False)
    ],
    scope: Scope = "all",
) -> None:
    """Remove build variables."""
    group = scope_group(scope)
    with api() as client:
        env = _revealed(client, project).get(group) or {}
        missing = [key for key in keys if key not in env]
        if missing:
            raise CliError(
                f"{project} has no build variable {missing[0]!r}",
                EXIT_NOT_FOUND,
                hint=f"`slipway env list {project} --scope {scope}` shows them",
            )
        for key in keys:
            del env[key]
        client.patch(project_path(project), json={group: env})
    render.console().print(f"Removed {', '.join(keys)} from {project}")


# -- domains --------------------------------------------------------------------------------


@domains_app.command("list")
def domains_list(project: ProjectArg, as_json: JsonFlag = False) -> None:
    """List a project's custom domains."""
    with api() as client:
        domains: list[str] = client.get(project_path(project))["domains"]
    if as_json:
        render.print_json(domains)
    elif not domains:
        render.console().print(f"{project} has no custom domains")
    else:
        for host in domains:
            render.console().print(host)


@domains_app.command("add")
def domains_add(
    project: ProjectArg,
    hosts: Annotated[
        list[str], typer.Argument(help="Host names.", metavar="HOST...", show_default=False)
    ],
) -> None:
    """Serve a project's production deployment on more host names."""
    with api() as client:
        domains: list[str] = client.get(project_path(project))["domains"]
        new = [h.lower() for h in hosts if h.lower() not in domains]
        client.patch(project_path(project), json={"domains": domains + new})
    render.console().print(f"{project} now answers on {', '.join(h.lower() for h in hosts)}")


@domains_app.command("remove")
def domains_remove(
    project: ProjectArg,
    hosts: Annotated[
        list[str], typer.Argument(help="Host names.", metavar="HOST...", show_default=False)
    ],
) -> None:
    """Stop serving a project on some of its custom domains."""
    with api() as client:
        domains: list[str] = client.get(project_path(project))["domains"]
        wanted = [h.lower() for h in hosts]
        missing = [h for h in wanted if h not in domains]
        if missing:
            raise CliError(
                f"{project} has no domain {missing[0]!r}",
                EXIT_NOT_FOUND,
                hint=f"`slipway domains list {project}` shows them",
            )
        client.patch(
            project_path(project), json={"domains": [d for d in domains if d not in wanted]}
        )
    render.console().print(f"Removed {', '.join(wanted)} from {project}")
