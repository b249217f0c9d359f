"""The proxy's work for one request: Host → route → manifest → file, from caches when it can."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from services.core.hosts import is_ip_address, route_key
from services.core.manifest import (
    CACHE_CONTROL,
    PUBLIC_ROUTE_KINDS,
    Route,
    decode_route,
    file_key,
)
from services.core.settings import Settings
from services.core.site_rules import NOBODY
from services.core.storage import Storage, StorageError
from services.proxy.caches import ByteBudgetCache, LoadingCache
from services.proxy.delivery import Streamed, StreamedParts, byteranges, deliver
from services.proxy.observe import Observer
from services.proxy.paths import BadPath, site_path
from services.proxy.preview_gate import PreviewGate, Verdict
from services.proxy.preview_replies import password_required, privately, too_busy
from services.proxy.reply import (
    Headers,
    Ready,
    merge_headers,
    not_modified,
    overloaded,
    plain,
    send_whole,
    unavailable,
)
from services.proxy.request import (
    RangeNotSatisfiable,
    RequestInfo,
    etag_matches,
    parse_ranges,
    read_request,
    viewer_headers,
    viewer_of,
)
from services.proxy.site import NotFound, Redirect, Resolution, Serve, Site
from services.proxy.site_loader import LoaderBusy, ManifestMissing, SiteLoader, Unservable

log = logging.getLogger(__name__)

SMALL_FILE = 1024 * 1024  # read whole and kept in memory; larger files are streamed
# A cached route weighs about 0.3 KB (an unknown host) to 0.8 KB: 40,000 hosts or more.
ROUTE_CACHE_BYTES = 32 * 1024 * 1024
# Beside the characters of its strings, what a cache entry holds, measured with tracemalloc
# (tests/proxy/test_memory_estimates.py): the entry, its expiry, its slot in the LRU.
ROUTE_ENTRY_BYTES = 320
ROUTE_BYTES = 260  # a Route and the headers of its strings
RESPONSE_KEY_BYTES = 160  # a response key and its slot in the LRU
PlainKey = tuple[str, str, bytes, bytes, tuple[str, ...]]
# An answer that depends on who asks (see `Resolution.variant`) is kept under a longer key,
# which the fast path never looks up: it only ever finds answers that are the same for all.
ResponseKey = PlainKey | tuple[str, str, bytes, bytes, tuple[str, ...], int]


class Proxy:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._storage: Storage | None = None
        # While storage is unreachable, hosts keep the route they had: whatever is in
        # memory is still served, and only what needs storage gets a 503.
        self.routes: LoadingCache[str, Route | None] = LoadingCache(
            self._load_route,
            ttl=settings.route_ttl,
            budget=ROUTE_CACHE_BYTES,
            weigh=route_weight,
            keep_on=(StorageError,),
        )
        self.site_loader = SiteLoader()
        self.sites: LoadingCache[str, Site | Unservable] = LoadingCache(
            self._load_site,
            ttl=None,
            budget=settings.proxy_site_cache_bytes,
            weigh=lambda _, site: site.weight,
        )
        self.responses: ByteBudgetCache[ResponseKey, Ready] = ByteBudgetCache(
            settings.proxy_memory_cache_bytes,
            response_weight,
            largest=settings.proxy_memory_cache_bytes // 8,
        )
        self.observer = Observer(access_log=settings.proxy_access_log)
        self.country_header = settings.proxy_country_header.strip().lower().encode() or None
        self.gate = PreviewGate()

    def open(self) -> None:
        self._storage = Storage(self.settings.resolved_storage_url)

    @property
    def storage(self) -> Storage:
        if self._storage is None:
            raise StorageError("the proxy has not been started")
        return self._storage

    async def healthy(self) -> bool:
        """Storage answers (a missing probe key is an answer too)."""
        try:
            await self.storage.exists("routes/.healthz-probe")
        except StorageError:
            log.warning("health check: storage unreachable", exc_info=True)
            return False
        return True

    async def is_site(self, host: str | None) -> bool:
        """Whether `host` is a routed site, whose own pages win over the proxy's paths."""
        # An address never names a site (no DNS name, no certificate). Health checkers ask
        # by address (the ALB by the task's, the container's own check by 127.0.0.1), so
        # `/livez` answers them without touching storage.
        if host is None or is_ip_address(host):
            return False
        try:
            return await self.routes.get(host) is not None
        except StorageError:
            return False

    async def answer_own_path(
        self, scope: Any, send: Any, answer: Callable[[], Awaitable[Ready]]
    ) -> None:
        """The one rule for the proxy's own paths (`/livez`, `/healthz`, `/metrics`): on a
        routed site's host the path belongs to the site; anywhere else `answer` replies."""
        request = read_request(scope)
        if await self.is_site(request.host):
            return await self.serve(scope, send)
        reply = await answer()
        status, headers, body = reply.answer(request.method, None)
        await send_whole(send, status, headers, body)
        return None

    # -- the fast path: a ready response from memory, or nothing ------------------------

    async def answer_from_memory(self, scope: Any, send: Any) -> bool:
        started = time.perf_counter()
        request = read_request(scope)
        if request.host is None or request.range is not None:
            return False
        entry = self.routes.peek(request.host, stale_for=self.settings.route_ttl / 2)
        # A protected host checks credentials first, which only the full path does.
        if entry is None or entry.value is None or entry.value.protection is not None:
            return False
        ready = self.responses.get(_response_key(request, entry.value.deployment))
        self.observer.cache_lookup(ready is not None)
        if ready is None:
            return False
        status, headers, body = ready.answer(request.method, request.if_none_match)
        await send_whole(send, status, headers, body)
        self._record(started, request, status, len(body), ready.deployment)
        return True

    # -- the full path ------------------------------------------------------------------

    async def serve(self, scope: Any, send: Any) -> None:
        started = time.perf_counter()
        request = read_request(scope, self.country_header)
        reply = await self.respond(request)
        if isinstance(reply, Ready):
            status, headers, body = reply.answer(request.method, request.if_none_match)
            await send_whole(send, status, headers, body)
            self._record(started, request, status, len(body), reply.deployment)
            return
        status, sent = await deliver(self.storage, scope, reply, send)
        self._record(started, request, status, sent, reply.deployment)

    async def respond(self, request: RequestInfo) -> Ready | Streamed | StreamedParts:
        if request.method not in ("GET", "HEAD"):
            return plain(405, "method not allowed", [(b"allow", b"GET, HEAD")])
        if request.host is None:
            return plain(404, "not found")
        try:
            route = await self.routes.get(request.host)
        except StorageError:
            log.warning("storage unavailable while routing %s", request.host, exc_info=True)
            return unavailable()
        if route is None:
            return plain(404, "not found")
        if route.protection is None:
            return await self._site_answer(request, request.host, route)
        # Before anything of the site, cached answers included.
        verdict = await self.gate.check(route.project, route.protection, request.authorization)
        if verdict is Verdict.BUSY:
            return too_busy()
        if verdict is Verdict.DENIED:
            return password_required(route.project)
        return privately(await self._site_answer(request, request.host, route))

    async def _site_answer(
        self, request: RequestInfo, host: str, route: Route
    ) -> Ready | Streamed | StreamedParts:
        try:
            if request.range is None:  # e.g. the first request after a route reload
                kept = self.responses.get(_response_key(request, route.deployment))
                if kept is not None:
                    return kept
            site = await self.sites.get(route.deployment)
        except ManifestMissing:
            log.error(
                "route %s names deployment %s without a manifest", request.host, route.deployment
            )
            return plain(404, "not found")
        except LoaderBusy:  # logged by the loader, once for all the requests it turns away
            return overloaded()
        except StorageError:
            log.warning("storage unavailable while routing %s", request.host, exc_info=True)
            return unavailable()
        if isinstance(site, Unservable):  # logged once, when its manifest was refused
            return plain(404, "not found")
        base = _site_headers(route)
        try:
            path = site_path(request.raw_path)
        except BadPath as exc:
            return plain(400, f"bad request: {exc}", base)
        viewer = viewer_of(request) if site.viewer_rules else NOBODY
        resolved = site.resolve(host, path, request.query, viewer)
        decision = resolved.decision
        cache_key = _variant_key(request, route.deployment, resolved.variant)
        if resolved.variant is not None and request.range is None:
            kept = self.responses.get(cache_key)
            if kept is not None:
                return kept
        base += self._vary(resolved)
        extra = [(k.lower().encode(), v.encode()) for k, v in site.extra_headers(host, path)]
        if isinstance(decision, Redirect):
            headers = [
                *base,
                (b"location", decision.location.encode("latin-1")),  # query bytes kept as sent
                (b"cache-control", CACHE_CONTROL["html"].encode()),
            ]
            return self._keep(
                cache_key,
                Ready.build(decision.status, merge_headers(headers, extra), b"", route.deployment),
            )
        if isinstance(decision, NotFound):
            ready = plain(404, "not found", merge_headers(base, extra), route.deployment)
            return self._keep(cache_key, ready)
        try:
            return await self._file(request, route.deployment, decision, base, extra, cache_key)
        except StorageError:
            log.warning("storage unavailable reading %s", decision.path, exc_info=True)
            return unavailable()

    async def _file(
        self,
        request: RequestInfo,
        deployment: str,
        decision: Serve,
        base: Headers,
        extra: Headers,
        cache_key: ResponseKey,
    ) -> Ready | Streamed | StreamedParts:
        entry = decision.entry
        ranged = request.range is not None and decision.status == 200
        encoding = None
        if not ranged:
            encoding = next((e for e in request.encodings if e in entry.encodings), None)
        stored, size = entry.key, entry.size
        if encoding is not None:
            stored, size = entry.encodings[encoding].key, entry.encodings[encoding].size
        etag = f'"{entry.sha256}-{encoding}"' if encoding else f'"{entry.sha256}"'
        headers = [
            *base,
            (b"content-type", entry.type.encode()),
            (b"cache-control", CACHE_CONTROL[entry.cache].encode()),
        ]
        if decision.status == 200:
            headers += [(b"etag", etag.encode()), (b"accept-ranges", b"bytes")]
        if entry.encodings:
            headers.append((b"vary", b"Accept-Encoding"))
        if encoding is not None:
            headers.append((b"content-encoding", encoding.encode()))
        headers = merge_headers(headers, extra)
        key = file_key(deployment, stored)
        if decision.status == 200:
            if request.if_none_match and etag_matches(request.if_none_match, etag.encode()):
                return not_modified(headers, deployment)
            if ranged:
                partial = _partial(request, headers, key, size, etag, deployment)
                if partial is not None:
                    return partial
        if size <= SMALL_FILE:
            body = await self.storage.get(key)
            ready = Ready.build(decision.status, headers, body, deployment)
            return ready if ranged else self._keep(cache_key, ready)
        return Streamed(decision.status, headers, key, 0, size, deployment)

    def _vary(self, resolved: Resolution) -> Headers:
        """Vary for an answer that depends on who asks, so caches downstream keep one each."""
        if not resolved.varies_on:
            return []
        names = viewer_headers(resolved.varies_on, self.country_header)
        return [(b"vary", names)] if names else []

    def _keep(self, key: ResponseKey, ready: Ready) -> Ready:
        self.responses.put(key, ready)
        return ready

    def _record(
        self, started: float, request: RequestInfo, status: int, sent: int, deployment: str | None
    ) -> None:
        self.observer.request(
            started, request.method, request.host, request.raw_path, status, sent, deployment
        )

    async def _load_route(self, host: str) -> Route | None:
        data = await self.storage.get_or_none(route_key(host))
        if data is None:
            return None
        try:
            return decode_route(data)
        except msgspec.DecodeError:
            log.error("unreadable route object for %s", host)
            return None

    async def _load_site(self, deployment: str) -> Site | Unservable:
        return await self.site_loader.load(self.storage, deployment)


