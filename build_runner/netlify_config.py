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

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from build_runner.config_rules import ConfigFile, RuleParts, count
from build_runner.errors import BuildFailure
from build_runner.serving import read_config_file
from services.core import build_variables
from services.core.build_protocol import EXIT_OUTPUT
from services.core.runner_inputs import DEPLOY_CONTEXTS, DeployContext
from services.core.site_rules import DEFAULT_STATUS

NETLIFY_TOML = "netlify.toml"
_USED_KEYS = frozenset({"build", "redirects", "headers", "context"})
_BUILD_KEYS = frozenset({"command", "publish", "base", "environment"})
_CONTEXT_KEYS = ("command", "publish", "environment")  # what a context may override
_REDIRECT_KEYS = ("from", "to", "status", "force", "query", "conditions")
_HEADER_KEYS = ("for", "values")
# Netlify's condition names, found case-insensitively, written as Netlify spells them.
_CONDITIONS = {name.lower(): name for name in ("Language", "Country", "Role", "Cookie")}
_TOML_TYPES = {
    list: "an array",
    dict: "a table",
    bool: "a boolean",
    int: "an integer",
    float: "a float",
    str: "a string",
}
NETLIFY = ConfigFile(NETLIFY_TOML, _TOML_TYPES, other_type="a date or time")


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
    FILE_NAME: ClassVar[str] = NETLIFY_TOML
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
    project_dir: Path, target: DeployTarget = UNKNOWN_TARGET, within: Path | None = None
) -> NetlifyConfig | None:
    """The project's netlify.toml, or None when it has none (links followed inside `within`)."""
    text = read_config_file(project_dir, NETLIFY_TOML, within)
    return None if text is None else parse_netlify_config(text, target)


