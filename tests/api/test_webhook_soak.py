"""Webhook soak: 1,000 signed deliveries at once, a tenth of them hostile, over real HTTP.

The api runs on a loopback port (uvicorn, in a thread of this process) on SQLite and on
PostgreSQL, without its dispatcher: building 900 sites would take minutes, so what is
asserted is the queue, read from the database itself: exactly one queued deployment per
legitimate delivery, and nothing for any other. The hostile deliveries are all correctly
signed: inputs out of bounds (400), copies of a legitimate delivery id sent at the same
moment (one of each pair recorded, the other answered as a duplicate), and old bodies sent
again under new ids after the first wave (answered as replays). No answer may be a 5xx.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.api.db.engine import create_engine
from services.api.db.models import Deployment, WebhookDelivery
from tests.api.conftest import TOKEN, make_settings, push_payload, sign
from tests.support.api_server import serve_api

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

LEGITIMATE = 900
COPIES = 20  # legitimate delivery ids sent twice at once
REPLAYS = 20  # legitimate bodies sent again, under new ids, after the first wave
CONNECTIONS = 48


@dataclass
class Sent:
    delivery: str
    event: str
    body: bytes


def legitimate(n: int) -> Sent:
    # Names of every shape: plain, with slashes, upper case and dots (lookalike slugs).
    branch = [f"b{n}", f"feature/{n}", f"FIX.{n}", f"fix-{n}"][n % 4]
    message = "change \x00 with a NUL" if n % 50 == 0 else f"change {n}"
    payload = push_payload(branch=branch, after=f"{n + 1:040x}", message=message)
    return Sent(str(uuid.uuid4()), "push", json.dumps(payload).encode())


def _pull_request(number: object) -> dict[str, Any]:
    head = {"sha": "d" * 40, "ref": "feature", "repo": {"full_name": "acme/site"}}
    return {
        "action": "opened",
        "number": number,
        "repository": {"full_name": "acme/site"},
        "pull_request": {"title": "t", "head": head, "base": {"repo": head["repo"]}},
    }


def hostile_inputs() -> list[Sent]:
    """Signed, and each refused with a 400 before the database sees it."""
    bodies: list[tuple[str, bytes]] = [
        ("pull_request", json.dumps(_pull_request(2**31)).encode()),
        ("pull_request", json.dumps(_pull_request(10**30)).encode()),
        ("pull_request", b'{"number": ' + b"9" * 5000 + b"}"),
        ("push", json.dumps(push_payload(branch="b" * 311)).encode()),
        ("push", json.dumps(push_payload(branch="nul\x00name")).encode()),
        ("push", json.dumps(push_payload(branch="a..b")).encode()),
        ("push", json.dumps(push_payload(after="not-a-sha")).encode()),
        ("push", json.dumps(push_payload(before="f" * 39)).encode()),
        ("push", json.dumps(push_payload(repo="acme/" + "s" * 300)).encode()),
        ("push", b"{not json"),
    ]
    return [Sent(str(uuid.uuid4()), *bodies[n % len(bodies)]) for n in range(60)]


async def send(http: httpx.AsyncClient, sent: Sent) -> httpx.Response:
    headers = {
        "X-GitHub-Event": sent.event,
        "X-GitHub-Delivery": sent.delivery,
        "X-Hub-Signature-256": sign(sent.body),
        "Content-Type": "application/json",
    }
    return await http.post("/webhooks/github", content=sent.body, headers=headers)


async def send_all(http: httpx.AsyncClient, batch: list[Sent]) -> list[httpx.Response]:
    """All at once, CONNECTIONS in flight: more waiting in httpx's pool costs it quadratic time."""
    in_flight = asyncio.Semaphore(CONNECTIONS)

    async def bounded(sent: Sent) -> httpx.Response:
        async with in_flight:
            return await send(http, sent)

    return list(await asyncio.gather(*(bounded(s) for s in batch)))


async def queued_per_delivery(database_url: str) -> tuple[Counter[str], Counter[str], set[str]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Deployment.delivery_id, Deployment.status, func.count()).group_by(
                    Deployment.delivery_id, Deployment.status
                )
            )
            per_delivery: Counter[str] = Counter()
            statuses: Counter[str] = Counter()
            for delivery, status, count in rows:
                per_delivery[delivery] += count
                statuses[status] += count
            recorded = set(await conn.scalars(select(WebhookDelivery.id)))
    finally:
        await engine.dispose()
    return per_delivery, statuses, recorded


async def test_a_thousand_deliveries_a_tenth_hostile(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url)
    good = [legitimate(n) for n in range(LEGITIMATE)]
    copies = good[:COPIES]  # the same id and body again, sent in the same wave
    bad = hostile_inputs()
    replays = [Sent(str(uuid.uuid4()), s.event, s.body) for s in good[-REPLAYS:]]
    assert len(good) + len(copies) + len(bad) + len(replays) == 1000

    with serve_api(settings) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            http.headers["Authorization"] = f"Bearer {TOKEN}"
            created = await http.post(
                "/api/projects",
                json={"name": "site", "repo_url": "https://github.com/acme/site"},
            )
            assert created.status_code == 201, created.text
            first_wave = await send_all(http, good + copies + bad)
            second_wave = await send_all(http, replays)

    answers = first_wave + second_wave
    assert [a.text for a in answers if a.status_code >= 500] == []
    by_delivery: dict[str, list[tuple[int, str]]] = {}
    for sent, answer in zip(good + copies + bad + replays, answers, strict=True):
        by_delivery.setdefault(sent.delivery, []).append(
            (answer.status_code, answer.json().get("status") or answer.json().get("error"))
        )
    for sent in good[COPIES:]:
        assert by_delivery[sent.delivery] == [(202, "queued")]
    for sent in copies:
        assert sorted(by_delivery[sent.delivery]) == [(200, "duplicate"), (202, "queued")]
    for sent in bad:
        assert by_delivery[sent.delivery] == [(400, "bad_request")]
    for sent in replays:
        assert by_delivery[sent.delivery] == [(200, "replay")]

    per_delivery, statuses, recorded = await queued_per_delivery(database_url)
    assert per_delivery == Counter({sent.delivery: 1 for sent in good})
    assert statuses == Counter({"queued": LEGITIMATE})
    assert recorded == {s.delivery for s in good + replays}
