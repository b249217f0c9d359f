"""Checks on project settings that the request schemas cannot express."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from services.core import build_variables, git_names, hosts, passwords, platform_hosts
from services.core.runner_inputs import MAX_TEXT_CHARS, one_line_problem

from .errors import BadRequest

_GITHUB_URL = re.compile(
    r"^(?:https://github\.com/|git@github\.com:)([\w.-]+/[\w.-]+?)(?:\.git)?/?$"
)
_SSH_URL = re.compile(r"^(?:ssh://)?(?:[\w.-]+@)?([\w.-]+)[:/](?:\d+/)?([\w./-]+)$")


def check_name(name: str, base_domain: str) -> str:
    """The one check of a new project's name, whichever interface creates the project."""
    if not hosts.valid_project_name(name):
        raise BadRequest(f"{name!r} is not a valid project name: {hosts.PROJECT_NAME_RULE}")
    if (reason := platform_hosts.reserved_reason(name, base_domain)) is not None:
        raise BadRequest(f"the name {name!r} is reserved: {reason}")
    return name


def check_repo_url(url: str) -> str:
    """A URL the builder can clone (build_runner/fetch.py: https, http and file only)."""
    if any(c.isspace() for c in url) or "\x00" in url:
        raise BadRequest("repo_url must not contain spaces")
    if url.startswith(("ssh://", "git@")):
        raise BadRequest(
            f"the builder cannot clone over SSH: use the repository's https URL "
            f"({_https_form(url)}), with SLIPWAY_GITHUB_TOKEN set on the api if it is private"
        )
    if not url.startswith(("https://", "http://", "file://")):
        raise BadRequest("repo_url must be an https://, http:// or file:// URL")
    return url


def _https_form(ssh_url: str) -> str:
    """`git@host:owner/name.git` or `ssh://git@host/owner/name.git` as an https URL."""
    match = _SSH_URL.match(ssh_url)
    return f"https://{match.group(1)}/{match.group(2)}" if match else "https://host/owner/name.git"


def github_repo_for(repo_url: str, given: str | None) -> str | None:
    if given:
        if not git_names.valid_github_repo(given):
            raise BadRequest("github_repo must look like owner/name")
        return given
    match = _GITHUB_URL.match(repo_url)
    return match.group(1) if match else None


def check_branch(branch: str) -> str:
    if not git_names.valid_branch_name(branch):
        raise BadRequest(f"not a valid branch name: {branch!r}")
    return branch


def check_command(value: str, field: str) -> str:
    """A command the runner can take: one line (steps chain with &&), as its inputs require."""
    if (problem := one_line_problem(value, MAX_TEXT_CHARS)) is not None:
        raise BadRequest(f"{field} {problem}")
    return value


def check_relative_dir(value: str, field: str) -> str:
    """A directory inside the checkout: no absolute paths, no climbing out."""
    if not value:
        return ""
    normal = posixpath.normpath(value.strip("/"))
    if value.startswith("/") or normal.startswith("..") or "\x00" in value or "\\" in value:
        raise BadRequest(f"{field} must be a relative directory inside the repository")
    return "" if normal == "." else normal


def check_env(env: dict[str, str], group: str, builder: str) -> dict[str, str]:
    """One group of build variables (`env`, `production_env` or `preview_env`) on its own."""
    for name in env:
        if not build_variables.is_variable_name(name):
            raise BadRequest(
                f"build variable {name!r}: a name is letters, digits and _, not starting with a "
                f"digit, at most {build_variables.MAX_NAME_LENGTH} characters"
            )
        if build_variables.is_reserved(name):
            raise BadRequest(
                f"build variable {name}: names starting with "
                f"{build_variables.RESERVED_PREFIX} are reserved"
            )
    if (problem := build_variables.limit_problem(env, group, builder)) is not None:
        raise BadRequest(problem)
    return env


def check_variables_per_build(groups: Mapping[str, Mapping[str, str]], builder: str) -> None:
    """What each kind of build receives, `env` with its context's group laid over it, fits."""
    for scoped in ("production_env", "preview_env"):
        received = {**groups["env"], **groups[scoped]}
        problem = build_variables.limit_problem(received, f"env with {scoped}", builder)
        if problem is not None:
            raise BadRequest(problem)


def check_domains(domains: list[str], base_domain: str) -> list[str]:
    cleaned = []
    for raw in domains:
        host = hosts.normalize_host(raw)
        if host is None or host != raw.strip().lower().rstrip(".") or "." not in host:
            raise BadRequest(
                f"not a valid domain name: {raw!r}: type a host name such as www.example.com"
            )
        if host == base_domain or host.endswith("." + base_domain):
            raise BadRequest(f"{host} is under the platform's own domain")
        if hosts.is_ip_address(host):  # health checks reach the proxy by address, never a site
            raise BadRequest(f"{host} is an IP address, not a domain name")
        cleaned.append(host)
    if len(set(cleaned)) != len(cleaned):
        raise BadRequest("a domain is listed twice")
    return cleaned


def check_preview_password(password: str | None) -> str | None:
    """The password to protect previews with; None (from null or "") clears it."""
    if not password:
        return None
    if not passwords.acceptable_length(password):
        raise BadRequest(
            f"preview_password must be {passwords.MIN_LENGTH} to "
            f"{passwords.MAX_LENGTH} characters (null or an empty string clears it)"
        )
    if not password.isprintable() or not _encodable(password):
        raise BadRequest("preview_password must be printable text")
    return password


def _encodable(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate from a JSON escape
        return False
    return True
