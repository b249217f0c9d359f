"""Who may see a password-protected preview: HTTP Basic credentials against a route's hash.

PBKDF2 is slow on purpose (about 0.14 s of one core per check), so each worker keeps the
cost bounded: verdicts are remembered, successes and failures alike, in an LRU keyed by
(hash, Authorization header); at most MAX_HASHING checks run at once, in threads off the
event loop, with at most MAX_WAITING more waiting for a slot. Anything beyond that is
BUSY (a 429) instead of a queue that grows without end. Concurrent requests carrying the
same unknown credentials (a browser fetching a page's assets) share one check.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import logging
from collections import OrderedDict
from collections.abc import Callable

from services.core.passwords import BadHash, acceptable_length, verify_password

log = logging.getLogger(__name__)

MAX_VERDICTS = 4096  # remembered per worker; each entry is at most ~0.7 KB
MAX_HASHING = 2  # checks running at once per worker: two cores' worth at most
MAX_WAITING = 8  # unknown credentials waiting for a slot before BUSY
# A longer Authorization header is refused without hashing: the password is at most 128
# characters, which leaves room for a user name of a few hundred.
MAX_AUTHORIZATION = 512

Key = tuple[str, bytes]


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"
    BUSY = "busy"  # too many unknown credentials at once: try again in a moment


class PreviewGate:
    def __init__(
        self,
        *,
        max_verdicts: int = MAX_VERDICTS,
        max_hashing: int = MAX_HASHING,
        max_waiting: int = MAX_WAITING,
        verify: Callable[[str, str], bool] = verify_password,
    ) -> None:
        self.max_verdicts = max_verdicts
        self.max_pending = max_hashing + max_waiting
        self._verify = verify
        self._slots = asyncio.Semaphore(max_hashing)
        self._verdicts: OrderedDict[Key, Verdict] = OrderedDict()
        self._pending: dict[Key, asyncio.Future[Verdict]] = {}

    async def check(self, protection: str, authorization: bytes | None) -> Verdict:
        if authorization is None:
            return Verdict.DENIED
        key = (protection, authorization)
        known = self._verdicts.get(key)
        if known is not None:
            self._verdicts.move_to_end(key)
            return known
        pending = self._pending.get(key)
        if pending is None:
            password = basic_password(authorization)
            if password is None:  # cheap to tell again, so not remembered
                return Verdict.DENIED
            if len(self._pending) >= self.max_pending:
                return Verdict.BUSY
            pending = asyncio.ensure_future(self._hash(key, password))
            self._pending[key] = pending
        # A client that goes away does not cancel a check others may be waiting for.
        return await asyncio.shield(pending)

    async def _hash(self, key: Key, password: str) -> Verdict:
        protection = key[0]
        try:
            async with self._slots:
                matches = await asyncio.to_thread(self._verify, password, protection)
        except BadHash:
            log.error("a route carries an unreadable preview password hash")
            matches = False
        finally:
            self._pending.pop(key, None)
        verdict = Verdict.ALLOWED if matches else Verdict.DENIED
        self._verdicts[key] = verdict
        while len(self._verdicts) > self.max_verdicts:
            self._verdicts.popitem(last=False)
        return verdict

    def __len__(self) -> int:
        return len(self._verdicts)


def basic_password(authorization: bytes) -> str | None:
    """The password of `Basic base64(user:password)`; any user name. None when malformed."""
    if len(authorization) > MAX_AUTHORIZATION:
        return None
    scheme, _, token = authorization.strip().partition(b" ")
    if scheme.lower() != b"basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, colon, password = decoded.partition(":")
    if not colon or not acceptable_length(password):
        return None
    return password
