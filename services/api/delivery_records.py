"""Each project's recent webhook deliveries: recorded as they are answered, bounded on insert.

A delivery is recorded once for each project it speaks for: those using the repository it
names (`repository.full_name`) that trust the secret that signed it, or, when no secret did,
every project using that repository, so that a wrong or missing secret shows where the
operator looks. Rows are added in the transaction that writes the delivery's deployments
where there is one, so the list and the deployments agree.

Anyone can send an unsigned delivery naming a repository, so the table is bounded where
rows are added, in the same transaction: a project keeps its newest `KEPT` rows, and of
those at most `KEPT_UNSIGNED` refusals no secret signed. A flood neither grows the table nor
pushes out the record of what GitHub really sent. On PostgreSQL the writers of one project
take turns (an advisory lock, taken last and in name order, so it cannot deadlock), which
keeps the bound exact under concurrent writers; SQLite has one writer at a time anyway.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.delivery_outcomes import DeliveryOutcome

from .db.models import ProjectDelivery, utcnow
from .webhook_payloads import clean_text

KEPT = 50
KEPT_UNSIGNED = 10
MAX_REASON = 300
# What a header must be to be logged or stored: one short token, so no sender can forge a
# log line or fill a column with it.
_TOKEN_RE = re.compile(r"[A-Za-z0-9._:-]{1,100}")


def token(header: str) -> str | None:
    """A sender's header value when it is one well-formed token, else None."""
    return header if _TOKEN_RE.fullmatch(header) else None


@dataclass(frozen=True)
class Received:
    """What a delivery's headers say of it (each only when well-formed), and when it came."""

    delivery_id: str | None
    event: str | None
    at: datetime

    @classmethod
    def of(cls, delivery_header: str, event_header: str, at: datetime | None = None) -> Received:
        return cls(token(delivery_header), token(event_header), at or utcnow())


@dataclass(frozen=True)
class Result:
    """What came of a delivery for one project."""

    outcome: DeliveryOutcome
    status_code: int
    reason: str
    deployments: list[str] = field(default_factory=list)
    signed: bool = True  # False: a refusal no secret signed, which anyone may send


async def record(session: AsyncSession, received: Received, results: Mapping[str, Result]) -> None:
    """A row for each project (by name), then each project's oldest cut beyond the bounds."""
    names = sorted(results)
    for name in names:
        await _take_turn(session, name)
    session.add_all(_row(name, received, results[name]) for name in names)
    await session.flush()
    for name in names:
        if not results[name].signed:
            await _keep_newest(session, name, KEPT_UNSIGNED, ProjectDelivery.signed.is_(False))
        await _keep_newest(session, name, KEPT)


async def recent(session: AsyncSession, project: str, limit: int) -> Sequence[ProjectDelivery]:
    """The project's deliveries, newest first."""
    rows = await session.scalars(
        select(ProjectDelivery)
        .where(ProjectDelivery.project_name == project)
        .order_by(ProjectDelivery.id.desc())
        .limit(limit)
    )
    return rows.all()


def _row(project: str, received: Received, result: Result) -> ProjectDelivery:
    return ProjectDelivery(
        project_name=project,
        delivery_id=received.delivery_id,
        event=received.event or "",
        received_at=received.at,
        outcome=result.outcome,
        status_code=result.status_code,
        reason=clean_text(result.reason)[:MAX_REASON],
        deployments=list(result.deployments),
        signed=result.signed,
    )


async def _keep_newest(
    session: AsyncSession, project: str, keep: int, *only: ColumnElement[bool]
) -> None:
    """Delete the project's rows (those `only` selects) older than the newest `keep`."""
    which = [ProjectDelivery.project_name == project, *only]
    oldest_kept = (
        select(ProjectDelivery.id)
        .where(*which)
        .order_by(ProjectDelivery.id.desc())
        .offset(keep - 1)
        .limit(1)
        .scalar_subquery()
    )
    # Fewer rows than `keep`: the subquery is NULL, and nothing is below NULL.
    await session.execute(
        delete(ProjectDelivery)
        .where(*which, ProjectDelivery.id < oldest_kept)
        .execution_options(synchronize_session=False)
    )


async def _take_turn(session: AsyncSession, project: str) -> None:
    """Until the transaction ends, the project's rows are this writer's alone (PostgreSQL)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"project_deliveries\0{project}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
