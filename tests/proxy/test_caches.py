from __future__ import annotations

from dataclasses import dataclass

import anyio
import pytest

from services.proxy.caches import ByteBudgetCache, LoadingCache

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_concurrent_misses_share_one_load() -> None:
    loads: list[str] = []
    release = anyio.Event()

    async def loader(key: str) -> str:
        loads.append(key)
        await release.wait()
        return key.upper()

    cache: LoadingCache[str, str] = LoadingCache(loader, ttl=10, max_entries=10)
    results: list[str] = []

    async def ask() -> None:
        results.append(await cache.get("a"))

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(ask)
        await anyio.sleep(0.01)
        release.set()
    assert loads == ["a"]
    assert results == ["A"] * 20


async def test_ttl_expiry_reloads_and_none_is_cached() -> None:
    clock = Clock()
    answers = iter([None, "v2"])
    calls = 0

    async def loader(key: str) -> str | None:
        nonlocal calls
        calls += 1
        return next(answers)

    cache: LoadingCache[str, str | None] = LoadingCache(
        loader, ttl=1.0, max_entries=10, clock=clock
    )
    assert await cache.get("k") is None
    clock.now = 0.9
    assert await cache.get("k") is None
    assert calls == 1
    assert cache.peek("k") is not None
    clock.now = 1.0
    assert cache.peek("k") is None
    assert await cache.get("k") == "v2"
    assert calls == 2


async def test_failed_load_is_not_cached() -> None:
    attempts = 0

    async def loader(key: str) -> str:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise OSError("storage down")
        return "ok"

    cache: LoadingCache[str, str] = LoadingCache(loader, ttl=None, max_entries=10)
    with pytest.raises(OSError, match="storage down"):
        await cache.get("k")
    assert await cache.get("k") == "ok"


async def test_entries_are_bounded_least_recently_used_first() -> None:
    async def loader(key: int) -> int:
        return key

    cache: LoadingCache[int, int] = LoadingCache(loader, ttl=None, max_entries=3)
    for key in (1, 2, 3):
        await cache.get(key)
    assert cache.peek(1) is not None  # 1 is now the most recently used
    await cache.get(4)
    assert len(cache) == 3
    assert cache.peek(2) is None
    assert cache.peek(1) is not None


@dataclass(frozen=True)
class Blob:
    weight: int


def test_byte_budget_evicts_oldest_and_refuses_huge_values() -> None:
    cache: ByteBudgetCache[str, Blob] = ByteBudgetCache(800)
    assert cache.put("a", Blob(100))
    assert cache.put("b", Blob(100))
    assert not cache.put("huge", Blob(101))  # more than an eighth of the budget
    for key in "cdefgh":
        cache.put(key, Blob(100))
    assert cache.used == 800
    assert cache.get("a") is not None  # touched: now the newest
    cache.put("i", Blob(100))
    assert cache.get("b") is None
    assert cache.get("a") is not None
    assert cache.used <= cache.budget
    cache.put("a", Blob(50))  # replacing a key frees its old weight
    assert cache.used == 750


async def test_recently_expired_entries_are_served_while_one_reload_runs() -> None:
    clock = Clock()
    versions = iter(["v1", "v2"])
    release = anyio.Event()

    async def loader(key: str) -> str:
        value = next(versions)
        if value == "v2":
            await release.wait()
        return value

    cache: LoadingCache[str, str] = LoadingCache(loader, ttl=1.0, max_entries=10, clock=clock)
    assert await cache.get("k") == "v1"
    clock.now = 1.2
    assert cache.peek("k") is None  # plain peeks never serve stale entries
    for _ in range(3):  # within the grace: the old value, one reload started
        entry = cache.peek("k", stale_for=0.5)
        assert entry is not None
        assert entry.value == "v1"
    clock.now = 1.6
    assert cache.peek("k", stale_for=0.5) is None  # past the grace: callers must wait
    release.set()
    assert await cache.get("k") == "v2"
    assert cache.peek("k") is not None


async def test_a_failed_reload_keeps_the_value_held_when_asked() -> None:
    clock = Clock()
    outcomes: list[str | Exception] = ["v1", OSError("down"), OSError("down"), "v2"]

    async def loader(key: str) -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    cache: LoadingCache[str, str] = LoadingCache(
        loader, ttl=1.0, max_entries=10, keep_on=(OSError,), clock=clock
    )
    assert await cache.get("k") == "v1"
    clock.now = 1.5
    assert await cache.get("k") == "v1"  # storage down: the held value, for another TTL
    assert cache.peek("k") is not None
    clock.now = 3.0
    assert await cache.get("k") == "v1"
    clock.now = 4.5
    assert await cache.get("k") == "v2"
    outcomes.append(OSError("down"))
    with pytest.raises(OSError, match="down"):  # nothing held for a new key: it fails
        await cache.get("other")
