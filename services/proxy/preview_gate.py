"""Who may see a password-protected preview: HTTP Basic credentials against a route's hash.

PBKDF2 is slow on purpose (about 0.14 s of one core per check), so each worker keeps the
cost bounded: verdicts are remembered in LRUs keyed by (hash, Authorization header), one for
successes and one for failures, so a flood of wrong passwords never pushes out the visitors
let in. Checks run in threads off the event loop, at most MAX_HASHING at once per worker.

Projects cannot starve each other: each has its own share, at most PROJECT_HASHING of its
checks running (so one project's flood holds at most that many of the worker's slots and
cores, leaving the rest to other projects and to public sites) and at most MAX_WAITING more
waiting. Beyond that the project's own unknown credentials are BUSY (a 429), never another
project's. A project's share exists only while it has checks in flight. Concurrent requests
carrying the same unknown credentials (a browser fetching a page's assets) share one check.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import enum
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from services.core.passwords import BadHash, acceptable_length, verify_password

log = logging.getLogger(__name__)

MAX_VERDICTS = 4096  # remembered per worker, each way; each entry is at most ~0.7 KB
MAX_HASHING = 2  # checks running at once per worker: two cores' worth at most
PROJECT_HASHING = 1  # of those, one project's at most
MAX_WAITING = 8  # one project's unknown credentials waiting for a slot before BUSY
# A longer Authorization header is refused without hashing: the password is at most 128
# characters, which leaves room for a user name of a few hundred.
MAX_AUTHORIZATION = 512

Key = tuple[str, bytes]


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    DENIED = "denied"
    BUSY = "busy"  # too many unknown credentials at once: try again in a moment


@dataclass
class _Share:
    """One project's checks in flight, and the slots they take turns on."""

    slots: asyncio.Semaphore
    pending: dict[Key, asyncio.Future[Verdict]] = field(default_factory=dict)


class PreviewGate:
    def __init__(
        self,
        *,
        max_verdicts: int = MAX_VERDICTS,
        max_hashing: int = MAX_HASHING,
        project_hashing: int = PROJECT_HASHING,
        max_waiting: int = MAX_WAITING,
        verify: Callable[[str, str], bool] = verify_password,
    ) -> None:
        self.max_verdicts = max_verdicts
        self.project_hashing = project_hashing
        self.max_pending = project_hashing + max_waiting  # per project
        self._verify = verify
        self._slots = asyncio.Semaphore(max_hashing)
        self._verdicts = {
            Verdict.ALLOWED: OrderedDict[Key, Verdict](),
            Verdict.DENIED: OrderedDict[Key, Verdict](),
        }
        self._shares: dict[str, _Share] = {}

    async def check(self, project: str, protection: str, authorization: bytes | None) -> Verdict:
        if authorization is None:
            return Verdict.DENIED
        key = (protection, authorization)
        for verdicts in self._verdicts.values():
            known = verdicts.get(key)
            if known is not None:
                verdicts.move_to_end(key)
                return known
        share = self._shares.get(project)
        pending = share.pending.get(key) if share is not None else None
        if pending is None:
            password = basic_password(authorization)
            if password is None:  # cheap to tell again, so not remembered
                return Verdict.DENIED
            if share is None:
                share = self._shares[project] = _Share(asyncio.Semaphore(self.project_hashing))
            if len(share.pending) >= self.max_pending:
                return Verdict.BUSY
            pending = asyncio.ensure_future(self._hash(project, share, key, password))
            share.pending[key] = pending
        # A client that goes away does not cancel a check others may be waiting for.
        return await asyncio.shield(pending)

    async def _hash(self, project: str, share: _Share, key: Key, password: str) -> Verdict:
        protection = key[0]
        try:
            # The project's own turn first: waiting for it takes none of the worker's slots.
            async with share.slots, self._slots:
                matches = await asyncio.to_thread(self._verify, password, protection)
        except BadHash:
            log.error("a route carries an unreadable preview password hash")
            matches = False
        finally:
            share.pending.pop(key, None)
            if not share.pending and self._shares.get(project) is share:
                del self._shares[project]
        verdict = Verdict.ALLOWED if matches else Verdict.DENIED
        verdicts = self._verdicts[verdict]
        verdicts[key] = verdict
        while len(verdicts) > self.max_verdicts:
            verdicts.popitem(last=False)
        return verdict

    def __len__(self) -> int:
        return sum(len(verdicts) for verdicts in self._verdicts.values())

    @property
    def projects_in_flight(self) -> int:
        return len(self._shares)


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
