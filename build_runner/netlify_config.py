"""`netlify.toml` in the project's directory, read the way sites moving from Netlify expect.

Used: `[build]` command, publish and environment, with the `[context.*]` sections that apply
to the build laid over them; `[[redirects]]` and `[[headers]]`. Redirects and headers are
written as `_redirects` / `_headers` lines, so the proxy keeps one syntax and one parser.
Each entry is parsed back on its own: a value that syntax cannot carry fails the build naming
the entry (`netlify.toml redirects[2]: ...`, counted from 1 in file order) instead of turning
into some other rule. Everything else is named once in the log and left out: the runner
builds static sites.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from build_runner.errors import BuildFailure
from build_runner.inputs import DEPLOY_CONTEXTS, DeployContext
from build_runner.output import inside
from build_runner.serving import read_rules_file
from services.core.build_protocol import EXIT_OUTPUT
from services.core.site_rules import (
    DEFAULT_STATUS,
    RedirectRule,
    SiteRulesError,
    condition_warnings,
    parse_headers,
    parse_redirects,
)

NETLIFY_TOML = "netlify.toml"
_USED_KEYS = frozenset({"build", "redirects", "headers", "context"})
_BUILD_KEYS = frozenset({"command", "publish", "base", "environment"})
_CONTEXT_KEYS = ("command", "publish", "environment")  # what a context may override
_REDIRECT_KEYS = ("from", "to", "status", "force", "query", "conditions")
_HEADER_KEYS = ("for", "values")
# Netlify's condition names, found case-insensitively, written as Netlify spells them.
_CONDITIONS = {name.lower(): name for name in ("Language", "Country", "Role", "Cookie")}
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The parser names its own input ("_redirects line 1: "); the entry is named instead.
_PARSER_PREFIX_RE = re.compile(r"^_(?:redirects|headers)(?: line \d+)?: ")
_TOML_TYPES = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
_T = TypeVar("_T")


@dataclass(frozen=True)
class DeployTarget:
    """What a build deploys: it picks the `[context.*]` sections that apply."""

    context: DeployContext | None = None  # None: not told, so no context applies
    branch: str = ""

    def context_names(self) -> tuple[str, ...]:
        """The contexts to lay over `[build]`, in order: a later one wins."""
        if self.context is None:
            return ()
        # As on Netlify, a branch's own context is laid over the deploy context's, on the
        # production branch too. A pull request's preview does not depend on what its branch
        # is called, and a branch named like a deploy context does not take that context.
        if self.context == "deploy-preview" or self.branch in ("", *DEPLOY_CONTEXTS):
            return (self.context,)
        return (self.context, self.branch)


UNKNOWN_TARGET = DeployTarget()


@dataclass(frozen=True)
class NetlifyConfig:
    command: str = ""
    publish: str = ""  # relative to the project's directory, checked when used
    publish_key: str = "build.publish"  # where `publish` came from, to name it in errors
    environment: dict[str, str] = field(default_factory=dict)
    redirects: tuple[str, ...] = ()  # one `_redirects` line per [[redirects]] entry
    headers: tuple[str, ...] = ()  # one `_headers` block per [[headers]] entry
    context_notes: tuple[str, ...] = ()  # which [context.*] applied, for the build log
    notes: tuple[str, ...] = ()  # what was left out or never matches, for the build log

    def redirects_text(self) -> str:
        return "".join(f"{line}\n" for line in self.redirects)

    def headers_text(self) -> str:
        return "".join(self.headers)


@dataclass(frozen=True)
class _Layer:
    """`[build]` or one `[context.*]` section, with the name its keys are reported under."""

    where: str
    table: dict[str, Any]


def read_netlify_config(
    project_dir: Path, target: DeployTarget = UNKNOWN_TARGET
) -> NetlifyConfig | None:
    """The project's netlify.toml, or None when it has none."""
    text = read_rules_file(project_dir / NETLIFY_TOML)
    return None if text is None else parse_netlify_config(text, target)


