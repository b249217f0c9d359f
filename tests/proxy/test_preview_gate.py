"""The proxy's password check in isolation: verdict cache, shared checks, the busy limit."""

from __future__ import annotations

import asyncio
import base64
import threading

import pytest

from services.core.passwords import hash_password
from services.proxy.preview_gate import PreviewGate, Verdict, basic_password
from services.proxy.preview_replies import private_headers

pytestmark = pytest.mark.anyio

STORED = hash_password("the password", iterations=1000)


def basic(password: str, user: str = "u") -> bytes:
    return b"Basic " + base64.b64encode(f"{user}:{password}".encode())


class CountingVerify:
    """Stands in for PBKDF2; can be held back to keep checks in progress."""

    def __init__(self) -> None:
        self.calls = 0
        self.release = threading.Event()
        self.release.set()

    def __call__(self, password: str, stored: str) -> bool:
        self.calls += 1
        self.release.wait(5)
        return password == "the password"


async def test_verdicts_are_remembered_both_ways_and_bounded() -> None:
    verify = CountingVerify()
    gate = PreviewGate(max_verdicts=3, verify=verify)
    assert await gate.check("site", STORED, basic("the password")) is Verdict.ALLOWED
    assert await gate.check("site", STORED, basic("wrong guess")) is Verdict.DENIED
    assert await gate.check("site", STORED, basic("the password")) is Verdict.ALLOWED
    assert await gate.check("site", STORED, basic("wrong guess")) is Verdict.DENIED
    assert verify.calls == 2
    for i in range(10):
        await gate.check("site", STORED, basic(f"guess {i:04}"))
    assert len(gate) == 4  # three failures, and the success they never push out
    assert verify.calls == 12
    assert await gate.check("site", STORED, basic("the password")) is Verdict.ALLOWED
    assert verify.calls == 12


async def test_the_real_hash_is_checked() -> None:
    gate = PreviewGate()
    assert await gate.check("site", STORED, basic("the password", "any name")) is Verdict.ALLOWED
    assert await gate.check("site", STORED, basic("The password")) is Verdict.DENIED
    assert await gate.check("site", "not-a-hash", basic("the password")) is Verdict.DENIED


async def test_malformed_credentials_are_refused_without_hashing() -> None:
    verify = CountingVerify()
    gate = PreviewGate(verify=verify)
    for header in (
        None,
        b"",
        b"Bearer token",
        b"Basic !!!",
        b"Basic " + base64.b64encode(b"no colon here"),
        basic("short"),
        basic("x" * 129),
        basic("the password", "u" * 600),
        b"Basic " + base64.b64encode(b"u:\xff\xfe not utf-8"),
    ):
        assert await gate.check("site", STORED, header) is Verdict.DENIED
    assert verify.calls == 0
    assert basic_password(b"basic " + base64.b64encode(b":the password")) == "the password"


async def test_same_credentials_share_one_check_and_too_many_are_busy() -> None:
    verify = CountingVerify()
    verify.release.clear()
    gate = PreviewGate(max_hashing=2, max_waiting=3, verify=verify)
    same = [
        asyncio.create_task(gate.check("site", STORED, basic("the password"))) for _ in range(20)
    ]
    others = [
        asyncio.create_task(gate.check("site", STORED, basic(f"guess {i:04}"))) for i in range(3)
    ]
    await asyncio.sleep(0.05)
    assert await gate.check("site", STORED, basic("one too many")) is Verdict.BUSY
    verify.release.set()
    assert {await t for t in same} == {Verdict.ALLOWED}
    assert {await t for t in others} == {Verdict.DENIED}
    assert verify.calls == 4
    assert await gate.check("site", STORED, basic("one too many")) is Verdict.DENIED


class ConcurrencyVerify(CountingVerify):
    """Records how many checks of each hash run at once, at most."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.running: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.most_in_all = 0

    def __call__(self, password: str, stored: str) -> bool:
        with self.lock:
            self.running[stored] = self.running.get(stored, 0) + 1
            self.most[stored] = max(self.most.get(stored, 0), self.running[stored])
            self.most_in_all = max(self.most_in_all, sum(self.running.values()))
        try:
            return super().__call__(password, stored)
        finally:
            with self.lock:
                self.running[stored] -= 1


async def test_a_flooded_project_waits_alone_and_holds_one_slot() -> None:
    verify = ConcurrencyVerify()
    verify.release.clear()
    gate = PreviewGate(max_hashing=2, project_hashing=1, max_waiting=3, verify=verify)
    other = hash_password("the password", iterations=1000)
    flood = [
        asyncio.create_task(gate.check("flooded", STORED, basic(f"guess {i:04}")))
        for i in range(50)
    ]
    await asyncio.sleep(0.05)
    visitors = [asyncio.create_task(gate.check("other", other, basic("the password")))]
    visitors += [
        asyncio.create_task(gate.check("other", other, basic(f"typo {i}"))) for i in range(3)
    ]
    await asyncio.sleep(0.05)
    assert gate.projects_in_flight == 2
    verify.release.set()
    flooded = [await t for t in flood]
    assert (flooded.count(Verdict.DENIED), flooded.count(Verdict.BUSY)) == (4, 46)
    assert [await t for t in visitors] == [Verdict.ALLOWED] + [Verdict.DENIED] * 3
    assert verify.most == {STORED: 1, other: 1}  # one running check per project at most
    assert verify.most_in_all <= 2
    assert gate.projects_in_flight == 0  # nothing is kept for a project once it is quiet


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"public, max-age=0, must-revalidate", b"private, max-age=0, must-revalidate"),
        (b"public, max-age=31536000, immutable", b"private, max-age=31536000, immutable"),
        (b"max-age=60", b"private, max-age=60"),
        (b"no-store", b"no-store"),
        (b"private, public", b"private"),
    ],
)
def test_cache_control_becomes_private(before: bytes, after: bytes) -> None:
    headers = [(b"etag", b'"x"'), (b"cache-control", before)]
    assert private_headers(headers) == [(b"etag", b'"x"'), (b"cache-control", after)]


def test_missing_cache_control_is_added_as_private() -> None:
    assert private_headers([(b"etag", b'"x"')]) == [
        (b"etag", b'"x"'),
        (b"cache-control", b"private"),
    ]
