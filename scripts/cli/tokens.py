"""`slipway tokens …` and `slipway hooks …`: tokens narrower than the admin token, deploy hooks.

A token's text and a hook's URL are printed once, when they are made: the api keeps only
their hashes, so a lost one is revoked and made again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer
from rich.table import Table

from services.core.token_format import parse_token

from . import render
from .client import segment
from .context import api
from .errors import EXIT_USAGE, CliError
from .projects import JsonFlag, ProjectArg, project_path

tokens_app = typer.Typer(
    help="API tokens narrower than the admin token: a role, and perhaps one project.",
    no_args_is_help=True,
)
hooks_app = typer.Typer(
    help="Deploy hooks: secret URLs that deploy a project's branch.", no_args_is_help=True
)
ROLES = ("read", "deploy", "admin")
NameArg = Annotated[str, typer.Argument(help="What it is for.", metavar="NAME", show_default=False)]


def _used(row: Mapping[str, Any]) -> str:
    return str(row.get("last_used_at") or "never")[:19].replace("T", " ")


def tokens_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("ID", "NAME", "ROLE", "PROJECT", "LAST USED (UTC)"):
        table.add_column(column, no_wrap=True)
    for t in rows:
        table.add_row(t["id"], t["name"], t["role"], t.get("project") or "(all)", _used(t))
    return table


def hooks_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("ID", "NAME", "BRANCH", "LAST USED (UTC)"):
        table.add_column(column, no_wrap=True)
    for h in rows:
        table.add_row(h["id"], h["name"], h["ref"], _used(h))
    return table


@tokens_app.command("create")
def create_token(
    name: NameArg,
    role: Annotated[
        str, typer.Option("--role", metavar="ROLE", help="read, deploy or admin.")
    ] = "read",
    project: Annotated[
        str | None,
        typer.Option("--project", metavar="PROJECT", help="Only this project (default: all)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Make a token; its text is shown now and never again."""
    if role not in ROLES:
        raise CliError(f"no role {role!r}: choose read, deploy or admin", EXIT_USAGE)
    with api() as client:
        if project is not None:
            # A name that cannot be a project's is refused here; one that is nobody's is
            # refused with the closest project's name or the command that lists them.
            client.get(project_path(project))
        made = client.post("/api/tokens", json={"name": name, "role": role, "project": project})
    if as_json:
        render.print_json(made)
        return
    scope = f"project {project}" if project else "every project"
    render.console().print(made["token"], soft_wrap=True, markup=False)
    render.console(stderr=True).print(
        f"Token {made['id']} ({role}, {scope}): copy it now, it is not shown again. "
        "Use it as SLIPWAY_API_TOKEN or `Authorization: Bearer …`."
    )


@tokens_app.command("list")
def list_tokens(as_json: JsonFlag = False) -> None:
    """The tokens, their roles, projects and last use (never their text)."""
    with api() as client:
        rows = client.get("/api/tokens")
    render.print_rows(rows, as_json, tokens_table, "No tokens besides the admin token")


@tokens_app.command("revoke")
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="Its id.", metavar="ID", show_default=False)],
) -> None:
    """Revoke a token at once (its id, or the token itself)."""
    if parsed := parse_token(token_id):
        # The token itself was given: send only its id, so the secret never reaches a URL
        # (and the api's logs) or an error message.
        token_id = parsed[0]
    with api() as client:
        client.delete(f"/api/tokens/{segment(token_id)}")
    render.console().print(f"Revoked token {token_id}")


@hooks_app.command("create")
def create_hook(
    project: ProjectArg,
    name: NameArg,
    ref: Annotated[
        str | None,
        typer.Option("--ref", metavar="BRANCH", help="Branch it deploys (default: production)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Make a deploy hook; its URL is shown now and never again."""
    with api() as client:
        made = client.post(f"{project_path(project)}/hooks", json={"name": name, "ref": ref})
    if as_json:
        render.print_json(made)
        return
    render.console().print(made["url"], soft_wrap=True, markup=False)
    render.console(stderr=True).print(
        f"Hook {made['id']} deploys {project}'s {made['ref']} on `curl -X POST <url>`: copy the "
        "URL now, it is not shown again."
    )


@hooks_app.command("list")
def list_hooks(project: ProjectArg, as_json: JsonFlag = False) -> None:
    """A project's deploy hooks (never their URLs)."""
    with api() as client:
        rows = client.get(f"{project_path(project)}/hooks")
    render.print_rows(rows, as_json, hooks_table, f"{project} has no deploy hooks")


@hooks_app.command("delete")
def delete_hook(
    project: ProjectArg,
    hook_id: Annotated[str, typer.Argument(help="Its id.", metavar="ID", show_default=False)],
) -> None:
    """Delete a deploy hook: its URL deploys nothing any more."""
    with api() as client:
        client.delete(f"{project_path(project)}/hooks/{segment(hook_id)}")
    render.console().print(f"Deleted hook {hook_id} of {project}")
