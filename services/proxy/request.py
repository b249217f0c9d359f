"""What the proxy reads from a request: host, path, and the headers that change the answer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import msgspec

from services.core.hosts import normalize_host
from services.core.site_rules import Viewer, primary_language

# Encodings the proxy can serve precompressed, in the order it prefers them.
SERVED_ENCODINGS = ("br", "gzip")
# More ranges than this in one header get the whole file, as a guard against abuse.
MAX_RANGES = 16


class RequestInfo(msgspec.Struct, gc=False):
    """Built for every request: a Struct builds in a third of a dataclass's time, and holds
    only strings and bytes, so the cycle collector need not track it (gc=False)."""

    method: str
    host: str | None
    raw_path: bytes
    query: bytes
    encodings: tuple[str, ...]  # acceptable precompressed encodings, best first
    if_none_match: bytes | None
    range: bytes | None
    if_range: bytes | None
    # Kept raw: only a site with conditional `_redirects` rules parses them (`viewer_of`).
    accept_language: bytes | None = None
    cookie: bytes | None = None
    country: bytes | None = None  # the configured CDN header, if any
    authorization: bytes | None = None  # read only on password-protected hosts


# The request headers read, by where `read_request` keeps them: one dict lookup per header
# skips the many a browser sends that change nothing (sec-fetch-*, user-agent, accept, …).
_HOST, _ACCEPT_ENCODING, _IF_NONE_MATCH, _RANGE, _IF_RANGE, _AUTHORIZATION = range(6)
_ACCEPT_LANGUAGE, _COOKIE, _COUNTRY = 6, 7, 8  # several of these are joined, not replaced
_SLOTS = {
    b"host": _HOST,
    b"accept-encoding": _ACCEPT_ENCODING,
    b"if-none-match": _IF_NONE_MATCH,
    b"range": _RANGE,
    b"if-range": _IF_RANGE,
    b"authorization": _AUTHORIZATION,
    b"accept-language": _ACCEPT_LANGUAGE,
    b"cookie": _COOKIE,
}
_JOINED_BY = {_ACCEPT_LANGUAGE: b",", _COOKIE: b"; "}


def read_request(scope: Any, country_header: bytes | None = None) -> RequestInfo:
    found: list[bytes | None] = [None] * 9
    for name, value in scope["headers"]:
        slot = _SLOTS.get(name)
        if slot is None:
            if name == country_header:
                found[_COUNTRY] = value
        elif slot >= _ACCEPT_LANGUAGE and (kept := found[slot]) is not None:
            found[slot] = kept + _JOINED_BY[slot] + value
        else:
            found[slot] = value  # the last of a repeated header wins
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    # HTTP/1.1 puts the query in raw_path for some servers; the path is what precedes it.
    raw_path, _, extra_query = raw_path.partition(b"?")
    host, accept = found[_HOST], found[_ACCEPT_ENCODING]
    return RequestInfo(
        scope["method"],
        host_from_header(host) if host is not None else None,
        raw_path,
        scope.get("query_string") or extra_query,
        accepted_encodings(accept) if accept else (),
        found[_IF_NONE_MATCH],
        found[_RANGE],
        found[_IF_RANGE],
        found[_ACCEPT_LANGUAGE],
        found[_COOKIE],
        found[_COUNTRY],
        found[_AUTHORIZATION],
    )


@lru_cache(maxsize=4096)
def host_from_header(raw: bytes) -> str | None:
    return normalize_host(raw.decode("latin-1"))


@lru_cache(maxsize=1024)
def accepted_encodings(raw: bytes) -> tuple[str, ...]:
    """Served encodings the client accepts (q > 0), by its q-value, ties in our order."""
    weights = dict(_weighted_items(raw))
    star = weights.get("*", 0.0)
    ranked = [(weights.get(c, star), -i, c) for i, c in enumerate(SERVED_ENCODINGS)]
    return tuple(c for q, _, c in sorted(ranked, reverse=True) if q > 0)


@lru_cache(maxsize=1024)
def accepted_languages(raw: bytes) -> frozenset[str]:
    """Primary tags the client accepts (q > 0): `fr-CA, de;q=0` → {fr}. `*` names none."""
    tags = (primary_language(tag) for tag, quality in _weighted_items(raw) if quality > 0)
    return frozenset(tags) - {"", "*"}


def _weighted_items(raw: bytes) -> Iterator[tuple[str, float]]:
    """(item, q-value) of a header like Accept-Encoding, lower-case; a bad q-value is 0."""
    for item in raw.decode("latin-1").lower().split(","):
        token, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        yield token, quality


def cookie_names(raw: bytes) -> frozenset[str]:
    """Names of the cookies in a Cookie header (`a=1; b=2` → {a, b}); values are not needed."""
    names = (pair.partition("=")[0].strip() for pair in raw.decode("latin-1").split(";"))
    return frozenset(name for name in names if name)


def viewer_of(request: RequestInfo) -> Viewer:
    """What `_redirects` conditions are matched against, from the raw headers kept."""
    country = request.country.decode("latin-1").strip().lower() if request.country else ""
    return Viewer(
        languages=accepted_languages(request.accept_language)
        if request.accept_language
        else frozenset(),
        country=country or None,
        cookies=cookie_names(request.cookie) if request.cookie else frozenset(),
    )


def viewer_headers(kinds: Iterable[str], country_header: bytes | None) -> bytes:
    """The request headers that conditions of these kinds read: what a response varies on."""
    read = {"language": b"accept-language", "cookie": b"cookie", "country": country_header}
    return b", ".join(sorted({name for kind in kinds if (name := read.get(kind))}))


def etag_matches(header: bytes, etag: bytes) -> bool:
    """If-None-Match semantics: weak comparison, `*` matches anything."""
    for tag in header.split(b","):
        tag = tag.strip()
        if tag == b"*" or tag.removeprefix(b"W/") == etag:
            return True
    return False


class RangeNotSatisfiable(Exception):
    pass


def parse_ranges(header: bytes, size: int) -> list[tuple[int, int]] | None:
    """Each satisfiable [start, end) of a `bytes=` header, in the order asked; None to ignore it.

    As nginx does, the whole file (None) answers more than MAX_RANGES ranges, and ranges that
    together ask for more bytes than the file has (overlapping ones, say). Raises
    RangeNotSatisfiable when no range is.
    """
    spec = _byte_ranges(header)
    if spec is None:
        return None
    items = [item for item in spec.split(",") if item.strip()]
    if not items or len(items) > MAX_RANGES:
        return None
    spans = []
    for item in items:
        try:
            span = _one_range(item, size)
        except RangeNotSatisfiable:
            continue  # satisfiable when any range is
        if span is None:
            return None  # one malformed range: the header is ignored
        spans.append(span)
    if not spans:
        raise RangeNotSatisfiable
    if sum(end - start for start, end in spans) > size:
        return None
    return spans


def _byte_ranges(header: bytes) -> str | None:
    """What follows `bytes=`, or None for another unit."""
    unit, _, spec = header.decode("latin-1").strip().partition("=")
    return spec if unit.strip().lower() == "bytes" else None


def _one_range(spec: str, size: int) -> tuple[int, int] | None:
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