def parse_netlify_config(text: str, target: DeployTarget = UNKNOWN_TARGET) -> NetlifyConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends with the line and column
        raise BuildFailure(EXIT_OUTPUT, f"{NETLIFY_TOML} is not valid TOML: {exc}") from None
    build = _table(data.get("build", {}), "build")
    contexts = _table(data.get("context", {}), "context")
    applied = _applied_contexts(contexts, target)
    layers = [_Layer("build", build), *applied]
    notes = _ignored_notes(data, build, applied)
    redirects, warnings = _redirect_lines(data.get("redirects", []))
    environment, refused_notes = _merged_environment(layers)
    command, command_key = _last_value(layers, "command")
    publish, publish_key = _last_value(layers, "publish")
    return NetlifyConfig(
        command=_string(command, command_key).strip(),
        publish=_publish(publish, publish_key),
        publish_key=publish_key,
        environment=environment,
        redirects=redirects,
        headers=_header_blocks(data.get("headers", [])),
        context_notes=tuple(_context_notes(contexts, applied, target)),
        notes=(*notes, *refused_notes, *warnings),
    )


def publish_directory(
    publish: str, project_dir: Path, checkout: Path, where: str = "build.publish"
) -> str:
    """The publish setting, refused when it leads out of the repository."""
    target = Path(os.path.normpath(project_dir / publish))
    if not inside(target, checkout.resolve()):
        raise _failure(where, f"{publish!r} leaves the repository")
    return publish


def describe(
    config: NetlifyConfig,
    *,
    build_setting: str,
    output_setting: str,
    project_env: Mapping[str, str],
) -> list[str]:
    """Build log lines: what netlify.toml contributed and what the project's settings overrode."""
    lines = [
        f"read {NETLIFY_TOML}: {_count(len(config.redirects), 'redirect rule')} and "
        f"{_count(len(config.headers), 'header rule')}, applied after _redirects and _headers",
        *config.context_notes,
    ]
    if config.command:
        lines.append(
            f"{NETLIFY_TOML} build command not used: the project's build command setting wins"
            if build_setting
            else f"build command from {NETLIFY_TOML}: {config.command}"
        )
    if config.publish:
        lines.append(
            f"{NETLIFY_TOML} publish not used: the project's output directory setting wins"
            if output_setting
            else f"output directory from {NETLIFY_TOML}: {config.publish}"
        )
    kept = [name for name in config.environment if name in project_env]
    added = [name for name in config.environment if name not in project_env]
    if added:
        lines.append(f"build variables from {NETLIFY_TOML}: {', '.join(added)}")
    if kept:
        lines.append(
            f"{NETLIFY_TOML} build.environment: {', '.join(kept)} not used: "
            "the project's own build variables win"
        )
    return [*lines, *config.notes]


def _applied_contexts(contexts: dict[str, Any], target: DeployTarget) -> list[_Layer]:
    return [
        _Layer(f"context.{name}", _table(contexts[name], f"context.{name}"))
        for name in target.context_names()
        if name in contexts
    ]


def _context_notes(
    contexts: dict[str, Any], applied: list[_Layer], target: DeployTarget
) -> list[str]:
    if not contexts:
        return []
    if target.context is None:
        names = ", ".join(f"[context.{name}]" for name in contexts)
        return [
            f"{NETLIFY_TOML} {names} ignored: the build does not know its deploy context "
            "(production or preview), so [build] applies to every build"
        ]
    notes = []
    for layer in applied:
        keys = ", ".join(key for key in _CONTEXT_KEYS if key in layer.table)
        name = layer.where.removeprefix("context.")
        notes.append(f"{NETLIFY_TOML}: context {name} applied ({keys or 'nothing Slipway uses'})")
    if unused := [name for name in contexts if name not in target.context_names()]:
        build = f"{target.context} build" + (f" of {target.branch}" if target.branch else "")
        names = ", ".join(f"[context.{name}]" for name in unused)
        notes.append(f"{NETLIFY_TOML} {names} not used: this is a {build}")
    return notes


def _last_value(layers: list[_Layer], key: str) -> tuple[object, str]:
    """The value of the last layer that sets `key`, and where it was set."""
    for layer in reversed(layers):
        if key in layer.table:
            return layer.table[key], f"{layer.where}.{key}"
    return "", f"build.{key}"


def _merged_environment(layers: list[_Layer]) -> tuple[dict[str, str], list[str]]:
    """Each layer's variables over those before it, name by name; notes on refused names."""
    merged: dict[str, str] = {}
    notes = []
    for layer in layers:
        where = f"{layer.where}.environment"
        variables, refused = _environment(_table(layer.table.get("environment", {}), where), where)
        merged.update(variables)
        if refused:
            notes.append(
                f"{NETLIFY_TOML} {where}: {', '.join(refused)} ignored: "
                "SLIPWAY_ names are the runner's own"
            )
    return merged, notes


