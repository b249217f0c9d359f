"""Netlify-style `_redirects` and `_headers`: parsing (at build time and on load) and matching.

`_redirects`, one rule a line: `from [key=:value ...] to [status][!] [Condition=value ...]`.
- `from` is a path (or `https://host/path`) with `:name` placeholders and a trailing `*` splat;
- `to` is a path or an absolute URL that may use `:name` and `:splat`;
- status 301 (default), 302, 303, 307, 308 redirect; 200 rewrites; 404 and 410 serve `to`
  with that status; `!` forces the rule even when a file exists at the request path;
- the first matching rule wins;
- conditions after the status narrow a rule to some viewers: `Language=fr,de` (the request's
  Accept-Language lists one of them, compared by primary tag), `Country=us,ca` (the viewer's
  country, as told by a CDN header), `Cookie=a,b` (the request carries one of those cookies).
  Values of one condition are alternatives; several conditions must all hold. `Role=` (and any
  other name) never holds: Slipway has no identity service to say what role a viewer has.

`_headers`: a path pattern on its own line, then indented `Name: value` lines for it. Every
matching rule applies; values of one header from several rules are joined with ", ". A value
may hold any text but control characters (tab excepted), which no HTTP response can carry.
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

# A `:name` placeholder of a rule; vercel.json's parameters become these, so they share it.
PLACEHOLDER_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PLACEHOLDER_RE = re.compile(rf":({PLACEHOLDER_NAME})")
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
class Viewer:
    """Who asks, as far as conditions can tell: what they hold is matched against this."""

    languages: frozenset[str] = frozenset()  # primary tags, lower-case, from Accept-Language
    country: str | None = None  # lower-case ISO 3166 code; None when unknown
    cookies: frozenset[str] = frozenset()  # cookie names, as sent


NOBODY = Viewer()
# Conditions the proxy can decide; any other (Role needs an identity service) never holds.
DECIDABLE_CONDITIONS = frozenset({"language", "country", "cookie"})


@dataclass(frozen=True, slots=True)
class Condition:
    name: str  # as written
    values: frozenset[str]  # normalised as the viewer's side is: see `_condition_values`

    @property
    def kind(self) -> str:
        return self.name.lower()

    @property
    def decidable(self) -> bool:
        return self.kind in DECIDABLE_CONDITIONS

    def holds(self, viewer: Viewer) -> bool:
        kind = self.kind
        if kind == "language":
            return not self.values.isdisjoint(viewer.languages)
        if kind == "country":
            return viewer.country in self.values
        if kind == "cookie":
            return not self.values.isdisjoint(viewer.cookies)
        return False


@dataclass(frozen=True, slots=True)
class RedirectRule:
    line: int
    pattern: PathPattern
    query: tuple[tuple[str, str], ...]  # (parameter, placeholder name or literal value)
    to: str
    status: int
    force: bool
    conditions: tuple[Condition, ...]

    @property
    def is_redirect(self) -> bool:
        return self.status in REDIRECT_STATUSES

    @property
    def depends_on_viewer(self) -> bool:
        """Whether some viewers match this rule and others not (a Role rule matches nobody)."""
        return bool(self.conditions) and all(c.decidable for c in self.conditions)

    def match(
        self, host: str | None, path: str, query: Mapping[str, str], viewer: Viewer = NOBODY
    ) -> dict[str, str] | None:
        captures = self.captures(host, path, query)
        if captures is None or (self.conditions and not self.admits(viewer)):
            return None
        return captures

    def admits(self, viewer: Viewer) -> bool:
        return all(condition.holds(viewer) for condition in self.conditions)

    def captures(
        self, host: str | None, path: str, query: Mapping[str, str]
    ) -> dict[str, str] | None:
        """The placeholders when host, path and query match, whoever the viewer is."""
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
    conditions: list[Condition] = []
    for token in rest:
        name, sep, value = token.partition("=")
        if not sep or not name:
            raise SiteRulesError(f"{where}: unexpected {token!r} (expected Condition=value)")
        values = _condition_values(name.lower(), value)
        if not values:  # `Country=` would never match: surely a mistake, so say so now
            raise SiteRulesError(f"{where}: {name}= names no value")
        conditions.append(Condition(name, values))
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
        if (control := _control_character(value)) is not None:
            raise SiteRulesError(
                f"{where}: the value of {name} holds a control character U+{ord(control):04X}"
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
        if segment.startswith(":") and re.fullmatch(PLACEHOLDER_NAME, segment[1:]):
            name = segment[1:]
            if name in seen or name == "splat":
                raise SiteRulesError(f"{where}: placeholder :{name} used twice in {source!r}")
            seen.add(name)
            regex += f"(?P<{name}>[^/]+)"
        else:
            regex += re.escape(segment)
    return PathPattern(source=source, host=host, regex=re.compile(f"^{regex}{tail}$"))


def _condition_values(kind: str, value: str) -> frozenset[str]:
    """`a,b` as the viewer's side is kept: languages by primary tag, countries lower-case."""
    values = [v.strip() for v in value.split(",") if v.strip()]
    if kind == "language":
        return frozenset(primary_language(v) for v in values)
    if kind == "country":
        return frozenset(v.lower() for v in values)
    return frozenset(values)  # cookie names are case-sensitive


def primary_language(tag: str) -> str:
    """`fr-CA` → `fr`: a language condition names languages, not regions."""
    return tag.split("-", 1)[0].strip().lower()


def condition_warnings(rules: list[RedirectRule]) -> list[str]:
    """A line for each rule with a condition the proxy can never satisfy."""
    warnings = []
    for rule in rules:
        for condition in rule.conditions:
            if condition.kind == "role":
                reason = "Slipway has no identity service to tell a viewer's role"
            elif not condition.decidable:
                reason = "only Language, Country, Cookie and Role are known"
            else:
                continue
            warnings.append(
                f"_redirects line {rule.line}: {condition.name}= never matches: {reason}"
            )
    return warnings


def first_redirect(
    rules: list[RedirectRule],
    host: str | None,
    path: str,
    query: Mapping[str, str],
    viewer: Viewer = NOBODY,
) -> tuple[RedirectRule, str] | None:
    """The first rule matching the request and its filled-in destination."""
    for rule in rules:
        captures = rule.match(host, path, query, viewer)
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


def _control_character(value: str) -> str | None:
    """The first character an HTTP field value cannot carry (RFC 9110 §5.5): C0 but tab, DEL."""
    for char in value:
        if (char < " " and char != "\t") or char == "\x7f":
            return char
    return None


def _trim_slash(path: str) -> str:
    return path.rstrip("/")


def _is_absolute_url(token: str) -> bool:
    return token.startswith(("http://", "https://"))


def _is_query_token(token: str) -> bool:
    return "=" in token and not token.startswith("/") and not _is_absolute_url(token)
