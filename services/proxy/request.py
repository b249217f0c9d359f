"""What the proxy reads from a request: host, path, and the headers that change the answer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from services.core.hosts import normalize_host

# Encodings the proxy can serve precompressed, in the order it prefers them.
SERVED_ENCODINGS = ("br", "gzip")


@dataclass(slots=True)
class RequestInfo:
    method: str
    host: str | None
    raw_path: bytes
    query: bytes
    encodings: tuple[str, ...]  # acceptable precompressed encodings, best first
    if_none_match: bytes | None
    range: bytes | None
    if_range: bytes | None

    @property
    def cache_key_tail(self) -> tuple[bytes, bytes, tuple[str, ...]]:
        return (self.raw_path, self.query, self.encodings)


def read_request(scope: Any) -> RequestInfo:
    host = accept = inm = byte_range = if_range = None
    for name, value in scope["headers"]:
        if name == b"host":
            host = value
        elif name == b"accept-encoding":
            accept = value
        elif name == b"if-none-match":
            inm = value
        elif name == b"range":
            byte_range = value
        elif name == b"if-range":
            if_range = value
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    # HTTP/1.1 puts the query in raw_path for some servers; the path is what precedes it.
    raw_path, _, extra_query = raw_path.partition(b"?")
    return RequestInfo(
        method=scope["method"],
        host=host_from_header(host) if host is not None else None,
        raw_path=raw_path,
        query=scope.get("query_string") or extra_query,
        encodings=accepted_encodings(accept) if accept else (),
        if_none_match=inm,
        range=byte_range,
        if_range=if_range,
    )


@lru_cache(maxsize=4096)
def host_from_header(raw: bytes) -> str | None:
    return normalize_host(raw.decode("latin-1"))


@lru_cache(maxsize=1024)
def accepted_encodings(raw: bytes) -> tuple[str, ...]:
    """Served encodings the client accepts (q > 0), by its q-value, ties in our order."""
    weights: dict[str, float] = {}
    for item in raw.decode("latin-1").lower().split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        weights[coding] = quality
    star = weights.get("*", 0.0)
    ranked = [(weights.get(c, star), -i, c) for i, c in enumerate(SERVED_ENCODINGS)]
    return tuple(c for q, _, c in sorted(ranked, reverse=True) if q > 0)


def etag_matches(header: bytes, etag: bytes) -> bool:
    """If-None-Match semantics: weak comparison, `*` matches anything."""
    for tag in header.split(b","):
        tag = tag.strip()
        if tag == b"*" or tag.removeprefix(b"W/") == etag:
            return True
    return False


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: bytes, size: int) -> tuple[int, int] | None:
    """[start, end) of a single `bytes=` range, or None to ignore the header.

    Raises RangeNotSatisfiable when the range starts past the end of the file.
    """
    unit, _, spec = header.decode("latin-1").strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # other units and multipart ranges: answer with the whole file
    first, dash, last = (part.strip() for part in spec.partition("-"))
    if (
        not dash
        or not (first or last)
        or not all(p.isascii() and p.isdigit() for p in (first, last) if p)
    ):
        return None
    if not first:  # a suffix: the last N bytes
        if int(last) == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - int(last), 0), size
    start = int(first)
    if start >= size:
        raise RangeNotSatisfiable
    end = min(int(last) + 1, size) if last else size
    if end <= start:
        return None
    return start, end
