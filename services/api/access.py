"""Who may do what through `/api/*`: the admin token, and tokens narrower than it.

A scoped token is `slw_<id>_<secret>`: the id finds its row, the secret is compared with
the stored hash in constant time. Its role says what it may do, its project (if any)
where:
- `read`: every GET;
- `deploy`: also deploy, cancel, promote and roll back;
- `admin`: everything; a project's admin token changes only its project, and never creates
  projects, collects garbage or manages tokens, which need an admin token of every project.
The admin token (`SLIPWAY_API_TOKEN`) is an admin of every project, as it always was.
Secrets are 32 random bytes, so a plain SHA-256 of them is as strong as a slow hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum

from sqlalchemy import select, update

from services.core.token_format import parse_token

from .db.models import ApiToken, Deployment, utcnow
from .errors import Forbidden

# A token's last use is written at most this often: not one write per request.
LAST_USED_EVERY = timedelta(minutes=1)


class Role(IntEnum):
    READ = 1
    DEPLOY = 2
    ADMIN = 3

    @classmethod
    def named(cls, name: str) -> Role:
        return cls[name.upper()]

    @property
    def label(self) -> str:
        return self.name.lower()


ROLE_NAMES = tuple(role.label for role in Role)


@dataclass(frozen=True)
class Principal:
    """What a request's token may do: its role, and its one project or None for all."""

    role: Role
    project: str | None
    token_id: str | None  # None: the admin token

    def check(self, needed: Role, project: str | None) -> None:
        if self.role < needed:
            raise Forbidden(
                f"this token's role is {self.role.label}; this needs {needed.label} or above"
            )
        if self.project is None:
            return
        if project is None:
            raise Forbidden(
                f"this token is scoped to project {self.project!r}: it cannot act on "
                "every project, only under /api/projects/" + self.project
            )
        if project != self.project:
            raise Forbidden(f"this token is scoped to project {self.project!r}, not {project!r}")


ADMIN = Principal(Role.ADMIN, None, None)


def new_secret() -> tuple[str, str, str]:
    """(id, secret, the secret's hash) for a new token or hook."""
    token_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    secret = secrets.token_urlsafe(32)
    return token_id, secret, secret_hash(secret)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(stored_hash: str, presented: str) -> bool:
    return hmac.compare_digest(stored_hash, secret_hash(presented))


async def scoped_principal(sessions: object, presented: str) -> Principal | None:
    """The principal of a scoped token, or None when it is not a live one."""
    parsed = parse_token(presented)
    if parsed is None:
        return None
    token_id, secret = parsed
    async with sessions() as session:  # type: ignore[operator]
        row = await session.get(ApiToken, token_id)
        if row is None or not secret_matches(row.secret_hash, secret):
            return None
        now = utcnow()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
            await session.execute(
                update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
            )
            await session.commit()
        return Principal(Role.named(row.role), row.project_name, row.id)


async def project_of_deployment(sessions: object, deployment_id: str) -> str | None:
    async with sessions() as session:  # type: ignore[operator]
        found: str | None = await session.scalar(
            select(Deployment.project_name).where(Deployment.id == deployment_id)
        )
        return found
