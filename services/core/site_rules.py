"""Netlify-style `_redirects` and `_headers`: parsing (at build time and on load) and matching.

`_redirects`, one rule a line: `from [key=:value ...] to [status][!] [Condition=value ...]`.
- `from` is a path (or `https://host/path`) with `:name` placeholders and a trailing `*` splat;
- `to` is a path or an absolute URL that may use `:name` and `:splat`;
- status 301 (default), 302, 303, 307, 308 redirect; 200 rewrites; 404 and 410 serve `to`
  with that status; `!` forces the rule even when a file exists at the request path;
- the first matching rule wins. Rules with conditions (Country, Language, Role, Cookie) are
  kept but never match: the proxy knows none of them.

`_headers`: a path pattern on its own line, then indented `Name: value` lines for it. Every
matching rule applies; values of one header from several rules are joined with ", ".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_RULES = 1000
MAX_LINE_LENGTH = 2000
MAX_HEADERS_PER_RULE = 64

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SERVE_STATUSES = frozenset({200, 404, 410})
DEFAULT_STATUS = 301

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PLACEHOLDER_RE = re.compile(rf":({_NAME})")
_STATUS_RE = re.compile(r"^(\d{3})(!?)$")
_HEADER_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Headers the proxy itself must control: a site may not forge framing or encoding.
_RESERVED_HEADERS = frozenset(
    {
        "content-length",
        "content-encoding",
        "content-range",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "trailer",
        "te",
        "etag",
        "x-slipway-deployment",
    }
)


class SiteRulesError(ValueError):
    """A `_redirects` or `_headers` file that cannot be used, with the line that says why."""


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A compiled `from` (or `_headers` path): optional host, placeholders, trailing splat."""

    source: str
    host: str | None
    regex: re.Pattern[str]

    def match(self, host: str | None, path: str) -> dict[str, str] | None:
        if self.host is not None and self.host != host:
            return None
        # A trailing slash never changes which rule matches (as on Netlify).
        found = self.regex.match(_trim_slash(path))
        if found is None:
            return None
        # An absent splat (`/news/*` asked as `/news`) is an empty one.
        return {k: v or "" for k, v in found.groupdict().items()}


@dataclass(frozen=True, slots=True)
class RedirectRule:
    line: int
    pattern: PathPattern
    query: tuple[tuple[str, str], ...]  # (parameter, placeholder name or literal value)
    to: str
    status: int
    force: bool
    conditions: tuple[tuple[str, str], ...]

    @property
    def is_redirect(self) -> bool:
        return self.status in REDIRECT_STATUSES

    def match(self, host: str | None, path: str, query: Mapping[str, str]) -> dict[str, str] | None:
        if self.conditions:
            return None
        captures = self.pattern.match(host, path)
        if captures is None:
            return None
        for param, wanted in self.query:
            if param not in query:
                return None
            if wanted.startswith(":"):
                captures[wanted[1:]] = query[param]
            elif query[param] != wanted:
                return None
        return captures

    def target(self, captures: Mapping[str, str]) -> str:
        def fill(found: re.Match[str]) -> str:
            return captures.get(found.group(1), found.group(0))

        result = _PLACEHOLDER_RE.sub(fill, self.to)
        if result.startswith("/"):
            # `/go/* /:splat` asked for `/go//evil.example` must not become `//evil.example`.
            result = "/" + result.lstrip("/")
        return result


@dataclass(frozen=True, slots=True)
class HeaderRule:
    line: int
    pattern: PathPattern
    headers: tuple[tuple[str, str], ...]


