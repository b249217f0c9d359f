"""Webhook deliveries recorded one at a time, each in its own transaction.

Writer tasks take the deliveries in the order they arrive. Each delivery gets its own
session and transaction: whatever fails while recording one (bad data the checks missed, a
lost connection) rolls back that delivery alone and answers its request alone; the next one
starts clean. SQLite gets one writer (its writers would only queue on its lock, or fail to
upgrade a read to a write); PostgreSQL a few, as a transaction there mostly waits on round
trips.
A delivery id already stored is a duplicate; should the commit still meet it (another
replica recorded it meanwhile), the database's primary key has the last word.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .db.models import WebhookDelivery, utcnow

log = logging.getLogger("slipway.intake")
POSTGRES_WRITERS = 4


@dataclass
class Delivery:
    id: str
    event: str
    payload: Any  # the event as read from the body, for the handler
    secret: str
    received_at: datetime = field(default_factory=utcnow)
    # Set to the handler's outcome, None for a duplicate, or the exception it raised.
    answer: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


# Turns one delivery into its records in the given session (no commit), and says what it did.
# Whatever it raises undoes that delivery's records only.
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
        async with anyio.create_task_group() as writers:
            for _ in range(self._writers()):
                writers.start_soon(self._write_forever)

    def _writers(self) -> int:
        bind = self.sessions.kw.get("bind")
        return POSTGRES_WRITERS if bind is not None and bind.dialect.name == "postgresql" else 1

    async def _write_forever(self) -> None:
        while True:
            delivery = await self._queue.get()
            try:
                _settle(delivery, await self._record(delivery))
            except Exception as exc:  # this delivery's failure, answered to its request only
                _settle(delivery, exc)

    async def _record(self, d: Delivery) -> Any:
        try:
            async with self.sessions() as session, session.begin():
                if await session.get(WebhookDelivery, d.id) is not None:
                    return None
                outcome = await self.handler(session, d)
                session.add(
                    WebhookDelivery(id=d.id, event=d.event[:64], outcome=outcome.message[:255])
                )
        except IntegrityError:
            if await self._stored(d.id):
                return None  # recorded by another replica since we looked
            raise
        return outcome

    async def _stored(self, delivery_id: str) -> bool:
        async with self.sessions() as session:
            return await session.get(WebhookDelivery, delivery_id) is not None


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