def parse_netlify_config(text: str, target: DeployTarget = UNKNOWN_TARGET) -> NetlifyConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends with the line and column
        raise BuildFailure(EXIT_OUTPUT, f"{NETLIFY_TOML} is not valid TOML: {exc}") from None
    build = NETLIFY.mapping(data.get("build", {}), "build")
    contexts = NETLIFY.mapping(data.get("context", {}), "context")
    applied = _applied_contexts(contexts, target)
    layers = [_Layer("build", build), *applied]
    notes = _ignored_notes(data, build, applied)
    redirects, warnings = _redirect_lines(data.get("redirects", []))
    environment, refused_notes = _merged_environment(layers)
    command, command_key = _last_value(layers, "command")
    publish, publish_key = _last_value(layers, "publish")
    return NetlifyConfig(
        command=NETLIFY.string(command, command_key).strip(),
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
    return NETLIFY.inside_checkout(publish, project_dir, checkout, where)


def describe(
    config: NetlifyConfig,
    *,
    build_setting: str,
    output_setting: str,
    project_env: Mapping[str, str],
) -> list[str]:
    """Build log lines: what netlify.toml contributed and what the project's settings overrode."""
    lines = [
        f"read {NETLIFY_TOML}: {count(len(config.redirects), 'redirect rule')} and "
        f"{count(len(config.headers), 'header rule')}, applied after _redirects and _headers",
        *config.context_notes,
    ]
    lines += NETLIFY.setting_notes(
        ("build command", "build command", config.command, build_setting),
        ("publish", "output directory", config.publish, output_setting),
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
        _Layer(f"context.{name}", NETLIFY.mapping(contexts[name], f"context.{name}"))
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
        variables, refused = _environment(
            NETLIFY.mapping(layer.table.get("environment", {}), where), where
        )
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
    return NETLIFY.relative_directory(NETLIFY.string(value, where), where)


def _environment(table: dict[str, Any], where: str) -> tuple[dict[str, str], list[str]]:
    """Variables to add, and the SLIPWAY_ names refused."""
    variables: dict[str, str] = {}
    refused: list[str] = []
    for name, value in table.items():
        if not build_variables.is_variable_name(name):
            raise NETLIFY.failure(where, f"{name!r} is not a variable name")
        if build_variables.is_reserved(name):
            refused.append(name)
            continue
        variables[name] = _env_value(value, f"{where}.{name}")
    return variables, refused


def _env_value(value: object, where: str) -> str:
    if isinstance(value, bool):  # as TOML writes them, not Python's True
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = NETLIFY.string(value, where)
    if "\0" in text:
        raise NETLIFY.failure(where, "holds a NUL character, which no environment can carry")
    return text


def _redirect_lines(value: object) -> tuple[tuple[str, ...], list[str]]:
    """`_redirects` lines of the [[redirects]] entries, and warnings for rules never matched."""
    lines: list[str] = []
    warnings: list[str] = []
    for number, entry in enumerate(_tables(value, "redirects"), start=1):
        where = f"redirects[{number}]"
        line, rule_warnings = NETLIFY.redirect_line(_redirect_parts(entry, where), where)
        warnings += rule_warnings
        lines.append(line)
    return tuple(lines), warnings


def _redirect_parts(entry: dict[str, Any], where: str) -> RuleParts:
    NETLIFY.known_keys(entry, _REDIRECT_KEYS, where)
    source = NETLIFY.path_token(entry.get("from"), where, "from")
    query = _query(entry, where)
    to = NETLIFY.path_token(entry.get("to"), where, "to")
    return RuleParts(
        source=source,
        query=query,
        to=to,
        status=_status(entry.get("status", DEFAULT_STATUS), where),
        force=NETLIFY.boolean(entry.get("force", False), f"{where}.force"),
        conditions=_conditions(entry, where),
    )


def _query(entry: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    query = []
    for key, value in NETLIFY.mapping(entry.get("query", {}), f"{where}.query").items():
        # A key with `=`, or one that looks like a destination, would read as something else.
        if "=" in key or key.startswith(("/", "http://", "https://")):
            raise NETLIFY.failure(
                where, f"query key {key!r} cannot be written in a _redirects rule"
            )
        query.append(
            (NETLIFY.token(key, where, "query key"), NETLIFY.token(value, where, f"query.{key}"))
        )
    return tuple(query)


def _conditions(entry: dict[str, Any], where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    conditions = []
    for name, values in NETLIFY.mapping(entry.get("conditions", {}), f"{where}.conditions").items():
        known = _CONDITIONS.get(name.lower())
        if known is None:
            raise NETLIFY.failure(
                where, f"unknown condition {name!r} (known: {', '.join(_CONDITIONS.values())})"
            )
        if not isinstance(values, list) or not values:
            raise NETLIFY.failure(where, f"conditions.{name} must be a non-empty array of strings")
        items = [
            NETLIFY.token(v, where, f"conditions.{name}[{i}]") for i, v in enumerate(values, 1)
        ]
        if any("," in item for item in items):
            raise NETLIFY.failure(
                where, f"conditions.{name}: a value holds ',', which separates values"
            )
        conditions.append((known, tuple(items)))
    return tuple(conditions)


def _status(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise NETLIFY.failure(where, f"status must be an integer, got {NETLIFY.type_name(value)}")
    if not 100 <= value <= 999:  # the parser reads a status as three digits
        raise NETLIFY.failure(where, f"unsupported status {value}")
    return value


def _header_blocks(value: object) -> tuple[str, ...]:
    blocks = []
    for number, entry in enumerate(_tables(value, "headers"), start=1):
        where = f"headers[{number}]"
        NETLIFY.known_keys(entry, _HEADER_KEYS, where)
        path = NETLIFY.path_token(entry.get("for"), where, "for")
        lines = [path]
        for name, value in NETLIFY.mapping(entry.get("values", {}), f"{where}.values").items():
            text = NETLIFY.string(value, f"{where}.values.{name}")
            lines.append(NETLIFY.header_line(path, name, text, where))
        blocks.append("\n".join(lines) + "\n")
    return tuple(blocks)


def _tables(value: object, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise NETLIFY.failure(
            where, f"must be an array of tables ([[{where}]]), got {NETLIFY.type_name(value)}"
        )
    return value
