"""`vercel.json` in the project's directory, read the way sites moving from Vercel expect.

Used: `buildCommand`, `outputDirectory`, `installCommand`; `redirects`, `rewrites` and
`headers`, written as `_redirects` / `_headers` lines as netlify.toml's are. Vercel applies
redirects before the filesystem and rewrites after it misses, so redirects become forced
rules (`!`) and rewrites plain 200 rules. Source patterns are path-to-regexp; only the forms
the `_redirects` syntax carries are translated (`/exact`, `:name` segments, and a final
`/:name*`, `/(.*)` or `/:name(.*)` as a splat). Anything else fails the build naming the
entry (`vercel.json redirects[2]: ...`, counted from 1) rather than matching otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from build_runner.config_rules import ConfigFile, RuleParts, count
from build_runner.errors import BuildFailure
from build_runner.serving import read_config_file
from services.core.build_protocol import EXIT_OUTPUT
from services.core.site_rules import PLACEHOLDER_NAME, REDIRECT_STATUSES

VERCEL_JSON = "vercel.json"
_JSON_TYPES = {
    list: "an array",
    dict: "an object",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
}
VERCEL = ConfigFile(VERCEL_JSON, _JSON_TYPES, other_type="null")

_SETTINGS = ("buildCommand", "outputDirectory", "installCommand")
_RULES = ("redirects", "rewrites", "headers")
_ACCEPTED = ("$schema", "framework")  # describe the project, nothing to do
_EXPLAINED = {
    "cleanUrls": (
        "Slipway always serves clean URLs (/about serves about.html) "
        "but does not redirect /about.html to /about"
    ),
    "trailingSlash": (
        "Slipway redirects a directory asked for without its slash to the slash form "
        "(308, /docs to /docs/) and makes no other trailing-slash redirects"
    ),
}
# Deprecated on Vercel; build variables are the project's settings here.
_NOT_PASSED = {"env": "env", "build": "build.env"}
_REDIRECT_KEYS = ("source", "destination", "permanent", "statusCode", "has", "missing")
_REWRITE_KEYS = ("source", "destination", "has", "missing")
_HEADER_KEYS = ("source", "headers", "has", "missing")
_HEADER_VALUE_KEYS = ("key", "value")
_COOKIE_KEYS = ("type", "key")

_PARAM_RE = re.compile(rf":({PLACEHOLDER_NAME})")
# A final segment matching the rest of the path, whatever its depth.
_SPLAT_RES = (
    re.compile(r"\(\.\*\)"),
    re.compile(rf":({PLACEHOLDER_NAME})\(\.\*\)"),
    re.compile(rf":({PLACEHOLDER_NAME})\*"),
)
_UNNAMED_SPLAT = "$1"  # how a destination names `(.*)`
# A literal segment: none of path-to-regexp's syntax.
_LITERAL_RE = re.compile(r"[^:()?+*{}\[\]\\]*")
# `:name` (with the `*` Next.js-style destinations repeat) or `$1` in a destination.
_REFERENCE_RE = re.compile(rf":({PLACEHOLDER_NAME})\*?|\$(\d+)")
_SUPPORTED_SOURCES = "exact paths, :name segments, and a final /:name*, /(.*) or /:name(.*)"


@dataclass(frozen=True)
class VercelConfig:
    FILE_NAME: ClassVar[str] = VERCEL_JSON
    build_command: str = ""
    output_directory: str = ""  # relative to the project's directory, checked when used
    install_command: str | None = None  # None: not set; empty: no install step, as on Vercel
    redirects: tuple[str, ...] = ()  # one forced `_redirects` line per entry
    rewrites: tuple[str, ...] = ()  # one 200 `_redirects` line per entry
    headers: tuple[str, ...] = ()  # one `_headers` block per entry
    notes: tuple[str, ...] = ()  # what was left out or explained, for the build log

    def redirects_text(self) -> str:
        return "".join(f"{line}\n" for line in (*self.redirects, *self.rewrites))

    def headers_text(self) -> str:
        return "".join(self.headers)


@dataclass(frozen=True)
class _Source:
    """A source pattern in `_redirects` syntax, and what a destination may refer to."""

    pattern: str
    references: dict[str, str]  # `slug` or `$1` as Vercel writes it → placeholder name


def read_vercel_config(project_dir: Path, within: Path | None = None) -> VercelConfig | None:
    """The project's vercel.json, or None when it has none (links followed inside `within`)."""
    text = read_config_file(project_dir, VERCEL_JSON, within)
    return None if text is None else parse_vercel_config(text)


