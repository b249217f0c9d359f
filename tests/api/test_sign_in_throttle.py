"""Failed sign-ins are throttled per client address, over real HTTP: the bearer guard of
`/api/*` and the dashboard's sign-in form count together; other addresses are unaffected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.api.throttle import FailureThrottle
from tests.cli.live import LiveApi, live_api

LIMIT = FailureThrottle().limit


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LiveApi]:
    with live_api(tmp_path) as live:
        yield live


def from_address(address: str, token: str | None = None) -> dict[str, str]:
    # The test's peer is loopback, as a load balancer's is private: the last entry is the client.
    headers = {"X-Forwarded-For": f"203.0.113.99, {address}"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def test_token_guesses_from_one_address_get_429_and_others_are_unaffected(api: LiveApi) -> None:
    with httpx.Client(base_url=api.url, timeout=30) as http:
        guesses = [
            http.get("/api/projects", headers=from_address("198.51.100.7", f"guess-{n}"))
            for n in range(LIMIT)
        ]
        assert [r.status_code for r in guesses] == [401] * LIMIT
        throttled = http.get("/api/projects", headers=from_address("198.51.100.7", "guess-x"))
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        assert throttled.json()["error"] == "too_many_requests"
        # Even the right token waits: guessing from here has to stop, not just fail.
        right_but_late = http.get("/api/projects", headers=from_address("198.51.100.7", api.token))
        assert right_but_late.status_code == 429
        # Another client is never slowed by someone else's guesses.
        other = http.get("/api/projects", headers=from_address("198.51.100.8", api.token))
        assert other.status_code == 200
        wrong_elsewhere = http.get("/api/projects", headers=from_address("198.51.100.9", "nope"))
        assert wrong_elsewhere.status_code == 401


def test_dashboard_sign_in_failures_count_with_the_api_and_answer_429(api: LiveApi) -> None:
    with httpx.Client(base_url=api.url, timeout=30, follow_redirects=False) as http:
        address = from_address("198.51.100.20")
        attempts = [
            http.post("/dashboard/login", data={"token": f"guess-{n}"}, headers=address)
            for n in range(LIMIT - 1)
        ]
        assert [r.status_code for r in attempts] == [401] * (LIMIT - 1)
        last_api_guess = http.get("/api/projects", headers=from_address("198.51.100.20", "x"))
        assert last_api_guess.status_code == 401
        refused = http.post("/dashboard/login", data={"token": api.token}, headers=address)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert "Too many failed sign-ins" in refused.text
        elsewhere = from_address("198.51.100.21")
        signed_in = http.post("/dashboard/login", data={"token": api.token}, headers=elsewhere)
        assert signed_in.status_code == 303


def test_a_success_forgets_the_failures_of_its_address(api: LiveApi) -> None:
    with httpx.Client(base_url=api.url, timeout=30) as http:
        for _ in range(3):
            for n in range(LIMIT - 1):
                wrong = from_address("198.51.100.30", f"typo-{n}")
                assert http.get("/api/projects", headers=wrong).status_code == 401
            right = from_address("198.51.100.30", api.token)
            assert http.get("/api/projects", headers=right).status_code == 200


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_address_may_try_again_once_its_oldest_failure_leaves_the_window() -> None:
    clock = Clock()
    throttle = FailureThrottle(limit=3, window=60, clock=clock)
    for step in range(3):
        clock.now = 1000.0 + step * 10
        throttle.failed("a")
    assert throttle.retry_after("a") == 40  # the first failure, at 1000, leaves at 1060
    clock.now = 1060.0
    assert throttle.retry_after("a") is None
    throttle.failed("a")
    assert throttle.retry_after("a") == 10  # now the one at 1010 is the oldest


def test_memory_is_bounded_whatever_the_number_of_addresses() -> None:
    clock = Clock()
    throttle = FailureThrottle(limit=2, window=60, max_addresses=100, clock=clock)
    for n in range(10_000):
        throttle.failed(f"10.0.{n // 256}.{n % 256}")
        throttle.failed(f"10.0.{n // 256}.{n % 256}")
    assert len(throttle) == 100
    assert throttle.retry_after("10.0.39.15") == 60  # the most recent are the ones kept
    assert throttle.retry_after("10.0.0.0") is None
    clock.now += 61
    assert [throttle.retry_after(f"10.0.39.{n}") for n in range(6, 16)] == [None] * 10
    assert len(throttle) == 90  # expired failures are dropped as they are read
