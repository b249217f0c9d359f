"""Webhook deliveries recorded in groups: one transaction for every delivery waiting.

Under a burst, the cost of a delivery is mostly its transaction, not its statements; one
writer task takes all the deliveries queued at that moment and records them together. A
delivery id already stored (or repeated in the group) is a duplicate. Should the commit still
meet a duplicate (another replica recorded it meanwhile), every delivery of the group is
recorded again alone, so the database's primary key keeps the last word.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .db.models import WebhookDelivery
from .errors import ApiError

log = logging.getLogger("slipway.intake")
MAX_GROUP = 256


@dataclass
class Delivery:
    id: str
    event: str
    payload: dict[str, Any]
    secret: str
    # Set to the handler's outcome, None for a duplicate, or the handler's ApiError.
    answer: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


# Turns one delivery into its records in the given session (no commit), and says what it did.
# It must raise ApiError only before it has added anything to the session.
Handler = Callable[[AsyncSession, Delivery], Awaitable[Any]]


class DeliveryIntake:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], handler: Handler) -> None:
        self.sessions = sessions
        self.handler = handler
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()

    async def submit(self, delivery: Delivery) -> Any:
        """Queue a delivery and wait for its outcome (None when it was already received).

        A client that hangs up does not cancel the recording: its delivery is still recorded.
        """
        delivery.answer.add_done_callback(_observe)
        await self._queue.put(delivery)
        return await asyncio.shield(delivery.answer)

    async def run_forever(self) -> None:
        while True:
            group = [await self._queue.get()]
            while len(group) < MAX_GROUP and not self._queue.empty():
                group.append(self._queue.get_nowait())
            try:
                await self._record_group(group)
            except Exception as exc:  # the database is down: every waiting request says so
                for d in group:
                    _settle(d, exc)

    async def _record_group(self, group: list[Delivery]) -> None:
        seen: set[str] = set()
        unique = []
        for d in group:
            if d.id in seen:
                _settle(d, None)
            else:
                seen.add(d.id)
                unique.append(d)
        outcomes: list[tuple[Delivery, Any]] = []
        try:
            async with self.sessions() as session, session.begin():
                stored = set(
                    await session.scalars(
                        select(WebhookDelivery.id).where(WebhookDelivery.id.in_(list(seen)))
                    )
                )
                for d in unique:
                    if d.id in stored:
                        outcomes.append((d, None))
                        continue
                    try:
                        outcome = await self.handler(session, d)
                    except ApiError as exc:
                        outcomes.append((d, exc))
                        continue
                    session.add(
                        WebhookDelivery(id=d.id, event=d.event[:64], outcome=outcome.message[:255])
                    )
                    outcomes.append((d, outcome))
        except IntegrityError:
            log.info("a delivery of this group was recorded elsewhere; recording each alone")
            for d in unique:
                await self._record_alone(d)
            return
        for d, outcome in outcomes:
            _settle(d, outcome)

    async def _record_alone(self, d: Delivery) -> None:
        try:
            async with self.sessions() as session, session.begin():
                outcome = await self.handler(session, d)
                session.add(
                    WebhookDelivery(id=d.id, event=d.event[:64], outcome=outcome.message[:255])
                )
        except IntegrityError:
            _settle(d, None)
        except Exception as exc:
            _settle(d, exc)
        else:
            _settle(d, outcome)


def _settle(d: Delivery, outcome: Any) -> None:
    """Answer a waiting request once: an outcome, None for a duplicate, or an exception."""
    if d.answer.done():
        return
    if isinstance(outcome, BaseException):
        d.answer.set_exception(outcome)
    else:
        d.answer.set_result(outcome)


def _observe(answer: asyncio.Future[Any]) -> None:
    """Mark an exception as seen even when its request has gone away."""
    if not answer.cancelled():
        answer.exception()
