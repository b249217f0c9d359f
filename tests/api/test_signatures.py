"""Signature checks: against the secrets of the body's repository only, off the event loop."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from litestar.testing import AsyncTestClient

from services.api import signatures
from services.core.settings import Settings
from tests.api.conftest import TOKEN, make_settings, post_webhook, push_payload, sign
from tests.support.api_server import serve_api

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]
BIG = 24 * 1024 * 1024


class CountedChecks:
    """Wraps `signature_matches`: counts each HMAC, and can hold them until released."""

    def __init__(self, real: Callable[[str, bytes, str | None], bool], hold: bool) -> None:
        self.real = real
        self.calls = 0
        self.started = 0
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.lock = threading.Lock()

    def __call__(self, secret: str, body: bytes, header: str | None) -> bool:
        with self.lock:
            self.calls += 1
            self.started += 1
        self.release.wait(timeout=120)  # bounded: a stuck test fails instead of hanging
        return self.real(secret, body, header)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> CountedChecks:
    counted = CountedChecks(signatures.signature_matches, hold=False)
    monkeypatch.setattr(signatures, "signature_matches", counted)
    return counted


def big_body(repo: str) -> bytes:
    """A push naming `repo`, padded past 24 MB with commits, as a large real push is."""
    payload = push_payload(repo=repo)
    payload["commits"] = [{"id": "a" * 40, "message": "x" * 1000}] * (BIG // 1060)
    return json.dumps(payload).encode()


async def create_projects(client: httpx.AsyncClient | Client, count: int) -> None:
    for n in range(count):
        body = {
            "name": f"p{n}",
            "repo_url": f"https://github.com/acme/p{n}",
            "webhook_secret": f"secret-{n}",
        }
        response = await client.post("/api/projects", json=body)
        assert response.status_code == 201, response.text


async def test_a_body_is_checked_against_its_repositorys_secret_only(
    client: Client, checks: CountedChecks
) -> None:
    await create_projects(client, 41)
    unsigned = await post_webhook(client, push_payload(repo="acme/p7"), secret="wrong")
    assert (unsigned.status_code, checks.calls) == (401, 1)
    signed = await post_webhook(client, push_payload(repo="acme/p7"), secret="secret-7")
    assert (signed.status_code, checks.calls) == (202, 2)
    # A repository no project uses, or none named: the platform's secret alone.
    stranger = await post_webhook(client, push_payload(repo="acme/else"), secret="wrong")
    assert (stranger.status_code, checks.calls) == (401, 3)
    garbage = await post_webhook(client, b"not json at all", secret="wrong")
    assert (garbage.status_code, checks.calls) == (401, 4)


async def test_a_form_body_is_checked_against_its_repositorys_secret(
    client: Client, checks: CountedChecks
) -> None:
    await create_projects(client, 3)
    body = urlencode({"payload": json.dumps(push_payload(repo="acme/p1"))}).encode()
    form = "application/x-www-form-urlencoded"
    signed = await post_webhook(client, body, secret="secret-1", content_type=form)
    assert (signed.status_code, checks.calls) == (202, 1)


async def test_a_repository_shared_by_two_secrets_is_checked_against_both(
    client: Client, checks: CountedChecks
) -> None:
    for name, secret in [("own", "own-secret"), ("shared", "")]:
        body = {"name": name, "repo_url": "https://github.com/acme/site", "webhook_secret": secret}
        assert (await client.post("/api/projects", json=body)).status_code == 201
    response = await post_webhook(client, push_payload(), secret="wrong")
    assert (response.status_code, checks.calls) == (401, 2)


async def test_healthz_answers_while_big_unsigned_bodies_are_checked(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks are held inside their worker threads; /healthz must still answer."""
    held = CountedChecks(signatures.signature_matches, hold=True)
    monkeypatch.setattr(signatures, "signature_matches", held)
    settings: Settings = make_settings(tmp_path, database_url)
    bodies = [big_body(f"acme/p{n}") for n in range(3)]
    with serve_api(settings) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            http.headers["Authorization"] = f"Bearer {TOKEN}"
            await create_projects(http, 41)
            bad = [
                asyncio.create_task(
                    http.post(
                        "/webhooks/github",
                        content=body,
                        headers={
                            "X-GitHub-Event": "push",
                            "X-GitHub-Delivery": str(uuid.uuid4()),
                            "X-Hub-Signature-256": sign(body, "wrong"),
                        },
                    )
                )
                for body in bodies
            ]
            for _ in range(1200):  # until all three are inside their check; 60 s at most
                if held.started == len(bad):
                    break
                await asyncio.sleep(0.05)
            assert held.started == len(bad)
            health = await http.get("/healthz")
            in_flight = [not task.done() for task in bad]
            held.release.set()
            answers = await asyncio.gather(*bad)
    assert health.status_code == 200
    assert in_flight == [True] * len(bad)
    assert [a.status_code for a in answers] == [401] * len(bad)
    assert held.calls == len(bad)  # one secret each, of 41


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_past_25_mb_is_413_over_http(
    tmp_path: Path, chunked: bool, checks: CountedChecks
) -> None:
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    body = b" " * (25 * 1024 * 1024 + 1)
    content: Any = body
    if chunked:

        async def chunks() -> Any:
            for start in range(0, len(body), 1024 * 1024):
                yield body[start : start + 1024 * 1024]

        content = chunks()
    with serve_api(settings) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
            response = await http.post(
                "/webhooks/github",
                content=content,
                headers={"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(body)},
            )
    assert response.status_code == 413
    assert checks.calls == 0
