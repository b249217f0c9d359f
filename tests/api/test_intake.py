"""The grouped webhook intake on its own: duplicates, errors and hang-ups within one group."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.db.engine import create_engine, migrate, session_factory
from services.api.db.models import WebhookDelivery
from services.api.errors import BadRequest
from services.api.intake import Delivery, DeliveryIntake

pytestmark = pytest.mark.anyio


@dataclass
class Done:
    message: str


async def handler(session: AsyncSession, d: Delivery) -> Done:
    if d.payload.get("bad"):
        raise BadRequest("a bad delivery")
    return Done(f"recorded {d.id}")


async def test_group_with_duplicates_errors_and_a_hang_up(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await migrate(engine)
    sessions = session_factory(engine)
    intake = DeliveryIntake(sessions, handler)
    # Everything is queued before the writer starts, so it all lands in one group.
    waiters = [
        asyncio.create_task(intake.submit(Delivery(i, "push", p, "s")))
        for i, p in [("a", {}), ("a", {}), ("b", {"bad": True}), ("c", {}), ("gone", {})]
    ]
    await asyncio.sleep(0)
    waiters[-1].cancel()  # the client of "gone" hangs up before its group is written
    writer = asyncio.create_task(intake.run_forever())
    try:
        results = await asyncio.gather(*waiters, return_exceptions=True)
        again = await intake.submit(Delivery("a", "push", {}, "s"))
    finally:
        writer.cancel()
    assert results[0] == Done("recorded a")
    assert results[1] is None  # the same id twice in one group
    assert isinstance(results[2], BadRequest)
    assert results[3] == Done("recorded c")
    assert isinstance(results[4], asyncio.CancelledError)
    assert again is None  # already stored
    async with sessions() as session:
        stored = set(await session.scalars(select(WebhookDelivery.id)))
    assert stored == {"a", "c", "gone"}  # the hang-up did not lose its record
    await engine.dispose()
