"""What a GitHub delivery says, read into typed events with every bound checked.

Everything the intake records comes from here, so whatever reaches the database fits it:
numbers within their columns, names git and GitHub accept, commits as full SHAs, free text
without the characters no database stores. Bad input is a `BadRequest` naming the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from services.core import git_names

from .errors import BadRequest

MAX_PULL_REQUEST = 2**31 - 1  # deployments.pull_request is a 32-bit integer
MAX_TEXT = 2000  # of a commit message or pull request title, as recorded
PR_BUILD_ACTIONS = frozenset({"opened", "reopened", "synchronize"})
_UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates


@dataclass(frozen=True)
class Push:
    repository: str | None
    ref: str  # the full ref: refs/heads/<name> or refs/tags/<name>
    before: str  # "" when the payload does not say
    after: str
    deleted: bool
    message: str

    @property
    def is_branch(self) -> bool:
        return self.ref.startswith("refs/heads/")

    @property
    def is_tag(self) -> bool:
        return self.ref.startswith("refs/tags/")

    @property
    def name(self) -> str:
        return self.ref.split("/", 2)[2]


@dataclass(frozen=True)
class PullRequest:
    repository: str | None
    action: str
    number: int
    commit: str
    head_ref: str
    title: str
    from_fork: bool


@dataclass(frozen=True)
class OtherEvent:
    """An event nothing is built from (a ping, an issue, a star): only its repository."""

    repository: str | None


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """JSON body, or the `payload=` field GitHub sends as a form."""
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            fields = parse_qs(body.decode("utf-8"), strict_parsing=False)
            if "payload" not in fields:
                raise BadRequest("form body without a payload field")
            payload = json.loads(fields["payload"][-1])
        else:
            payload = json.loads(body)
    # ValueError besides JSONDecodeError: an integer past Python's digit limit.
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadRequest(f"malformed webhook body: {exc}") from None
    if not isinstance(payload, dict):
        raise BadRequest("the webhook body is not a JSON object")
    return payload


def repository_of(payload: dict[str, Any]) -> str | None:
    """`repository.full_name`; None when the delivery names no repository."""
    repository = payload.get("repository")
    full_name = repository.get("full_name") if isinstance(repository, dict) else None
    if full_name is None or full_name == "":
        return None
    if not isinstance(full_name, str) or not git_names.valid_github_repo(full_name):
        raise BadRequest(
            f"repository.full_name is not owner/name of at most "
            f"{git_names.MAX_GITHUB_REPO_LENGTH} characters"
        )
    return full_name


def read_push(payload: dict[str, Any]) -> Push:
    repository = repository_of(payload)
    ref = _text(payload.get("ref"))
    if not ref.startswith(("refs/heads/", "refs/tags/")):
        # Neither a branch nor a tag: nothing is built; the ref is only quoted in the answer.
        return Push(repository, clean_text(ref[:100]), "", "", False, "")
    if not git_names.valid_branch_name(ref.split("/", 2)[2]):
        raise BadRequest(
            f"ref: not a branch or tag name git accepts within "
            f"{git_names.MAX_BRANCH_LENGTH} characters"
        )
    deleted = payload.get("deleted") is True
    after = _text(payload.get("after"))
    if not git_names.is_commit_sha(after):
        raise BadRequest("push payload without a valid `after` commit")
    before = payload.get("before")
    if before is not None and not (isinstance(before, str) and git_names.is_commit_sha(before)):
        raise BadRequest("push payload with an invalid `before` commit")
    head = payload.get("head_commit")
    message = _text(head.get("message")) if isinstance(head, dict) else ""
    return Push(repository, ref, before or "", after, deleted, clean_text(message))


def read_pull_request(payload: dict[str, Any]) -> PullRequest:
    pr = payload.get("pull_request")
    number = payload.get("number")
    if not isinstance(pr, dict) or not isinstance(number, int) or isinstance(number, bool):
        raise BadRequest("pull_request payload without a pull request")
    if not 1 <= number <= MAX_PULL_REQUEST:
        raise BadRequest(f"pull request number out of range (1 to {MAX_PULL_REQUEST})")
    repository = repository_of(payload)
    head = _object(pr.get("head"))
    base = _object(pr.get("base"))
    action = _text(payload.get("action"))
    commit = _text(head.get("sha"))
    if action in PR_BUILD_ACTIONS and not git_names.is_commit_sha(commit):
        raise BadRequest("pull_request payload without a valid head sha")
    head_ref = _text(head.get("ref"))
    if head_ref and not git_names.valid_branch_name(head_ref):
        raise BadRequest("pull_request.head.ref: not a branch name git accepts")
    head_repo = _text(_object(head.get("repo")).get("full_name"))
    base_repo = _text(_object(base.get("repo")).get("full_name"))
    return PullRequest(
        repository=repository,
        action=clean_text(action[:100]),
        number=number,
        commit=commit,
        head_ref=head_ref,
        title=clean_text(_text(pr.get("title"))),
        from_fork=head_repo.lower() != base_repo.lower(),
    )


def read_other(payload: dict[str, Any]) -> OtherEvent:
    """Never refused: an event that builds nothing names its repository only to be recorded."""
    try:
        return OtherEvent(repository_of(payload))
    except BadRequest:
        return OtherEvent(None)


def clean_text(text: str) -> str:
    """Free text as it can be stored: bounded, without NUL or lone surrogates."""
    return _UNSTORABLE_RE.sub("\ufffd", text[:MAX_TEXT])


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
