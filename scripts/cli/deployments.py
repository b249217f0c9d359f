"""`slipway deploy`, `deployments`, `logs`, `promote`, `rollback` and `cancel`."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from services.core.deployment_states import ACTIVE, Status
from services.core.timefmt import duration, status_label

from . import render
from .client import ApiClient, segment
from .context import api
from .errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_NOT_FOUND, CliError
from .projects import JsonFlag, ProjectArg, project_path
from .references import deployment_id

deployments_app = typer.Typer(help="List and inspect deployments.", no_args_is_help=True)

POLL_SECONDS = 0.5
PROMOTION_POLLS = 20  # up to 10 s
DeploymentArg = Annotated[
    str,
    typer.Argument(
        help="Deployment: its id, the first 8 characters of it, or its URL.",
        metavar="DEPLOYMENT",
        show_default=False,
    ),
]
LogsArg = Annotated[
    str,
    typer.Argument(
        help="Deployment (id, its first 8 characters, or URL), or a project for its newest.",
        metavar="DEPLOYMENT|PROJECT",
        show_default=False,
    ),
]


def deployment_path(deployment_id: str) -> str:
    if not (deployment_id.isascii() and deployment_id.isalnum()):  # ids are letters and digits
        raise CliError(f"no deployment {deployment_id!r}", EXIT_NOT_FOUND)
    return f"/api/deployments/{segment(deployment_id)}"


def write_out(text: str, to_stderr: bool = False) -> None:
    stream = sys.stderr if to_stderr else sys.stdout
    stream.write(text)
    stream.flush()


def wait_while(
    client: ApiClient,
    d: dict[str, Any],
    statuses: Collection[str],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    while d["status"] in statuses:
        sleep(POLL_SECONDS)
        d = client.get(deployment_path(d["id"]))
    return d


def stream_log(client: ApiClient, deployment_id: str, to_stderr: bool = False) -> None:
    """Copy a deployment's log to the terminal until its build ends."""
    ended_with_newline = True
    for chunk in client.stream_text(f"{deployment_path(deployment_id)}/logs", {"follow": "true"}):
        if chunk:
            write_out(chunk, to_stderr)
            ended_with_newline = chunk.endswith("\n")
    if not ended_with_newline:
        write_out("\n", to_stderr)


def settle(client: ApiClient, deployment_id: str) -> dict[str, Any]:
    """The deployment once final (a followed log can end early when the connection drops)."""
    d: dict[str, Any] = client.get(deployment_path(deployment_id))
    return wait_while(client, d, ACTIVE)


def created(d: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(d["created_at"]).replace("Z", "+00:00"))


def await_promotion(
    client: ApiClient,
    d: dict[str, Any],
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The deployment and its project once an automatic promotion has had its moment.

    The api marks a build `ready` and then promotes it, so a production-branch build can
    be ready for an instant before it is in production.
    """
    p: dict[str, Any] = client.get(project_path(d["project"]))
    expected = would_be_promoted(d, p) and not p.get("auto_promote_paused")
    for _ in range(PROMOTION_POLLS):
        current = p.get("production_deployment")
        if not expected or d.get("production"):
            break
        if current and created(current) > created(d):
            break  # a newer build is in production: this one is not promoted
        sleep(POLL_SECONDS)
        d = client.get(deployment_path(d["id"]))
        p = client.get(project_path(d["project"]))
    return d, p


def would_be_promoted(d: dict[str, Any], p: dict[str, Any]) -> bool:
    """A ready production-branch build of a project that promotes such builds by itself."""
    return bool(
        d["status"] == Status.READY
        and p.get("auto_promote", True)
        and d.get("pull_request") is None
        and d.get("ref") == p["production_branch"]
    )


def report_outcome(d: dict[str, Any], p: dict[str, Any]) -> int:
    err = render.console(stderr=True)
    spent = duration(d)
    if d["status"] == Status.READY:
        err.print(f"[green]✓[/green] Deployment {d['id']} is ready (built in {spent})")
        out = render.console()
        out.print(f"Deployment URL: {d['url']}")
        if (preview := render.preview_url(d)) is not None:
            label, url, follows = preview
            out.print(f"{label[0].upper()}{label[1:]}: {url} (follows {follows})")
        if d.get("production"):
            out.print(f"Production URL: {p['url']}")
        elif would_be_promoted(d, p) and p.get("auto_promote_paused"):
            err.print(
                "Not put in production: automatic promotion is paused since a rollback. "
                f"Promote it with `slipway promote {d['id'][:8]}`"
            )
        return 0
    label = status_label(d["status"], d.get("reason"))
    detail = escape(d.get("error") or "no details")
    err.print(f"[red]✗[/red] Deployment {d['id']} {label}: {detail}")
    err.print(f"  Full log: slipway logs {d['id']}")
    return EXIT_FAILED


def deploy(
    project: ProjectArg,
    ref: Annotated[
        str | None,
        typer.Option("--ref", metavar="BRANCH", help="Branch to build (default: production)."),
    ] = None,
    commit: Annotated[
        str | None, typer.Option("--commit", metavar="SHA", help="Exact commit sha to build.")
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="Wait for the build to end (default).")
    ] = True,
    logs: Annotated[
        bool, typer.Option("--logs/--no-logs", help="Stream the build log (default).")
    ] = True,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the final deployment as JSON (the log goes to stderr)."),
    ] = False,
) -> None:
    """Deploy a project, show the build's progress and log, and print its URL."""
    body = {key: value for key, value in {"ref": ref, "commit": commit}.items() if value}
    err = render.console(stderr=True)
    with api() as client:
        d: dict[str, Any] = client.post(f"{project_path(project)}/deployments", json=body)
        what = d.get("ref") or render.short_commit(d.get("commit", ""))
        err.print(f"Deployment [bold]{d['id']}[/bold] of {project} ({what}) queued")
        if not wait:
            if as_json:
                render.print_json(d)
            else:
                render.console().print(d["id"])
            return
        try:
            with err.status("Waiting for a builder…"):
                d = wait_while(client, d, {Status.QUEUED})
            if d["status"] == Status.BUILDING:
                err.print("Building…")
            if logs:
                stream_log(client, d["id"], to_stderr=as_json)
            d = settle(client, d["id"])
        except KeyboardInterrupt:
            raise CliError(
                f"stopped watching; deployment {d['id']} goes on",
                EXIT_INTERRUPTED,
                hint=f"follow it with `slipway logs {d['id']} --follow`, stop it with "
                f"`slipway cancel {d['id']}`",
            ) from None
        d, p = await_promotion(client, d)
    if as_json:
        render.print_json(d)
        code = 0 if d["status"] == Status.READY else EXIT_FAILED
    else:
        code = report_outcome(d, p)
    if code:
        raise typer.Exit(code)


@deployments_app.command("list")
def list_deployments(
    project: ProjectArg,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=500, metavar="N", help="How many, newest first.")
    ] = 20,
    as_json: JsonFlag = False,
) -> None:
    """List a project's deployments, newest first."""
    with api() as client:
        rows = client.get(f"{project_path(project)}/deployments", params={"limit": str(limit)})
    empty = f"{project} has no deployments yet. Start one with: slipway deploy {project}"
    render.print_rows(rows, as_json, render.deployments_table, empty)


