"""In-process caches, each bounded by an estimate of the bytes it holds.

`LoadingCache`: values loaded on demand (single-flight, TTL). `ByteBudgetCache`: the LRU
underneath it, and the ready-response cache. Every entry is weighed once, when it is put,
by a function that estimates what it holds in memory, key included.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ByteBudgetCache(Generic[K, V]):
    """Least-recently-used values whose total weight stays within `budget` bytes.

    `weigh(key, value)` is called once per put; a value heavier than `largest` (default:
    the whole budget) is not kept, and replaces nothing.
    """

    def __init__(
        self, budget: int, weigh: Callable[[K, V], int], *, largest: int | None = None
    ) -> None:
        self.budget = budget
        self.largest = budget if largest is None else largest
        self.used = 0
        self._weigh = weigh
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def get(self, key: K) -> V | None:
        kept = self._entries.get(key)
        if kept is None:
            return None
        self._entries.move_to_end(key)
        return kept[0]

    def put(self, key: K, value: V) -> bool:
        """Keep `value` unless it weighs more than `largest`; False when it was not kept."""
        self.discard(key)
        weight = self._weigh(key, value)
        if weight > self.largest:
            return False
        while self._entries and self.used + weight > self.budget:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.used -= evicted
        self._entries[key] = (value, weight)
        self.used += weight
        return True

    def discard(self, key: K) -> None:
        kept = self._entries.pop(key, None)
        if kept is not None:
            self.used -= kept[1]

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(slots=True)
class Entry(Generic[V]):
    value: V
    expires: float


class LoadingCache(Generic[K, V]):
    """Values loaded on demand, kept `ttl` seconds (None: until evicted) within a byte budget.

    Concurrent callers asking for the same missing key share one load, so an expiring
    route under load costs one storage read, not one per request. When a reload fails with
    one of `keep_on`, the value already held is kept for another `ttl` (stale-if-error).
    A value that alone weighs more than the budget is handed to its callers but not kept.
    """

    def __init__(
        self,
        loader: Callable[[K], Awaitable[V]],
        *,
        ttl: float | None,
        budget: int,
        weigh: Callable[[K, V], int],
        keep_on: tuple[type[Exception], ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader = loader
        self._keep_on = keep_on
        self._ttl = math.inf if ttl is None else ttl
        self._clock = clock
        self._entries: ByteBudgetCache[K, Entry[V]] = ByteBudgetCache(
            budget, lambda key, entry: weigh(key, entry.value)
        )
        self._loading: dict[K, asyncio.Future[V]] = {}

    @property
    def used(self) -> int:
        return self._entries.used

    def peek(self, key: K, *, stale_for: float = 0.0) -> Entry[V] | None:
        """The entry for `key` without waiting for a load.

        An entry expired less than `stale_for` seconds ago is returned as well, while one
        reload runs in the background: hot keys never make requests wait at expiry.
        """
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self._clock()
        if entry.expires <= now:
            if entry.expires + stale_for <= now:
                return None
            self._refresh(key)
        return entry

    def _refresh(self, key: K) -> asyncio.Future[V]:
        pending = self._loading.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._load(key))
            pending.add_done_callback(_retrieve_error)
            self._loading[key] = pending
        return pending

    async def get(self, key: K) -> V:
        entry = self.peek(key)
        if entry is not None:
            return entry.value
        # A caller that goes away must not cancel the load the others wait for.
        return await asyncio.shield(self._refresh(key))

    async def _load(self, key: K) -> V:
        try:
            value = await self._loader(key)
        except self._keep_on:
            held = self._entries.get(key)
            if held is None:
                raise
            value = held.value
        finally:
            self._loading.pop(key, None)
        self._entries.put(key, Entry(value, self._clock() + self._ttl))
        return value

    def __len__(self) -> int:
        return len(self._entries)


def _retrieve_error(done: asyncio.Future[Any]) -> None:
    """A background reload that failed is retried by the next caller; its error is dropped."""
    if not done.cancelled():
        done.exception()
