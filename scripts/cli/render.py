"""How the CLI shows things: rich tables for people, plain JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from services.core.delivery_outcomes import DeliveryOutcome
from services.core.deployment_states import Status
from services.core.timefmt import age, duration, parse_time, status_label

STATUS_STYLES = {
    Status.QUEUED: "yellow",
    Status.BUILDING: "cyan",
    Status.READY: "green",
    Status.FAILED: "red",
    Status.CANCELED: "dim",
}
OUTCOME_STYLES = {
    DeliveryOutcome.QUEUED: "green",
    DeliveryOutcome.DUPLICATE: "dim",
    DeliveryOutcome.IGNORED: "yellow",
    DeliveryOutcome.REFUSED: "red",
}
# Piped output gets a wide virtual terminal so that ids and URLs are never cut.
PIPE_WIDTH = 200


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    width = None if stream.isatty() else PIPE_WIDTH
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")


def print_rows(
    rows: Sequence[Mapping[str, Any]],
    as_json: bool,
    table: Callable[[Sequence[Mapping[str, Any]]], Table],
    when_empty: str,
) -> None:
    """A listing: JSON for scripts, else its table, or one sentence when there is nothing."""
    if as_json:
        print_json(rows)
    elif not rows:
        console().print(when_empty)
    else:
        console().print(table(rows))


def status_text(d: Mapping[str, Any]) -> Text:
    label = status_label(d["status"], d.get("reason"))
    return Text(label, style=STATUS_STYLES.get(d["status"], ""))


def short_commit(commit: str) -> str:
    return commit[:7] if commit else "-"


def deployments_table(deployments: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("ID", "STATUS", "BRANCH", "COMMIT", "AGE", "DURATION", "URL"):
        table.add_column(column, no_wrap=True)
    for d in deployments:
        marker = Text(" production", style="bold green") if d.get("production") else Text("")
        table.add_row(
            d["id"],
            status_text(d) + marker,
            d.get("ref") or "-",
            short_commit(d.get("commit", "")),
            age(d.get("created_at")),
            duration(d),
            d.get("url", ""),
        )
    return table


def projects_table(projects: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("NAME", "URL", "BRANCH", "PRODUCTION", "REPOSITORY"):
        table.add_column(column, no_wrap=True)
    for p in projects:
        production = p.get("production_deployment")
        current = (
            Text(f"{production['id']} ({age(p.get('promoted_at') or production['created_at'])})")
            if production
            else Text("none yet", style="dim")
        )
        table.add_row(p["name"], p["url"], p["production_branch"], current, p["repo_url"])
    return table


def deliveries_table(deliveries: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("TIME (UTC)", "EVENT", "DELIVERY", "OUTCOME", "STATUS"):
        table.add_column(column, no_wrap=True)
    table.add_column("REASON", overflow="fold")
    table.add_column("DEPLOYMENTS", no_wrap=True)
    for d in deliveries:
        received = parse_time(d.get("received_at"))
        table.add_row(
            f"{received:%Y-%m-%d %H:%M:%S}" if received else "-",
            d.get("event") or "-",
            d.get("delivery_id") or "-",
            Text(d["outcome"], style=OUTCOME_STYLES.get(d["outcome"], "")),
            str(d["status_code"]),
            Text(d.get("reason") or "-"),  # Text: a reason may quote "[skip ci]", not markup
            ", ".join(d.get("deployments") or []) or "-",
        )
    return table


def fields_table(rows: Sequence[tuple[str, str | Text]]) -> Table:
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, value)
    return table


def variable_groups(p: Mapping[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """The three groups of build variables, titled; an api without the scoped ones shows none."""
    return [
        ("env", p.get("env") or {}),
        ("production env", p.get("production_env") or {}),
        ("preview env", p.get("preview_env") or {}),
    ]


def project_rows(p: Mapping[str, Any]) -> list[tuple[str, str | Text]]:
    production = p.get("production_deployment")
    rows: list[tuple[str, str | Text]] = [
        ("name", p["name"]),
        ("url", p["url"]),
        ("repository", p["repo_url"]),
        ("github repo", p.get("github_repo") or "-"),
        ("production branch", p["production_branch"]),
        ("root dir", p.get("root_dir") or "."),
        ("install command", p.get("install_command") or "(detected)"),
        ("build command", p.get("build_command") or "(detected)"),
        ("output dir", p.get("output_dir") or "(detected)"),
        ("spa", "yes" if p.get("spa") else "no"),
        ("auto promote", "yes" if p.get("auto_promote", True) else "no"),
        ("domains", ", ".join(p.get("domains") or []) or "-"),
        ("previews", "password-protected" if p.get("preview_protected") else "public"),
        *((title, ", ".join(sorted(values)) or "-") for title, values in variable_groups(p)),
    ]
    if production:
        rows.append(("production", status_text(production) + Text(f" {production['id']}")))
        rows.append(("promoted", f"{age(p.get('promoted_at'))} by {p.get('promoted_by') or '-'}"))
    else:
        rows.append(("production", Text("none yet", style="dim")))
    return rows


def preview_url(d: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(label, URL, what it follows) of where the deployment's pull request or branch is
    served: `branch_url` holds a pull request's address when there is one."""
    number = d.get("pull_request")
    if number is not None:
        url = d.get("pull_request_url") or d.get("branch_url")
        return ("pull request URL", url, f"pull request #{number}") if url else None
    if d.get("branch_url"):
        return ("branch URL", d["branch_url"], f"branch {d.get('ref')}")
    return None


def deployment_rows(d: Mapping[str, Any]) -> list[tuple[str, str | Text]]:
    preview = preview_url(d)
    rows: list[tuple[str, str | Text]] = [
        ("id", d["id"]),
        ("project", d["project"]),
        ("status", status_text(d)),
        ("production", "yes" if d.get("production") else "no"),
        ("branch", d.get("ref") or "-"),
        *([("pull request", f"#{d['pull_request']}")] if d.get("pull_request") is not None else []),
        ("commit", d.get("commit") or "-"),
        ("url", d.get("url", "")),
        *([(preview[0], f"{preview[1]} ({preview[2]})")] if preview else []),
        ("created", f"{d.get('created_at')} ({age(d.get('created_at'))})"),
        ("duration", duration(d)),
    ]
    if d.get("error"):  # a cancel or a skip says why it stopped; only a failure is an error
        rows.append(("error" if d.get("status") == "failed" else "reason", d["error"]))
    return rows
