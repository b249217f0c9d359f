"""A deployment's lifecycle: its states, what starts it, and every change of state.

    queued ──claim──▶ building ──finish──▶ ready | failed | canceled
       │                 │ ▲
       └──cancel──▶ canceled   └─requeue (a claim whose run never started)

Each change is one compare-and-set UPDATE (`WHERE status = <from>`): of two writers racing,
one changes the row and the other changes nothing and learns so from the row count, so
finishing, claiming or canceling twice is harmless. Nothing else writes `Deployment.status`.
Which ready deployment serves production is services/api/production.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.core.deployment_states import ACTIVE, FINAL, Status

from .db.models import Deployment

__all__ = ["ACTIVE", "FINAL", "Status", "Trigger"]


# What created a deployment; an automatic promotion is recorded as `auto:<trigger>`.
Trigger = Literal["api", "push", "pull_request", "dashboard", "hook"]


def now() -> datetime:
    return datetime.now(UTC)


async def _compare_and_set(
    session: AsyncSession, where: ColumnElement[bool], before: Status, **values: Any
) -> int:
    result = await session.execute(
        update(Deployment)
        .where(where & (Deployment.status == before))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def claim(session: AsyncSession, deployment_id: str) -> bool:
    """queued → building, counting the attempt."""
    return bool(
        await _compare_and_set(
            session,
            Deployment.id == deployment_id,
            Status.QUEUED,
            status=Status.BUILDING,
            started_at=now(),
            attempts=Deployment.attempts + 1,
        )
    )


async def record_handle(session: AsyncSession, deployment_id: str, handle: str) -> bool:
    """Remember which builder run carries a building deployment."""
    return bool(
        await _compare_and_set(
            session, Deployment.id == deployment_id, Status.BUILDING, builder_handle=handle
        )
    )


async def requeue_unstarted(session: AsyncSession, deployment_id: str) -> bool:
    """building → queued, only while no run is known to carry it."""
    return bool(
        await _compare_and_set(
            session,
            (Deployment.id == deployment_id) & Deployment.builder_handle.is_(None),
            Status.BUILDING,
            status=Status.QUEUED,
            started_at=None,
        )
    )


async def finish(
    session: AsyncSession,
    deployment_id: str,
    status: Literal[Status.READY, Status.FAILED, Status.CANCELED],
    reason: str | None,
    error: str | None,
    **extra: int,
) -> bool:
    """building → a final state; False when another writer finished it first."""
    return bool(
        await _compare_and_set(
            session,
            Deployment.id == deployment_id,
            Status.BUILDING,
            status=status,
            reason=reason,
            error=error,
            finished_at=now(),
            **extra,
        )
    )


async def cancel(session: AsyncSession, which: ColumnElement[bool], error: str) -> None:
    """Cancel the matching deployments: queued ones at once, building ones are asked to stop
    (the dispatcher stops the run and finishes them as canceled)."""
    await _compare_and_set(
        session,
        which,
        Status.QUEUED,
        status=Status.CANCELED,
        reason="canceled",
        error=error,
        finished_at=now(),
    )
    await _compare_and_set(session, which, Status.BUILDING, cancel_requested=True, error=error)


def mark_skipped(d: Deployment, why: str) -> None:
    """A new deployment that is never built (a skip marker in the commit message)."""
    d.status = Status.CANCELED
    d.reason = "skipped"
    d.error = why
    d.finished_at = d.created_at
