"""`slipway deliveries PROJECT`: the webhook deliveries a project received, newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from . import render
from .context import api
from .projects import JsonFlag, ProjectArg, project_path

KEPT = 50  # what the api keeps of each project's deliveries


def deliveries(
    project: ProjectArg,
    limit: Annotated[
        int,
        typer.Option("--limit", min=1, max=KEPT, metavar="N", help="How many, newest first."),
    ] = KEPT,
    as_json: JsonFlag = False,
) -> None:
    """Show the webhook deliveries a project received and what came of each, as GitHub lists
    them: time, event, delivery id, outcome, status, reason and the deployments it made."""
    with api() as client:
        rows = client.get(f"{project_path(project)}/deliveries", params={"limit": str(limit)})
    empty = (
        f"{project} has received no webhook deliveries yet "
        "(docs/github-webhooks.md says how to add the webhook on GitHub)"
    )
    render.print_rows(rows, as_json, render.deliveries_table, empty)
