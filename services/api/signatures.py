"""Which secret signed a webhook body: checked off the event loop, against few secrets.

Hashing a 25 MB body takes tens of milliseconds per secret, so it runs in a worker thread
(hashlib releases the GIL), and only against the secrets the body's repository maps to: those
of the projects using it, usually one. To know the repository before the signature matches,
`repository.full_name` alone is read from the raw bytes (msgspec skips everything else
without building it); nothing else of the body is looked at, and nothing is acted on, until
an HMAC over those same raw bytes matches. The repository is read even when no signature
came, so that a refusal is recorded for the projects using it (services/api/delivery_records.py).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qs

import msgspec
from anyio import to_thread
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.core import git_names

from .db.models import Project


class _Repository(msgspec.Struct):
    full_name: str | None = None


class _RepositoryOnly(msgspec.Struct):
    repository: _Repository | None = None


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def repository_named(body: bytes, content_type: str) -> str | None:
    """`repository.full_name` of a JSON or form body; None when there is none to read."""
    try:
        raw = body
        if content_type.startswith("application/x-www-form-urlencoded"):
            raw = parse_qs(body.decode("utf-8"))["payload"][-1].encode()
        found = msgspec.json.decode(raw, type=_RepositoryOnly)
    except (msgspec.DecodeError, UnicodeError, KeyError, ValueError):
        return None
    return found.repository.full_name if found.repository else None


async def secrets_for(
    session: AsyncSession, repository: str | None, global_secret: str
) -> list[str]:
    """The secrets the repository's projects trust: each one's own, or the platform's.

    A repository no project uses (or none named) has the platform's secret alone.
    """
    if repository is None or not git_names.valid_github_repo(repository):
        return [global_secret]
    own = await session.scalars(
        select(Project.webhook_secret)
        .where(func.lower(Project.github_repo) == repository.lower())
        .distinct()
    )
    return sorted({secret or global_secret for secret in own}) or [global_secret]


@dataclass(frozen=True)
class SignatureCheck:
    repository: str | None  # as the body names it, read before any signature matched
    secret: str | None  # the secret whose HMAC the signature is; None when none's is


async def check_signature(
    sessions: async_sessionmaker[AsyncSession],
    global_secret: str,
    body: bytes,
    content_type: str,
    header: str | None,
) -> SignatureCheck:
    """The body's repository, and which of the secrets it maps to signed `body` as `header`."""
    repository = await to_thread.run_sync(repository_named, body, content_type)
    if not header or not header.startswith("sha256="):
        return SignatureCheck(repository, None)
    async with sessions() as session:
        candidates = await secrets_for(session, repository, global_secret)
    return SignatureCheck(
        repository, await to_thread.run_sync(_first_match, candidates, body, header)
    )


def _first_match(candidates: list[str], body: bytes, header: str) -> str | None:
    for secret in candidates:
        if signature_matches(secret, body, header):
            return secret
    return None
