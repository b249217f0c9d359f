"""Complete responses held in memory, answered as they are or as 304, over raw ASGI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.proxy.request import etag_matches

Headers = list[tuple[bytes, bytes]]
# Headers a 304 repeats from the full response (RFC 9110 §15.4.5); the rest describe a body.
_NOT_MODIFIED_DROP = frozenset({b"content-length", b"content-type", b"content-encoding"})
# Measured with tracemalloc (tests/proxy/test_memory_estimates.py): a Ready and its header
# lists, beside its headers and body; a header's tuple, object headers and list slots.
_READY_BYTES = 160
_HEADER_BYTES = 64


@dataclass(frozen=True, slots=True)
class Ready:
    """A whole response: what the fast path answers from memory without any other work."""

    status: int
    headers: Headers
    body: bytes
    deployment: str | None
    etag: bytes | None = None
    not_modified_headers: Headers = field(default_factory=list)

    @classmethod
    def build(cls, status: int, headers: Headers, body: bytes, deployment: str | None) -> Ready:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
        etag = next((v for k, v in headers if k == b"etag"), None) if status == 200 else None
        kept = _without_body_headers(headers) if etag else []
        return cls(status, headers, body, deployment, etag, kept)

    @property
    def weight(self) -> int:
        """About what this response holds in memory."""
        headers = sum(_HEADER_BYTES + len(name) + len(value) for name, value in self.headers)
        return _READY_BYTES + len(self.body) + headers

    def answer(self, method: str, if_none_match: bytes | None) -> tuple[int, Headers, bytes]:
        """(status, headers, body) for this request: 304 when its validator matches."""
        if self.etag and if_none_match and etag_matches(if_none_match, self.etag):
            return 304, self.not_modified_headers, b""
        return self.status, self.headers, b"" if method == "HEAD" else self.body


def not_modified(headers: Headers, deployment: str | None) -> Ready:
    """A 304 for a full response with these headers."""
    return Ready(304, _without_body_headers(headers), b"", deployment)


def _without_body_headers(headers: Headers) -> Headers:
    return [(k, v) for k, v in headers if k not in _NOT_MODIFIED_DROP]


def plain(
    status: int,
    text: str,
    extra: Sequence[tuple[bytes, bytes]] = (),
    deployment: str | None = None,
) -> Ready:
    """A short text answer for errors that no site page covers."""
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
    ]
    headers = merge_headers(headers, list(extra))
    return Ready.build(status, headers, text.encode() + b"\n", deployment)


def unavailable() -> Ready:
    """Storage could not be read: worth retrying in a moment."""
    return plain(503, "storage unavailable", [(b"retry-after", b"1")])


def overloaded() -> Ready:
    """This worker has as much work queued as it takes (large manifests): retry in a moment."""
    return plain(503, "busy, try again shortly", [(b"retry-after", b"1")])


def merge_headers(ours: Headers, extra: Headers) -> Headers:
    """`extra` replaces any of `ours` with the same name (names are lower-case bytes)."""
    if not extra:
        return ours
    replaced = {name for name, _ in extra}
    return [h for h in ours if h[0] not in replaced] + extra


async def send_whole(send: Any, status: int, headers: Headers, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
