"""The webhook intake on its own: duplicates, errors, hang-ups, and one delivery's failure."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.db.engine import create_engine, migrate, session_factory
from services.api.db.models import Deployment, WebhookDelivery
from services.api.errors import BadRequest
from services.api.intake import Delivery, DeliveryIntake

pytestmark = pytest.mark.anyio


@dataclass
class Done:
    message: str


async def handler(session: AsyncSession, d: Delivery) -> Done:
    if d.payload.get("bad"):
        raise BadRequest("a bad delivery")
    if d.payload.get("unstorable"):
        # A record the database refuses only at commit: its project does not exist.
        session.add(Deployment(id=f"x{d.id}".ljust(20, "0"), project_name="no-such-project"))
    return Done(f"recorded {d.id}")


async def test_duplicates_errors_and_a_hang_up_each_answer_alone(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    await migrate(engine)
    sessions = session_factory(engine)
    intake = DeliveryIntake(sessions, handler)
    # Everything is queued before the writer starts, so it is all waiting at once.
    waiters = [
        asyncio.create_task(intake.submit(Delivery(i, "push", p, "s")))
        for i, p in [("a", {}), ("a", {}), ("b", {"bad": True}), ("c", {}), ("gone", {})]
    ]
    await asyncio.sleep(0)
    waiters[-1].cancel()  # the client of "gone" hangs up before its delivery is written
    writer = asyncio.create_task(intake.run_forever())
    try:
        results = await asyncio.gather(*waiters, return_exceptions=True)
        again = await intake.submit(Delivery("a", "push", {}, "s"))
    finally:
        writer.cancel()
    assert results[0] == Done("recorded a")
    assert results[1] is None  # the same id twice, waiting together
    assert isinstance(results[2], BadRequest)
    assert results[3] == Done("recorded c")
    assert isinstance(results[4], asyncio.CancelledError)
    assert again is None  # already stored
    async with sessions() as session:
        stored = set(await session.scalars(select(WebhookDelivery.id)))
    assert stored == {"a", "c", "gone"}  # the hang-up did not lose its record
    await engine.dispose()


async def test_a_delivery_the_database_refuses_fails_alone(database_url: str) -> None:
    """On SQLite and PostgreSQL: its transaction rolls back; the others waiting are recorded."""
    engine = create_engine(database_url)
    await migrate(engine)
    sessions = session_factory(engine)
    intake = DeliveryIntake(sessions, handler)
    payloads = [{"unstorable": n == 3} for n in range(8)]
    waiters = [
        asyncio.create_task(intake.submit(Delivery(f"d{n}", "push", p, "s")))
        for n, p in enumerate(payloads)
    ]
    await asyncio.sleep(0)
    writer = asyncio.create_task(intake.run_forever())
    try:
        results = await asyncio.gather(*waiters, return_exceptions=True)
    finally:
        writer.cancel()
    assert isinstance(results[3], IntegrityError)
    assert [r for n, r in enumerate(results) if n != 3] == [
        Done(f"recorded d{n}") for n in range(8) if n != 3
    ]
    async with sessions() as session:
        stored = set(await session.scalars(select(WebhookDelivery.id)))
    assert stored == {f"d{n}" for n in range(8)} - {"d3"}
    await engine.dispose()
