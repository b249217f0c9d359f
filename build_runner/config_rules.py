"""What the readers of a project's config file (netlify.toml, vercel.json) share.

Typed values, rule lines checked by parsing them back with the proxy's parser, and errors
that name the file and the entry (`vercel.json redirects[2]: ...`) and fail the build as an
output mistake.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from build_runner.errors import BuildFailure
from build_runner.output import inside
from services.core.build_protocol import EXIT_OUTPUT
from services.core.site_rules import (
    RedirectRule,
    SiteRulesError,
    condition_warnings,
    parse_headers,
    parse_redirects,
)

# The parser names its own input ("_redirects line 1: "); the entry is named instead.
_PARSER_PREFIX_RE = re.compile(r"^_(?:redirects|headers)(?: line \d+)?: ")
_T = TypeVar("_T")


@dataclass(frozen=True)
class RuleParts:
    """One `_redirects` rule as a config file entry describes it."""

    source: str
    to: str
    status: int
    force: bool = False
    query: tuple[tuple[str, str], ...] = ()
    conditions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def line(self) -> str:
        return " ".join(
            [
                self.source,
                *(f"{key}={value}" for key, value in self.query),
                self.to,
                f"{self.status}{'!' if self.force else ''}",
                *(f"{name}={','.join(values)}" for name, values in self.conditions),
            ]
        )

    def read_back_as(self, rule: RedirectRule) -> bool:
        """Whether the parser read this rule's line as this rule."""
        names = tuple(condition.name for condition in rule.conditions)
        return (rule.pattern.source, rule.query, rule.to, rule.status, rule.force, names) == (
            self.source,
            self.query,
            self.to,
            self.status,
            self.force,
            tuple(name for name, _ in self.conditions),
        )


@dataclass(frozen=True)
class ConfigFile:
    """A config file read in the project's directory, and how its format names value types."""

    name: str
    type_names: Mapping[type, str]  # must hold list, dict, bool, int, float and str
    other_type: str  # what any other value is called

    def failure(self, where: str, message: str) -> BuildFailure:
        return BuildFailure(EXIT_OUTPUT, f"{self.name} {where}: {message}")

    def relabel(self, message: str, where: str) -> str:
        return f"{self.name} {where}: {_PARSER_PREFIX_RE.sub('', message)}"

    def type_name(self, value: object) -> str:
        return self.type_names.get(type(value), self.other_type)

    def mapping(self, value: object, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.failure(
                where, f"must be {self.type_names[dict]}, got {self.type_name(value)}"
            )
        return value

    def string(self, value: object, where: str) -> str:
        if not isinstance(value, str):
            raise self.failure(where, f"must be a string, got {self.type_name(value)}")
        return value

    def boolean(self, value: object, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.failure(where, f"must be true or false, got {self.type_name(value)}")
        return value

    def token(self, value: object, where: str, what: str) -> str:
        """One word of a rule: the rule syntax splits at whitespace."""
        if value is None:
            raise self.failure(where, f"{what} is missing")
        text = self.string(value, f"{where}.{what}")
        if not text:
            raise self.failure(where, f"{what} is empty")
        if text.split() != [text]:
            raise self.failure(
                where, f"{what} {text!r} holds whitespace, which a rule cannot carry"
            )
        return text

    def path_token(self, value: object, where: str, what: str) -> str:
        """A rule's path: a line starting otherwise would be a comment, or no rule at all."""
        path = self.token(value, where, what)
        if not path.startswith(("/", "http://", "https://")):
            raise self.failure(where, f"{what} {path!r} must start with '/' or be an http(s) URL")
        return path

    def known_keys(self, entry: dict[str, Any], known: tuple[str, ...], where: str) -> None:
        if unknown := [key for key in entry if key not in known]:
            raise self.failure(
                where,
                f"unknown key {', '.join(map(repr, unknown))} (Slipway reads {', '.join(known)})",
            )

    def relative_directory(self, text: str, where: str) -> str:
        """A directory setting, relative to the project's directory (checked when used)."""
        directory = text.strip()
        if Path(directory).is_absolute():
            raise self.failure(where, f"{directory!r} must be relative to the project directory")
        return directory.rstrip("/")

    def inside_checkout(self, directory: str, project_dir: Path, checkout: Path, where: str) -> str:
        """The directory setting, refused when it leads out of the repository."""
        target = Path(os.path.normpath(project_dir / directory))
        if not inside(target, checkout.resolve()):
            raise self.failure(where, f"{directory!r} leaves the repository")
        return directory

    def redirect_line(self, parts: RuleParts, where: str) -> tuple[str, list[str]]:
        """The rule's `_redirects` line, and warnings when it can never match."""
        line = parts.line()
        rules = self.parsed(parse_redirects, line, where)
        if len(rules) != 1 or not parts.read_back_as(rules[0]):
            raise self.failure(where, f"cannot be written as one _redirects rule: {line!r}")
        return line, [self.relabel(w, where) for w in condition_warnings(rules)]

    def header_line(self, path: str, name: str, value: str, where: str) -> str:
        """`  Name: value` under `path`, checked to read back as that one header."""
        # `str.splitlines` breaks where the `_headers` parser does (\n, \r, \x85, \u2028, ...).
        if "".join(value.splitlines()) != value:
            raise self.failure(
                where, f"the value of {name} spans several lines; write it on one line"
            )
        line = f"  {name}: {value}"
        rules = self.parsed(parse_headers, f"{path}\n{line}\n", where)
        if len(rules) != 1 or rules[0].headers != ((name, value.strip()),):
            raise self.failure(where, f"header name {name!r} cannot be written as a _headers line")
        return line

    def parsed(self, parse: Callable[[str], list[_T]], text: str, where: str) -> list[_T]:
        try:
            return parse(text)
        except SiteRulesError as exc:
            raise self.failure(where, _PARSER_PREFIX_RE.sub("", str(exc))) from None

    def setting_notes(self, *settings: tuple[str, str, str, str]) -> list[str]:
        """The build log's lines for the build settings the file holds.

        Each is (key in the file, the project setting's name, the file's value, the setting's).
        """
        return [
            f"{self.name} {key} not used: the project's {name} setting wins"
            if project_value
            else f"{name} from {self.name}: {value}"
            for key, name, value, project_value in settings
            if value
        ]


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