def parse_vercel_config(text: str) -> VercelConfig:
    data = _json_object(text)
    return VercelConfig(
        build_command=_optional_string(data, "buildCommand").strip(),
        output_directory=VERCEL.relative_directory(
            _optional_string(data, "outputDirectory"), "outputDirectory"
        ),
        install_command=_install_command(data),
        redirects=tuple(
            _rule_line(entry, where, _redirect_parts)
            for entry, where in _entries(data, "redirects")
        ),
        rewrites=tuple(
            _rule_line(entry, where, _rewrite_parts) for entry, where in _entries(data, "rewrites")
        ),
        headers=tuple(_header_block(entry, where) for entry, where in _entries(data, "headers")),
        notes=tuple(_notes(data)),
    )


def describe(
    config: VercelConfig, *, build_setting: str, output_setting: str, install_setting: str
) -> list[str]:
    """Build log lines: what vercel.json contributed and what the project's settings overrode."""
    lines = [
        f"read {VERCEL_JSON}: {count(len(config.redirects), 'redirect rule')}, "
        f"{count(len(config.rewrites), 'rewrite rule')} and "
        f"{count(len(config.headers), 'header rule')}, applied after _redirects and _headers"
    ]
    lines += VERCEL.setting_notes(
        ("buildCommand", "build command", config.build_command, build_setting),
        ("outputDirectory", "output directory", config.output_directory, output_setting),
    )
    if config.install_command == "" and not install_setting:
        lines.append(f"no install step: {VERCEL_JSON} installCommand is empty")
    elif config.install_command is not None:
        lines += VERCEL.setting_notes(
            ("installCommand", "install command", config.install_command, install_setting)
        )
    return [*lines, *config.notes]


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildFailure(
            EXIT_OUTPUT,
            f"{VERCEL_JSON} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
        ) from None
    if not isinstance(data, dict):
        raise BuildFailure(
            EXIT_OUTPUT, f"{VERCEL_JSON} must hold an object, got {VERCEL.type_name(data)}"
        )
    return data


def _optional_string(data: dict[str, Any], key: str) -> str:
    """A setting Vercel lets be null or absent: both mean not set."""
    value = data.get(key)
    return "" if value is None else VERCEL.string(value, key)


def _install_command(data: dict[str, Any]) -> str | None:
    if data.get("installCommand") is None:
        return None
    return _optional_string(data, "installCommand").strip()


def _notes(data: dict[str, Any]) -> list[str]:
    for key in ("$schema", "framework"):
        if data.get(key) is not None:
            VERCEL.string(data[key], key)
    notes = []
    for key, explanation in _EXPLAINED.items():
        if key in data:
            VERCEL.boolean(data[key], key)
            notes.append(f"{VERCEL_JSON} {key}: {explanation}")
    known = {*_SETTINGS, *_RULES, *_ACCEPTED, *_EXPLAINED}
    if ignored := [key for key in data if key not in known]:
        notes.append(f"{VERCEL_JSON}: ignored, not used by Slipway: {', '.join(ignored)}")
    if not_passed := [name for key, name in _NOT_PASSED.items() if key in data]:
        notes.append(
            f"{VERCEL_JSON} {', '.join(not_passed)}: variables are not passed to the build "
            "(deprecated on Vercel); set them as the project's build variables"
        )
    return notes


