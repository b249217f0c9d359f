"""Host names of the contract: production, per deployment, per branch, per pull request."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import re
import secrets
import string

MAX_LABEL = 63
BRANCH_HASH_LENGTH = 8  # base32: 40 bits
HASH_SEPARATOR = "--"
PROJECT_NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
DEPLOYMENT_ID_RE = re.compile(r"^[a-z0-9]{20}$")
SHORT_ID_LENGTH = 8  # what a deployment's host and every page show of its id
PROJECT_NAME_RULE = (
    "a project name is 1-40 lowercase letters, digits and single hyphens, "
    "starting and ending with a letter or digit"
)
_ID_ALPHABET = string.ascii_lowercase + string.digits
_PR_LABEL_RE = re.compile(r"^(.+)-pr-[0-9]+$")
_HOST_RE = re.compile(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def valid_project_name(name: str) -> bool:
    """DNS-safe, short enough that `<name>-git-<branch>` still has room in one label."""
    return bool(PROJECT_NAME_RE.match(name)) and "--" not in name


def new_deployment_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(20))


def production_host(project: str, base_domain: str) -> str:
    return f"{project}.{base_domain}"


def deployment_host(project: str, deployment_id: str, base_domain: str) -> str:
    return f"{project}-{deployment_id[:SHORT_ID_LENGTH]}.{base_domain}"


def is_id_prefix(text: str) -> bool:
    """At least the 8 characters every page shows of an id, and no more than a whole id."""
    return SHORT_ID_LENGTH <= len(text) <= 20 and text.isascii() and text.isalnum()


def deployment_host_parts(host: str) -> tuple[str, str] | None:
    """(project, id prefix) of a deployment's own host `<project>-<8 chars>.<domain>`.

    Only the shape is known here: a branch host such as `site-git-abcdefgh` has it too, so
    the caller checks that the prefix names a deployment of that project.
    """
    label = host.partition(".")[0]
    project, _, prefix = label.rpartition("-")
    if len(prefix) == SHORT_ID_LENGTH and is_id_prefix(prefix) and valid_project_name(project):
        return project, prefix
    return None


def host_of(text: str) -> str | None:
    """The host name in a URL or bare host as people paste it (scheme, port and path dropped)."""
    rest = text.strip().split("://", 1)[-1]
    return normalize_host(re.split(r"[/?#]", rest, maxsplit=1)[0])


def branch_slug(branch: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-")
    return slug or "branch"


def branch_label(project: str, branch: str) -> str:
    """`<project>-git-<slug>`: one DNS label per branch, never shared by two branches.

    A branch whose name is its own slug (`main`, `feature-x`) keeps the plain label. Any
    other name (`feature/x`, `FEATURE.X`: its slug loses something) ends in `--` and a hash
    of the exact name, and so does a label cut to 63 characters. No plain label contains
    `--` (neither a slug nor a project name can), so a hashed label never equals a plain one,
    and two hashed labels meet only if their 40-bit hashes do.
    """
    slug = branch_slug(branch)
    label = f"{project}-git-{slug}"
    if slug == branch and len(label) <= MAX_LABEL:
        return label
    suffix = HASH_SEPARATOR + _branch_hash(branch)
    return label[: MAX_LABEL - len(suffix)].rstrip("-") + suffix


def _branch_hash(branch: str) -> str:
    digest = hashlib.sha256(branch.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:BRANCH_HASH_LENGTH]


def branch_host(project: str, branch: str, base_domain: str) -> str:
    return f"{branch_label(project, branch)}.{base_domain}"


def pull_request_host(project: str, number: int, base_domain: str) -> str:
    return f"{project}-pr-{number}.{base_domain}"


def may_be_host_of(project: str, host: str, base_domain: str) -> bool:
    """Whether `host` has the shape of one of the project's own hosts (production, deployment,
    branch, pull request). Other projects' hosts can have it too (`site-2.<base>` for `site`):
    only the route object says whose a host is."""
    label, _, domain = host.partition(".")
    return domain == base_domain and (label == project or label.startswith(f"{project}-"))


def preview_lookalike_owners(name: str) -> list[str]:
    """Project names whose branch or pull request host would equal `<name>.<base>`.

    `a-git-feature` is branch `feature` of project `a`; `a-pr-7` is its pull request 7.
    """
    owners = [name[:i] for i in range(len(name)) if name.startswith("-git-", i)]
    if pull_request := _PR_LABEL_RE.match(name):
        owners.append(pull_request.group(1))
    return owners


def normalize_host(raw: str | None) -> str | None:
    """Lower-case, drop the port and a trailing dot; None when it is not a host name."""
    if not raw:
        return None
    host = raw.strip().lower()
    if host.startswith("["):  # an IPv6 literal is never a site
        return None
    host = host.split(":", 1)[0].rstrip(".")
    if len(host) > 253 or not _HOST_RE.match(host):
        return None
    return host


def route_key(host: str) -> str:
    return f"routes/{host}.json"


def is_ip_address(host: str) -> bool:
    """An IP address, never a site's host: health checks reach the proxy by address."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