def _ignored_notes(data: dict[str, Any], build: dict[str, Any], applied: list[_Layer]) -> list[str]:
    notes = []
    if "base" in build:
        base = build["base"]
        notes.append(
            f"{NETLIFY_TOML} build.base {base!r} ignored: "
            "the project's root directory setting is used instead"
        )
    ignored = [
        *sorted(set(data) - _USED_KEYS),
        *(f"build.{k}" for k in sorted(set(build) - _BUILD_KEYS)),
        # A context's other keys (plugins, base, ...) are Netlify features, or the project's
        # own settings here, as [build]'s are.
        *(f"{c.where}.{k}" for c in applied for k in sorted(set(c.table) - set(_CONTEXT_KEYS))),
    ]
    if ignored:
        notes.append(f"{NETLIFY_TOML}: ignored, not used by Slipway: {', '.join(ignored)}")
    return notes


def _publish(value: object, where: str) -> str:
    publish = _string(value, where).strip()
    if Path(publish).is_absolute():
        raise _failure(where, f"{publish!r} must be relative to the project directory")
    return publish.rstrip("/")


def _environment(table: dict[str, Any], where: str) -> tuple[dict[str, str], list[str]]:
    """Variables to add, and the SLIPWAY_ names refused."""
    variables: dict[str, str] = {}
    refused: list[str] = []
    for name, value in table.items():
        if not _ENV_NAME_RE.match(name):
            raise _failure(where, f"{name!r} is not a variable name")
        if name.startswith("SLIPWAY_"):
            refused.append(name)
            continue
        variables[name] = _env_value(value, f"{where}.{name}")
    return variables, refused


def _env_value(value: object, where: str) -> str:
    if isinstance(value, bool):  # as TOML writes them, not Python's True
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = _string(value, where)
    if "\0" in text:
        raise _failure(where, "holds a NUL character, which no environment can carry")
    return text


def _redirect_lines(value: object) -> tuple[tuple[str, ...], list[str]]:
    """`_redirects` lines of the [[redirects]] entries, and warnings for rules never matched."""
    lines: list[str] = []
    warnings: list[str] = []
    for number, entry in enumerate(_tables(value, "redirects"), start=1):
        where = f"redirects[{number}]"
        line, shape = _redirect_line(entry, where)
        rule = _parse_back_redirect(line, shape, where)
        warnings += [_relabel(w, where) for w in condition_warnings([rule])]
        lines.append(line)
    return tuple(lines), warnings


# What the parser must read back: from, query, to, status, force, condition names.
_RuleShape = tuple[str, tuple[tuple[str, str], ...], str, int, bool, tuple[str, ...]]


def _redirect_line(entry: dict[str, Any], where: str) -> tuple[str, _RuleShape]:
    _known_keys(entry, _REDIRECT_KEYS, where)
    source = _path_token(entry.get("from"), where, "from")
    query = _query(entry, where)
    to = _path_token(entry.get("to"), where, "to")
    status = _status(entry.get("status", DEFAULT_STATUS), where)
    force = _boolean(entry.get("force", False), f"{where}.force")
    conditions = _conditions(entry, where)
    line = " ".join(
        [
            source,
            *(f"{key}={value}" for key, value in query),
            to,
            f"{status}{'!' if force else ''}",
            *(f"{name}={','.join(values)}" for name, values in conditions),
        ]
    )
    return line, (source, query, to, status, force, tuple(name for name, _ in conditions))