def _entries(data: dict[str, Any], key: str) -> list[tuple[dict[str, Any], str]]:
    """The entries of a rule list, each with its name in messages (`redirects[1]`)."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise VERCEL.failure(key, f"must be an array of objects, got {VERCEL.type_name(value)}")
    return [(entry, f"{key}[{number}]") for number, entry in enumerate(value, start=1)]


def _rule_line(
    entry: dict[str, Any], where: str, parts: Callable[[dict[str, Any], str], RuleParts]
) -> str:
    line, _ = VERCEL.redirect_line(parts(entry, where), where)  # Cookie conditions can match
    return line


def _redirect_parts(entry: dict[str, Any], where: str) -> RuleParts:
    VERCEL.known_keys(entry, _REDIRECT_KEYS, where)
    # Vercel redirects before looking at the files, and may send visitors to another site.
    return _rule_parts(entry, where, status=_redirect_status(entry, where), redirect=True)


def _rewrite_parts(entry: dict[str, Any], where: str) -> RuleParts:
    VERCEL.known_keys(entry, _REWRITE_KEYS, where)
    # Only when no file answers, as on Vercel; and only to a file of this deployment.
    return _rule_parts(entry, where, status=200, redirect=False)


def _rule_parts(entry: dict[str, Any], where: str, *, status: int, redirect: bool) -> RuleParts:
    source = _source(entry, where)
    return RuleParts(
        source=source.pattern,
        to=_destination(entry, source, where, external=redirect),
        status=status,
        force=redirect,
        conditions=_conditions(entry, where),
    )


def _header_block(entry: dict[str, Any], where: str) -> str:
    VERCEL.known_keys(entry, _HEADER_KEYS, where)
    if entry.get("has") or entry.get("missing"):
        raise VERCEL.failure(
            where, "has and missing cannot be translated: _headers rules have no conditions"
        )
    path = _source(entry, where).pattern
    values = entry.get("headers")
    if not isinstance(values, list) or not values or not all(isinstance(v, dict) for v in values):
        raise VERCEL.failure(where, "headers must be a non-empty array of {key, value} objects")
    lines = [path]
    for number, header in enumerate(values, start=1):
        at = f"{where}.headers[{number}]"
        VERCEL.known_keys(header, _HEADER_VALUE_KEYS, at)
        name = VERCEL.string(header.get("key"), f"{at}.key")
        value = VERCEL.string(header.get("value"), f"{at}.value")
        lines.append(VERCEL.header_line(path, name, value, where))
    return "\n".join(lines) + "\n"


def _redirect_status(entry: dict[str, Any], where: str) -> int:
    """statusCode when given, else 308 for permanent (Vercel's default) and 307 otherwise."""
    if "statusCode" in entry:
        status = entry["statusCode"]
        if isinstance(status, bool) or status not in REDIRECT_STATUSES:
            allowed = ", ".join(map(str, sorted(REDIRECT_STATUSES)))
            raise VERCEL.failure(where, f"statusCode must be one of {allowed}, got {status!r}")
        return int(status)
    return 308 if VERCEL.boolean(entry.get("permanent", True), f"{where}.permanent") else 307


def _conditions(entry: dict[str, Any], where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`has` cookies, present whatever their value, as Cookie conditions (all must hold)."""
    if entry.get("missing"):
        raise VERCEL.failure(
            where,
            "missing cannot be translated: a condition only requires a cookie to be there",
        )
    has = entry.get("has", [])
    if not isinstance(has, list):
        raise VERCEL.failure(where, f"has must be an array, got {VERCEL.type_name(has)}")
    conditions = []
    for number, item in enumerate(has, start=1):
        at = f"has[{number}]"
        if (
            not isinstance(item, dict)
            or item.get("type") != "cookie"
            or set(item) - {*_COOKIE_KEYS}
        ):
            raise VERCEL.failure(
                where,
                f'{at}: only a cookie\'s presence, {{"type": "cookie", "key": ...}}, '
                "can be translated",
            )
        key = VERCEL.token(item.get("key"), where, f"{at}.key")
        if "," in key:
            raise VERCEL.failure(where, f"{at}.key {key!r} holds ',', which separates values")
        conditions.append(("Cookie", (key,)))
    return tuple(conditions)


def _source(entry: dict[str, Any], where: str) -> _Source:
    source = VERCEL.token(entry.get("source"), where, "source")
    segments = source.split("/")
    if segments[0]:
        raise VERCEL.failure(where, f"source {source!r} must start with '/'")
    translated: list[str] = []
    references: dict[str, str] = {}
    for index, segment in enumerate(segments):
        splat = _splat_name(segment) if index == len(segments) - 1 else None
        if splat is not None:
            translated.append("*")
            references[splat] = "splat"
        elif (param := _PARAM_RE.fullmatch(segment)) is not None:
            name = param.group(1)
            if name in references:
                raise VERCEL.failure(where, f"source {source!r} uses :{name} twice")
            translated.append(segment)
            references[name] = name
        elif _LITERAL_RE.fullmatch(segment):
            translated.append(segment)
        else:
            raise VERCEL.failure(
                where,
                f"source {source!r}: {segment!r} cannot be translated "
                f"(Slipway reads {_SUPPORTED_SOURCES})",
            )
    return _Source("/".join(translated), references)


def _splat_name(segment: str) -> str | None:
    """What a destination calls a final segment matching the rest of the path, if it is one."""
    for pattern in _SPLAT_RES:
        if (found := pattern.fullmatch(segment)) is not None:
            return found.group(1) if found.groups() else _UNNAMED_SPLAT
    return None


def _destination(entry: dict[str, Any], source: _Source, where: str, *, external: bool) -> str:
    destination = VERCEL.path_token(entry.get("destination"), where, "destination")
    if not external and not destination.startswith("/"):
        raise VERCEL.failure(
            where,
            f"destination {destination!r} is another site: Slipway does not proxy, "
            "a rewrite serves a file of this deployment (a redirect can send visitors there)",
        )

    def placeholder(found: re.Match[str]) -> str:
        reference = found.group(1) or f"${found.group(2)}"
        if reference not in source.references:
            shown = reference if reference.startswith("$") else f":{reference}"
            raise VERCEL.failure(
                where,
                f"destination {destination!r} uses {shown}, which the source does not capture",
            )
        return f":{source.references[reference]}"

    return _REFERENCE_RE.sub(placeholder, destination)
