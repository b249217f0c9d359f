from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import anyio
import pytest

from services.proxy.caches import ByteBudgetCache, LoadingCache

pytestmark = pytest.mark.anyio
V = TypeVar("V")


def one_each(key: object, value: object) -> int:
    """Every entry weighs 1: a budget of n keeps n entries."""
    return 1


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

    cache: LoadingCache[str, str] = LoadingCache(loader, ttl=10, budget=10, weigh=one_each)
    results = await asked_at_once(cache, "a", 20, release)
    assert loads == ["a"]
    assert results == ["A"] * 20


async def asked_at_once(
    cache: LoadingCache[str, V], key: str, times: int, release: anyio.Event
) -> list[V]:
    """What `times` concurrent gets of `key` answer, its load let go once all of them wait."""
    answers: list[V] = []

    async def ask() -> None:
        answers.append(await cache.get(key))

    async with anyio.create_task_group() as group:
        for _ in range(times):
            group.start_soon(ask)
        await anyio.sleep(0.01)
        release.set()
    return answers


async def test_ttl_expiry_reloads_and_none_is_cached() -> None:
    clock = Clock()
    answers = iter([None, "v2"])
    calls = 0

    async def loader(key: str) -> str | None:
        nonlocal calls
        calls += 1
        return next(answers)

    cache: LoadingCache[str, str | None] = LoadingCache(
        loader, ttl=1.0, budget=10, weigh=one_each, clock=clock
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

    cache: LoadingCache[str, str] = LoadingCache(loader, ttl=None, budget=10, weigh=one_each)
    with pytest.raises(OSError, match="storage down"):
        await cache.get("k")
    assert await cache.get("k") == "ok"


async def test_entries_are_bounded_least_recently_used_first() -> None:
    async def loader(key: int) -> int:
        return key

    cache: LoadingCache[int, int] = LoadingCache(loader, ttl=None, budget=3, weigh=one_each)
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


def blob_weight(key: str, blob: Blob) -> int:
    return blob.weight


def test_byte_budget_evicts_oldest_and_refuses_huge_values() -> None:
    cache: ByteBudgetCache[str, Blob] = ByteBudgetCache(800, blob_weight, largest=100)
    assert cache.put("a", Blob(100))
    assert cache.put("b", Blob(100))
    assert not cache.put("huge", Blob(101))  # more than `largest`
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

    cache: LoadingCache[str, str] = LoadingCache(
        loader, ttl=1.0, budget=10, weigh=one_each, clock=clock
    )
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
        loader, ttl=1.0, budget=10, weigh=one_each, keep_on=(OSError,), clock=clock
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


async def test_loaded_values_are_bounded_by_their_weight_least_recently_used_first() -> None:
    async def loader(key: str) -> Blob:
        return Blob(int(key.split("-")[1]))

    cache: LoadingCache[str, Blob] = LoadingCache(loader, ttl=None, budget=1000, weigh=blob_weight)
    for key in ("a-400", "b-300", "c-200"):
        await cache.get(key)
    assert cache.used == 900
    assert cache.peek("a-400") is not None  # now the most recently used
    await cache.get("d-350")  # 1250 bytes: b-300, the least recently used, goes
    assert cache.peek("b-300") is None
    assert [cache.peek(k) is not None for k in ("a-400", "c-200", "d-350")] == [True] * 3
    assert cache.used == 950
    await cache.get("e-1000")  # the whole budget: everything else goes
    assert len(cache) == 1
    assert cache.used == 1000


async def test_a_value_heavier_than_the_budget_is_loaded_once_served_and_not_kept() -> None:
    loads: list[str] = []
    release = anyio.Event()

    async def loader(key: str) -> Blob:
        loads.append(key)
        if key == "huge":
            await release.wait()
            return Blob(5000)
        return Blob(100)

    cache: LoadingCache[str, Blob] = LoadingCache(loader, ttl=None, budget=1000, weigh=blob_weight)
    await cache.get("small")
    served = await asked_at_once(cache, "huge", 10, release)
    assert loads == ["small", "huge"]
    assert served == [Blob(5000)] * 10
    assert cache.peek("huge") is None
    assert cache.peek("small") is not None  # nothing was evicted for it
    assert cache.used == 100