def _query(entry: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    query = []
    for key, value in _table(entry.get("query", {}), f"{where}.query").items():
        # A key with `=`, or one that looks like a destination, would read as something else.
        if "=" in key or key.startswith(("/", "http://", "https://")):
            raise _failure(where, f"query key {key!r} cannot be written in a _redirects rule")
        query.append((_token(key, where, "query key"), _token(value, where, f"query.{key}")))
    return tuple(query)


def _conditions(entry: dict[str, Any], where: str) -> list[tuple[str, list[str]]]:
    conditions = []
    for name, values in _table(entry.get("conditions", {}), f"{where}.conditions").items():
        known = _CONDITIONS.get(name.lower())
        if known is None:
            raise _failure(
                where, f"unknown condition {name!r} (known: {', '.join(_CONDITIONS.values())})"
            )
        if not isinstance(values, list) or not values:
            raise _failure(where, f"conditions.{name} must be a non-empty array of strings")
        items = [_token(v, where, f"conditions.{name}[{i}]") for i, v in enumerate(values, 1)]
        if any("," in item for item in items):
            raise _failure(where, f"conditions.{name}: a value holds ',', which separates values")
        conditions.append((known, items))
    return conditions


def _status(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _failure(where, f"status must be an integer, got {_type_name(value)}")
    if not 100 <= value <= 999:  # the parser reads a status as three digits
        raise _failure(where, f"unsupported status {value}")
    return value


def _parse_back_redirect(line: str, shape: _RuleShape, where: str) -> RedirectRule:
    """The one rule `line` reads as, checked to be the rule the entry describes."""
    rules = _parsed(parse_redirects, line, where)
    if len(rules) != 1 or _shape(rules[0]) != shape:
        raise _failure(where, f"cannot be written as one _redirects rule: {line!r}")
    return rules[0]


def _shape(rule: RedirectRule) -> _RuleShape:
    names = tuple(condition.name for condition in rule.conditions)
    return rule.pattern.source, rule.query, rule.to, rule.status, rule.force, names


def _header_blocks(value: object) -> tuple[str, ...]:
    blocks = []
    for number, entry in enumerate(_tables(value, "headers"), start=1):
        where = f"headers[{number}]"
        _known_keys(entry, _HEADER_KEYS, where)
        path = _path_token(entry.get("for"), where, "for")
        lines = [path]
        for name, value in _table(entry.get("values", {}), f"{where}.values").items():
            text = _header_value(value, where, name)
            _parse_back_header(path, name, text, where)
            lines.append(_header_line(name, text))
        blocks.append("\n".join(lines) + "\n")
    return tuple(blocks)


def _header_line(name: str, value: str) -> str:
    return f"  {name}: {value}"


def _header_value(value: object, where: str, name: str) -> str:
    text = _string(value, f"{where}.values.{name}")
    # `str.splitlines` breaks where the `_headers` parser does (\n, \r, \x85, \u2028, ...).
    if "".join(text.splitlines()) != text:
        raise _failure(where, f"the value of {name} spans several lines; write it on one line")
    if any((ord(char) < 0x20 and char != "\t") or char == "\x7f" for char in text):
        raise _failure(where, f"the value of {name} holds a control character")
    return text


def _parse_back_header(path: str, name: str, value: str, where: str) -> None:
    rules = _parsed(parse_headers, f"{path}\n{_header_line(name, value)}\n", where)
    if len(rules) != 1 or rules[0].headers != ((name, value.strip()),):
        raise _failure(where, f"header name {name!r} cannot be written as a _headers line")


def _parsed(parse: Callable[[str], list[_T]], text: str, where: str) -> list[_T]:
    try:
        return parse(text)
    except SiteRulesError as exc:
        raise _failure(where, _PARSER_PREFIX_RE.sub("", str(exc))) from None


def _path_token(value: object, where: str, what: str) -> str:
    """A rule's path: a line starting otherwise would be a comment, or no rule at all."""
    path = _token(value, where, what)
    if not path.startswith(("/", "http://", "https://")):
        raise _failure(where, f"{what} {path!r} must start with '/' or be an http(s) URL")
    return path


def _token(value: object, where: str, what: str) -> str:
    """One word of a rule: the rule syntax splits at whitespace."""
    if value is None:
        raise _failure(where, f"{what} is missing")
    text = _string(value, f"{where}.{what}")
    if not text:
        raise _failure(where, f"{what} is empty")
    if text.split() != [text]:
        raise _failure(where, f"{what} {text!r} holds whitespace, which a rule cannot carry")
    return text


def _known_keys(entry: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    if unknown := [key for key in entry if key not in known]:
        raise _failure(
            where,
            f"unknown key {', '.join(map(repr, unknown))} (Slipway reads {', '.join(known)})",
        )


def _tables(value: object, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _failure(where, f"must be an array of tables ([[{where}]]), got {_type_name(value)}")
    return value


def _table(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _failure(where, f"must be a table, got {_type_name(value)}")
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _failure(where, f"must be a string, got {_type_name(value)}")
    return value


def _boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _failure(where, f"must be true or false, got {_type_name(value)}")
    return value


def _type_name(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return _TOML_TYPES.get(type(value), "a date or time")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _relabel(message: str, where: str) -> str:
    return f"{NETLIFY_TOML} {where}: {_PARSER_PREFIX_RE.sub('', message)}"


def _failure(where: str, message: str) -> BuildFailure:
    return BuildFailure(EXIT_OUTPUT, f"{NETLIFY_TOML} {where}: {message}")
