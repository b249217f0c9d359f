"""Which deployment a person means: a full id, the 8 characters pages show (or more), a
deployment's URL or host, a branch or production URL, or (for `logs`) a project's name.

Whatever matches nothing, or more than one thing, ends in one sentence saying what to type.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from services.core import hosts
from services.core.suggest import did_you_mean

from .client import ApiClient, segment
from .errors import EXIT_NOT_FOUND, EXIT_USAGE, CliError

LIST_HINT = "`slipway deployments list PROJECT` shows the ids and URLs"
BRANCH_SEARCH_LIMIT = 100  # the newest deployments searched for a branch or PR URL


def deployment_id(client: ApiClient, text: str, *, or_project: bool = False) -> str:
    """The id of the deployment `text` names; with `or_project`, a project's name names its
    newest deployment."""
    given = text.strip()
    if "." in given or "/" in given:
        return _from_url(client, given)
    word = given.lower()
    matches = _by_prefix(client, word) if hosts.is_id_prefix(word) else []
    project = _project(client, word) if or_project and hosts.valid_project_name(word) else None
    if project is not None and matches:
        raise CliError(
            f"{given!r} is both project {word} and the start of deployment {matches[0]['id']}; "
            f"type the deployment's whole id, or `slipway deployments list {word}`",
            EXIT_USAGE,
        )
    if project is not None:
        return _newest(client, project)
    if len(matches) == 1:
        return str(matches[0]["id"])
    if matches:
        raise CliError(_ambiguous(given, matches), EXIT_USAGE)
    raise CliError(_unknown(client, given, or_project), EXIT_NOT_FOUND)


def _by_prefix(client: ApiClient, prefix: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get("/api/deployments", params={"prefix": prefix})
    return found


def _project(client: ApiClient, name: str) -> dict[str, Any] | None:
    found = [p for p in client.get("/api/projects") if p["name"] == name]
    return found[0] if found else None


def _deployments(client: ApiClient, project: str, limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = client.get(
        f"/api/projects/{segment(project)}/deployments", params={"limit": str(limit)}
    )
    return rows


def _newest(client: ApiClient, project: dict[str, Any]) -> str:
    rows = _deployments(client, project["name"], 1)
    if not rows:
        raise CliError(
            f"{project['name']} has no deployments yet; start one with "
            f"`slipway deploy {project['name']}`",
            EXIT_NOT_FOUND,
        )
    return str(rows[0]["id"])


def _ambiguous(given: str, matches: list[dict[str, Any]]) -> str:
    ids = ", ".join(d["id"] for d in matches[:3])
    return f"{given!r} is the start of {len(matches)} deployment ids ({ids}); type more of the id"


def _unknown(client: ApiClient, given: str, or_project: bool) -> str:
    if or_project:
        close = did_you_mean(given.lower(), client.project_names())
        if close is not None:
            return f"no project or deployment {given!r}; did you mean {close!r}?"
    if not hosts.is_id_prefix(given.lower()):
        what = "a project name, " if or_project else ""
        return (
            f"{given!r} names no deployment: type {what}at least {hosts.SHORT_ID_LENGTH} "
            f"characters of a deployment's id, or its URL ({LIST_HINT})"
        )
    return f"no deployment id starts with {given!r}; {LIST_HINT}"


def _from_url(client: ApiClient, text: str) -> str:
    host = hosts.host_of(text)
    if host is None:
        raise CliError(
            f"{text!r} is not a deployment URL: type its id, or a URL such as "
            "http://site-1a2b3c4d.localhost:8080/",
            EXIT_USAGE,
        )
    if (parts := hosts.deployment_host_parts(host)) is not None:
        project, prefix = parts
        own = [d for d in _by_prefix(client, prefix) if d["project"] == project]
        if len(own) == 1:
            return str(own[0]["id"])
    label = host.partition(".")[0]
    for project in client.get("/api/projects"):
        name = project["name"]
        if label == name and _same_host(project.get("url"), host):
            current = project.get("production_deployment")
            if current:
                return str(current["id"])
        if label.startswith(f"{name}-"):
            for d in _deployments(client, name, BRANCH_SEARCH_LIMIT):
                if _same_host(d.get("url"), host) or _same_host(d.get("branch_url"), host):
                    return str(d["id"])
    raise CliError(f"no deployment is served at {host}; {LIST_HINT}", EXIT_NOT_FOUND)


def _same_host(url: object, host: str) -> bool:
    return isinstance(url, str) and urlsplit(url).hostname == host