def parse_redirects(text: str) -> list[RedirectRule]:
    rules: list[RedirectRule] = []
    for number, line in _lines(text, "_redirects"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if len(rules) >= MAX_RULES:
            raise SiteRulesError(f"_redirects: more than {MAX_RULES} rules (line {number})")
        rules.append(_parse_redirect_line(number, line.split()))
    return rules


def _parse_redirect_line(number: int, tokens: list[str]) -> RedirectRule:
    where = f"_redirects line {number}"
    pattern = compile_pattern(tokens[0], where)
    rest = tokens[1:]
    query: list[tuple[str, str]] = []
    while rest and _is_query_token(rest[0]):
        param, _, value = rest.pop(0).partition("=")
        query.append((param, value))
    if not rest:
        raise SiteRulesError(f"{where}: a rule needs a destination after {tokens[0]!r}")
    to = rest.pop(0)
    if not (to.startswith("/") or _is_absolute_url(to)):
        raise SiteRulesError(f"{where}: destination {to!r} must be a path or an http(s) URL")
    status, force = DEFAULT_STATUS, False
    if rest and (found := _STATUS_RE.match(rest[0])):
        rest.pop(0)
        status, force = int(found.group(1)), bool(found.group(2))
        if status not in REDIRECT_STATUSES | SERVE_STATUSES:
            raise SiteRulesError(f"{where}: unsupported status {status}")
    if status in SERVE_STATUSES and _is_absolute_url(to):
        raise SiteRulesError(
            f"{where}: status {status} to an external URL would proxy it; use a redirect status"
        )
    conditions: list[tuple[str, str]] = []
    for token in rest:
        name, sep, value = token.partition("=")
        if not sep or not name:
            raise SiteRulesError(f"{where}: unexpected {token!r} (expected Condition=value)")
        conditions.append((name, value))
    return RedirectRule(
        line=number,
        pattern=pattern,
        query=tuple(query),
        to=to,
        status=status,
        force=force,
        conditions=tuple(conditions),
    )


def parse_headers(text: str) -> list[HeaderRule]:
    rules: list[HeaderRule] = []
    current: tuple[int, PathPattern] | None = None
    values: dict[str, list[str]] = {}
    names: dict[str, str] = {}

    def close() -> None:
        if current is not None:
            joined = tuple((names[k], ", ".join(v)) for k, v in values.items())
            rules.append(HeaderRule(line=current[0], pattern=current[1], headers=joined))

    for number, line in _lines(text, "_headers"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        where = f"_headers line {number}"
        if not line[0].isspace():
            close()
            if len(rules) >= MAX_RULES:
                raise SiteRulesError(f"_headers: more than {MAX_RULES} rules (line {number})")
            current, values, names = (number, compile_pattern(stripped, where)), {}, {}
            continue
        if current is None:
            raise SiteRulesError(f"{where}: a header line must follow a path line")
        name, sep, value = stripped.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not _HEADER_NAME_RE.match(name):
            raise SiteRulesError(f"{where}: expected 'Name: value', got {stripped!r}")
        if name.lower() in _RESERVED_HEADERS:
            raise SiteRulesError(
                f"{where}: header {name} is set by the proxy and cannot be changed"
            )
        if name.lower() not in values and len(values) >= MAX_HEADERS_PER_RULE:
            raise SiteRulesError(f"{where}: more than {MAX_HEADERS_PER_RULE} headers in one rule")
        names.setdefault(name.lower(), name)
        values.setdefault(name.lower(), []).append(value)
    close()
    return rules


def compile_pattern(source: str, where: str) -> PathPattern:
    host: str | None = None
    path = source
    if _is_absolute_url(source):
        parts = urlsplit(source)
        if not parts.hostname:
            raise SiteRulesError(f"{where}: {source!r} has no host")
        host, path = parts.hostname.lower(), parts.path or "/"
    if not path.startswith("/"):
        raise SiteRulesError(f"{where}: path {source!r} must start with '/'")
    if "*" in path[:-1]:
        raise SiteRulesError(f"{where}: '*' is only allowed at the end of {source!r}")
    body = _trim_slash(path)
    regex = ""
    if body.endswith("/*"):
        body, tail = body[:-2], "(?:/(?P<splat>.*))?"
    elif body.endswith("*"):
        body, tail = body[:-1], "(?P<splat>.*)"
    else:
        tail = ""
    seen: set[str] = set()
    for index, segment in enumerate(body.split("/")):
        if index:
            regex += "/"
        if segment.startswith(":") and re.fullmatch(_NAME, segment[1:]):
            name = segment[1:]
            if name in seen or name == "splat":
                raise SiteRulesError(f"{where}: placeholder :{name} used twice in {source!r}")
            seen.add(name)
            regex += f"(?P<{name}>[^/]+)"
        else:
            regex += re.escape(segment)
    return PathPattern(source=source, host=host, regex=re.compile(f"^{regex}{tail}$"))


def first_redirect(
    rules: list[RedirectRule], host: str | None, path: str, query: Mapping[str, str]
) -> tuple[RedirectRule, str] | None:
    """The first rule matching the request and its filled-in destination."""
    for rule in rules:
        captures = rule.match(host, path, query)
        if captures is not None:
            return rule, rule.target(captures)
    return None


def headers_for(rules: list[HeaderRule], host: str | None, path: str) -> list[tuple[str, str]]:
    """Headers of every matching `_headers` rule, a repeated name's values joined."""
    merged: dict[str, tuple[str, list[str]]] = {}
    for rule in rules:
        if rule.pattern.match(host, path) is None:
            continue
        for name, value in rule.headers:
            merged.setdefault(name.lower(), (name, []))[1].append(value)
    return [(name, ", ".join(values)) for name, values in merged.values()]


def _lines(text: str, what: str) -> list[tuple[int, str]]:
    numbered = list(enumerate(text.splitlines(), start=1))
    for number, line in numbered:
        if len(line) > MAX_LINE_LENGTH:
            raise SiteRulesError(f"{what} line {number}: longer than {MAX_LINE_LENGTH} characters")
    return numbered


def _trim_slash(path: str) -> str:
    return path.rstrip("/")


def _is_absolute_url(token: str) -> bool:
    return token.startswith(("http://", "https://"))


def _is_query_token(token: str) -> bool:
    return "=" in token and not token.startswith("/") and not _is_absolute_url(token)
