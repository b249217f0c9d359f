"""What git and GitHub accept as names: branches, commits, repositories. One rule each.

The lengths are also the database's: a name that passes fits its column on SQLite and
PostgreSQL alike, so nothing out of bounds ever reaches a statement.
"""

from __future__ import annotations

import re

MAX_BRANCH_LENGTH = 255  # deployments.ref
MAX_GITHUB_REPO_LENGTH = 200  # projects.github_repo
_COMMIT_SHA_RE = re.compile(r"[0-9a-f]{40}")  # fullmatch: `$` would take a trailing newline
ZERO_SHA = "0" * 40  # GitHub's `before` of a new branch, `after` of a deleted one
_GITHUB_REPO_RE = re.compile(r"[\w.-]+/[\w.-]+")
# `git check-ref-format`: no control characters, space, ~ ^ : ? * [ \ anywhere.
_REF_FORBIDDEN_RE = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def is_commit_sha(value: str) -> bool:
    return _COMMIT_SHA_RE.fullmatch(value) is not None


def valid_branch_name(name: str) -> bool:
    """A branch name git itself accepts (`git check-ref-format --branch`), within our bounds."""
    if not name or len(name) > MAX_BRANCH_LENGTH or _REF_FORBIDDEN_RE.search(name):
        return False
    if not name.isprintable() or not encodable(name):
        return False
    if name == "@" or "@{" in name or ".." in name or name.endswith("."):
        return False
    components = name.split("/")
    return all(c and not c.startswith(".") and not c.endswith(".lock") for c in components)


def valid_github_repo(name: str) -> bool:
    """`owner/name`, as GitHub spells a repository's `full_name`."""
    return len(name) <= MAX_GITHUB_REPO_LENGTH and _GITHUB_REPO_RE.fullmatch(name) is not None


def encodable(text: str) -> bool:
    """JSON and environments may carry lone surrogates; no database or execve takes them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