def route_weight(host: str, route: Route | None) -> int:
    """About what a cached route holds in memory (routes and hosts are ASCII)."""
    weight = ROUTE_ENTRY_BYTES + len(host)
    if route is not None:
        strings = (route.project, route.deployment, route.updated_at, route.protection or "")
        weight += ROUTE_BYTES + sum(map(len, strings))
    return weight


def response_weight(key: ResponseKey, ready: Ready) -> int:
    """About what a cached response holds, key included: a 404 for a long path and query
    weighs more by its key than by its body."""
    host, deployment, path, query, encodings = key[:5]
    strings = len(host) + len(deployment) + len(path) + len(query) + len(encodings) * 8
    return ready.weight + RESPONSE_KEY_BYTES + strings


def _partial(
    request: RequestInfo, headers: Headers, key: str, size: int, etag: str, deployment: str
) -> Ready | Streamed | StreamedParts | None:
    """206 or 416 for a Range request; None when the whole file is the answer."""
    if request.range is None or (request.if_range and request.if_range != etag.encode()):
        return None
    try:
        spans = parse_ranges(request.range, size)
    except RangeNotSatisfiable:
        unsatisfiable = [*headers, (b"content-range", f"bytes */{size}".encode())]
        return Ready.build(416, unsatisfiable, b"", deployment)
    if spans is None:
        return None
    if len(spans) > 1:
        return byteranges(headers, key, spans, size, deployment)
    start, end = spans[0]
    content_range = (b"content-range", f"bytes {start}-{end - 1}/{size}".encode())
    return Streamed(206, [*headers, content_range], key, start, end, deployment)


def _response_key(request: RequestInfo, deployment: str) -> PlainKey:
    assert request.host is not None
    return (request.host, deployment, request.raw_path, request.query, request.encodings)


def _variant_key(request: RequestInfo, deployment: str, variant: int | None) -> ResponseKey:
    key = _response_key(request, deployment)
    return key if variant is None else (*key, variant)


def _site_headers(route: Route) -> Headers:
    headers = [
        (b"x-slipway-deployment", route.deployment.encode()),
        (b"x-content-type-options", b"nosniff"),
    ]
    if route.kind not in PUBLIC_ROUTE_KINDS:
        headers.append((b"x-robots-tag", b"noindex"))
    return headers
