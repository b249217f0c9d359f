"""One deployment as the proxy sees it: its manifest, parsed rules, and how a path resolves.

Manifests are immutable, so a Site is built once per deployment and kept. A path's answer
depends on the request alone, except where a `_redirects` rule with conditions (Language,
Country, Cookie) could decide it: `Resolution.variant` says so, for the response cache.
A Site also knows roughly what it costs in memory (`weight`), for the cache that keeps it.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl, quote

from services.core.manifest import FileEntry, Manifest
from services.core.site_rules import (
    NOBODY,
    HeaderRule,
    RedirectRule,
    SiteRulesError,
    Viewer,
    first_redirect,
    headers_for,
    parse_headers,
    parse_redirects,
)
from services.proxy.paths import BadPath, has_extension, site_path

log = logging.getLogger(__name__)
_Rule = TypeVar("_Rule", RedirectRule, HeaderRule)

INDEX = "index.html"
NOT_FOUND_PAGE = "404.html"
# Characters left as they are when a rule's destination goes into a Location header.
_LOCATION_SAFE = "/:?#[]@!$&'()*+,;=%~"

# What a Site holds besides the characters of its strings, measured with tracemalloc on
# decoded manifests; tests/proxy/test_memory_estimates.py keeps the estimate within 1.5x.
SITE_BYTES = 2048  # the Site, its Manifest and their containers
FILE_BYTES = 200  # a FileEntry, its size, its (empty) encodings dict, its slot in `files`
VARIANT_BYTES = 140  # a Variant, its size, its share of the encodings dict
RULE_BYTES = 1024  # a parsed `_redirects` or `_headers` rule: its pattern, parts, values
RULE_TEXT_BYTES = 5  # a character of rule text: kept in the manifest, and parsed pieces


@dataclass(frozen=True, slots=True)
class Serve:
    path: str  # the manifest path served
    entry: FileEntry
    status: int


@dataclass(frozen=True, slots=True)
class Redirect:
    location: str
    status: int


@dataclass(frozen=True, slots=True)
class NotFound:
    pass


Decision = Serve | Redirect | NotFound


@dataclass(frozen=True, slots=True)
class Resolution:
    decision: Decision
    # None: every viewer gets this answer. Otherwise conditional rules could have decided
    # otherwise for someone else: the line of the rule that did decide (0: none did), which
    # with the request's path and query determines the answer; and the condition kinds read.
    variant: int | None = None
    varies_on: frozenset[str] = frozenset()


class Site:
    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.files = manifest.files
        # Both files were validated at build time; one that no longer parses (built before a
        # rule was tightened, such as control characters in header values) is logged and left
        # out on its own, so the proxy never sends what no response can carry.
        config = manifest.config
        self.redirects = _loaded(parse_redirects, config.redirects, manifest.deployment)
        self.header_rules = _loaded(parse_headers, config.headers, manifest.deployment)
        # Rules some viewers match and others not; without them, who asks never matters.
        self.viewer_rules = [rule for rule in self.redirects if rule.depends_on_viewer]
        self.weight = self._estimated_bytes()

    def _estimated_bytes(self) -> int:
        """Roughly what this Site holds in memory: computed once, for the site cache.

        Strings are weighed by `sys.getsizeof`, which counts how Python stores them (1, 2
        or 4 bytes a character: one emoji in a path makes the whole path 4 bytes a character).
        """
        size = sys.getsizeof
        config = self.manifest.config
        rule_text = len(config.redirects or "") + len(config.headers or "")
        rules = len(self.redirects) + len(self.header_rules)
        total = SITE_BYTES + RULE_BYTES * rules + RULE_TEXT_BYTES * rule_text
        for path, entry in self.files.items():
            total += FILE_BYTES + size(path) + size(entry.key) + size(entry.sha256)
            total += size(entry.type)
            for variant in entry.encodings.values():
                total += VARIANT_BYTES + size(variant.key)
        return total

    def resolve(self, host: str, path: str, query: bytes, viewer: Viewer = NOBODY) -> Resolution:
        """What answers `/<path>`: rules first when forced or when no file is there."""
        found = self._file_for(path)
        if not self.redirects:
            return Resolution(self._without_rules(path, found, query))
        params = dict(parse_qsl(query.decode("latin-1"))) if query else {}
        matched = first_redirect(self.redirects, host, "/" + path, params, viewer)
        if matched is not None and (matched[0].force or found is None):
            decision = self._apply(matched[0], matched[1], query)
        else:
            decision = self._without_rules(path, found, query)
        varies_on = self._varies_on(host, "/" + path, params, matched)
        if not varies_on:
            return Resolution(decision)
        return Resolution(decision, matched[0].line if matched else 0, varies_on)

    def _varies_on(
        self,
        host: str,
        path: str,
        params: Mapping[str, str],
        matched: tuple[RedirectRule, str] | None,
    ) -> frozenset[str]:
        """Condition kinds of the rules up to the deciding one that match this request's path.

        Rules after the one that decided are never reached, whoever asks.
        """
        last = matched[0].line if matched else math.inf
        kinds: set[str] = set()
        for rule in self.viewer_rules:
            if rule.line > last:
                break
            if rule.captures(host, path, params) is not None:
                kinds.update(condition.kind for condition in rule.conditions)
        return frozenset(kinds)

    def _without_rules(self, path: str, found: str | Redirect | None, query: bytes) -> Decision:
        if isinstance(found, Redirect):
            return Redirect(_with_query(found.location, query), found.status)
        if found is not None:
            return Serve(found, self.files[found], 200)
        if self.manifest.config.spa and not has_extension(path) and INDEX in self.files:
            return Serve(INDEX, self.files[INDEX], 200)
        return self.not_found()

    def not_found(self) -> Serve | NotFound:
        if NOT_FOUND_PAGE in self.files:
            return Serve(NOT_FOUND_PAGE, self.files[NOT_FOUND_PAGE], 404)
        return NotFound()

    def extra_headers(self, host: str, path: str) -> list[tuple[str, str]]:
        if not self.header_rules:
            return []
        return headers_for(self.header_rules, host, "/" + path)

    def _file_for(self, path: str) -> str | Redirect | None:
        """Clean URLs: `a/` → a/index.html; `a` → a, a.html, or 308 to `a/` for a directory."""
        if path == "" or path.endswith("/"):
            index = path + INDEX
            return index if index in self.files else None
        if path in self.files:
            return path
        if path + ".html" in self.files:
            return path + ".html"
        if path + "/" + INDEX in self.files:
            return Redirect("/" + quote(path, safe=_LOCATION_SAFE) + "/", 308)
        return None

    def _apply(self, rule: RedirectRule, target: str, query: bytes) -> Decision:
        if rule.is_redirect:
            return Redirect(_with_query(quote(target, safe=_LOCATION_SAFE), query), rule.status)
        # A rewrite (200) or custom error page (404, 410) serves a file of this deployment.
        try:
            rewritten = site_path(quote(target.split("?", 1)[0], safe=_LOCATION_SAFE).encode())
        except BadPath:
            return self.not_found()
        found = self._file_for(rewritten)
        if isinstance(found, Redirect):
            found = rewritten.rstrip("/") + "/" + INDEX
        if found is None:
            return self.not_found()
        return Serve(found, self.files[found], rule.status)


def _loaded(parse: Callable[[str], list[_Rule]], text: str | None, deployment: str) -> list[_Rule]:
    if not text:
        return []
    try:
        return parse(text)
    except SiteRulesError as exc:
        log.warning("deployment %s: ignoring site rules: %s", deployment, exc)
        return []


def _with_query(location: str, query: bytes) -> str:
    """Keep the request's query string unless the destination sets its own."""
    if not query or "?" in location:
        return location
    return location + "?" + query.decode("latin-1")