@deployments_app.command("show")
def show_deployment(deployment: DeploymentArg, as_json: JsonFlag = False) -> None:
    """Show one deployment."""
    with api() as client:
        d = client.get(deployment_path(deployment_id(client, deployment)))
    if as_json:
        render.print_json(d)
    else:
        render.console().print(render.fields_table(render.deployment_rows(d)))


def logs(
    deployment: LogsArg,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep streaming until the build ends.")
    ] = False,
) -> None:
    """Print a deployment's build log (a project's newest); with --follow, stream it live."""
    with api() as client:
        deployment = deployment_id(client, deployment, or_project=True)
        if not follow:
            for chunk in client.stream_text(f"{deployment_path(deployment)}/logs"):
                write_out(chunk)
            return
        try:
            stream_log(client, deployment)
            d = settle(client, deployment)
        except KeyboardInterrupt:
            raise CliError("stopped following", EXIT_INTERRUPTED) from None
    label = status_label(d["status"], d.get("reason"))
    render.console(stderr=True).print(f"Deployment {d['id']} is {label}")
    if d["status"] != Status.READY:
        raise typer.Exit(EXIT_FAILED)


def _promote(client: ApiClient, deployment_id: str, actor: str) -> dict[str, Any]:
    d: dict[str, Any] = client.post(
        f"{deployment_path(deployment_id)}/promote", json={"actor": actor}
    )
    return d


def promote(deployment: DeploymentArg, as_json: JsonFlag = False) -> None:
    """Put a ready deployment in production."""
    with api() as client:
        d = _promote(client, deployment_id(client, deployment), "cli")
        project = client.get(project_path(d["project"]))
    if as_json:
        render.print_json(d)
    else:
        render.console().print(f"{project['url']} now serves deployment {d['id']}")


def rollback(project: ProjectArg, as_json: JsonFlag = False) -> None:
    """Put the previous ready production deployment back in production."""
    with api() as client:
        before = client.get(project_path(project)).get("production_deployment")
        # One step on the server: it picks the target under the project's lock.
        p = client.post(f"{project_path(project)}/rollback", json={"actor": "cli:rollback"})
    d = p["production_deployment"]
    if as_json:
        render.print_json(d)
    else:
        came_from = f" from {before['id']}" if before else ""
        render.console().print(f"Rolled {project} back{came_from} to {d['id']}: {p['url']}")
        if p.get("auto_promote_paused"):
            render.console(stderr=True).print(
                f"Automatic promotion is paused: new builds of {p['production_branch']} stay "
                "out of production until you promote one (`slipway promote ID`)"
            )


def cancel(deployment: DeploymentArg, as_json: JsonFlag = False) -> None:
    """Cancel a queued or building deployment."""
    with api() as client:
        d = client.post(f"{deployment_path(deployment_id(client, deployment))}/cancel")
    if as_json:
        render.print_json(d)
    elif d["status"] == Status.CANCELED:
        render.console().print(f"Canceled deployment {d['id']}")
    else:
        render.console().print(f"Cancel requested: deployment {d['id']} stops shortly")
