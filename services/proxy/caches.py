"""In-process caches: loaded values (single-flight, TTL) and ready responses (byte cap)."""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(slots=True)
class Entry(Generic[V]):
    value: V
    expires: float


class LoadingCache(Generic[K, V]):
    """Values loaded on demand, kept `ttl` seconds (None: until evicted), LRU-bounded.

    Concurrent callers asking for the same missing key share one load, so an expiring
    route under load costs one storage read, not one per request. When a reload fails with
    one of `keep_on`, the value already held is kept for another `ttl` (stale-if-error).
    """

    def __init__(
        self,
        loader: Callable[[K], Awaitable[V]],
        *,
        ttl: float | None,
        max_entries: int,
        keep_on: tuple[type[Exception], ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._loader = loader
        self._keep_on = keep_on
        self._ttl = math.inf if ttl is None else ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[K, Entry[V]] = OrderedDict()
        self._loading: dict[K, asyncio.Future[V]] = {}

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
        self._entries.move_to_end(key)
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
        self._entries[key] = Entry(value, self._clock() + self._ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


def _retrieve_error(done: asyncio.Future[Any]) -> None:
    """A background reload that failed is retried by the next caller; its error is dropped."""
    if not done.cancelled():
        done.exception()


class Weighted(Protocol):
    @property
    def weight(self) -> int: ...


W = TypeVar("W", bound=Weighted)


class ByteBudgetCache(Generic[K, W]):
    """Least-recently-used values whose total weight stays under `budget` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.used = 0
        self._entries: OrderedDict[K, W] = OrderedDict()

    def get(self, key: K) -> W | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key: K, value: W) -> bool:
        """Keep `value` unless it alone would take more than an eighth of the budget."""
        weight = value.weight
        if weight > self.budget // 8:
            return False
        old = self._entries.pop(key, None)
        if old is not None:
            self.used -= old.weight
        while self._entries and self.used + weight > self.budget:
            _, evicted = self._entries.popitem(last=False)
            self.used -= evicted.weight
        self._entries[key] = value
        self.used += weight
        return True

    def __len__(self) -> int:
        return len(self._entries)
