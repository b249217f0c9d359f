"""Read framework config files from a hostile checkout, as text, without running them.

Only what detection needs: a setting that is a plain string (`outDir: 'www'`), a top-level
YAML key (`site_dir: public`), a JSON file with comments (angular.json). A file is read
through `build_runner.confined` (never a link out of the checkout, never a fifo or a hard
link) and up to MAX_CONFIG_BYTES. A file that cannot be read, or a setting written as
anything but a plain string, leaves the framework's default in place and says why in a note
for the build log. A directory a setting names must stay inside the project. `Project` is
what the detection rules are given: these files, the preset, package.json's scripts and
dependencies.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from build_runner.confined import Parts, Refused, Root
from build_runner.errors import BuildFailure
from services.core.build_protocol import EXIT_OUTPUT

if TYPE_CHECKING:
    from build_runner.presets import Preset

MAX_CONFIG_BYTES = 1024 * 1024
# Comments and string literals, each matched whole (to the end when unclosed, so that the
# scan stays linear): comments are dropped, strings kept, so `// outDir: 'x'` is not read
# and `'https://…'` is not cut.
_JS_TOKENS = re.compile(
    r"""//[^\n]*|/\*(?:[^*]|\*(?!/))*(?:\*/)?"""
    r"""|'(?:\\.|[^'\\\n])*'?|"(?:\\.|[^"\\\n])*"?|`(?:\\.|[^`\\])*`?"""
)
_STRING = re.compile(r"""'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`\\$]*)`""")
_VALUE_END = re.compile(r"\s*(?:[,})\];]|$)")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_YAML_PLAIN = re.compile(r"[^\s#'\"\[\]{}&*!|>%@`][^#]*")


@dataclass
class ProjectFiles:
    """The project's directory inside the checkout, read by name; notes gather what was not."""

    repo: Root
    project: Parts
    notes: list[str] = field(default_factory=list)
    _texts: dict[str, str | None] = field(default_factory=dict)  # each file read once

    def has_file(self, rel: str) -> bool:
        """A regular file inside the checkout (a link out is none, and noted)."""
        try:
            return self.repo.has_file(rel, self.project)
        except Refused as exc:
            self.notes.append(f"{rel} ignored: {exc}")
            return False

    def has_dir(self, rel: str) -> bool:
        try:
            return self.repo.resolve(rel, self.project).is_dir
        except Refused:
            return False

    def first(self, names: Iterable[str]) -> str | None:
        return next((name for name in names if self.has_file(name)), None)

    def text(self, rel: str, default: str) -> str | None:
        """The file's text; None when it is absent, or unreadable (noted with `default`)."""
        if rel not in self._texts:
            self._texts[rel] = self._read(rel, default)
        return self._texts[rel]

    def _read(self, rel: str, default: str) -> str | None:
        try:
            data = self.repo.read(rel, MAX_CONFIG_BYTES, self.project)
            if data is None:
                return None
            if len(data) > MAX_CONFIG_BYTES:
                raise Refused(f"larger than {MAX_CONFIG_BYTES} bytes")
            return data.decode()
        except UnicodeDecodeError:
            self.fallback(f"{rel} not read (not UTF-8 text)", default)
        except Refused as exc:
            self.fallback(f"{rel} not read ({exc})", default)
        return None

    def fallback(self, what: str, default: str) -> None:
        """Note that `what` leaves the framework's default output in place."""
        self.notes.append(f"{what}: using the default output {default}/")


@dataclass(frozen=True)
class Project:
    """What detection knows of a project: its files, its preset, package.json's parts."""

    files: ProjectFiles
    preset: Preset
    scripts: dict[str, str]
    deps: dict[str, str]

    def script(self) -> str | None:
        """`build`, else the framework's own static build script."""
        for name in ("build", self.preset.script):
            if name and name in self.scripts:
                return name
        return None

    def config(self, names: tuple[str, ...], default: str) -> tuple[str, str] | None:
        """The first of `names` that exists, with its code (comments removed)."""
        name = self.files.first(names)
        text = self.files.text(name, default) if name else None
        return (name, without_comments(text)) if name and text is not None else None


def without_comments(code: str) -> str:
    """JavaScript or JSON with comments blanked and string literals left as they are."""
    return _JS_TOKENS.sub(lambda m: " " if m.group().startswith("/") else m.group(), code)


def js_settings(code: str, key: str) -> list[str | None]:
    """Each value `key:` is set to in JavaScript source: its text when a plain string, else None.

    `code` has its comments removed. `{ key: 'a' }`, `"key": "a"` and `` key: `a` `` are
    strings; `key: dir + '/x'`, `key: false` and a template with `${…}` are None. A longer
    name (`myKey:`, `obj.key`) is not `key`.
    """
    found: list[str | None] = []
    pattern = re.compile(rf"""(?<![\w$.])(['"]?){re.escape(key)}\1\s*:\s*""")
    for match in pattern.finditer(code):
        value = _STRING.match(code, match.end())
        if value is None or not _VALUE_END.match(code, value.end()):
            found.append(None)  # an expression: `dir + '/x'`, a variable, a call
            continue
        found.append(next(g for g in value.groups() if g is not None))
    return found


def js_literal(code: str, key: str) -> list[str]:
    """The first word each `key:` is set to (`false`, `true`, `'static'`), for flags."""
    pattern = re.compile(rf"""(?<![\w$.])(['"]?){re.escape(key)}\1\s*:\s*([\w'"`$.-]*)""")
    return [match.group(2).strip("'\"`") for match in pattern.finditer(code)]


def yaml_setting(text: str, key: str) -> list[str | None]:
    """Each top-level `key:` of a YAML file: its plain or quoted scalar, else None (a tag such
    as `!ENV`, a list, an anchor or a block)."""
    found: list[str | None] = []
    for match in re.finditer(rf"^{re.escape(key)}[ \t]*:(.*)$", text, re.MULTILINE):
        raw = match.group(1).split(" #", 1)[0].strip()
        if quoted := _STRING.fullmatch(raw):
            found.append(next(g for g in quoted.groups() if g is not None))
        else:
            found.append(raw if _YAML_PLAIN.fullmatch(raw) else None)
    return found


def jsonc_object(text: str) -> dict[str, Any] | None:
    """A JSON object that may hold comments and trailing commas (angular.json); None if not."""
    try:
        data = json.loads(_TRAILING_COMMA.sub(r"\1", without_comments(text)))
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python goes
        return None
    return data if isinstance(data, dict) else None


def one_setting(
    files: ProjectFiles, found: list[str | None], where: str, default: str
) -> str | None:
    """The one value a setting has in a file; with none, several, or one written as code,
    None and a note that the default is used."""
    if not found:
        return None
    values = set(found)
    if len(values) == 1 and None not in values:
        return found[0]
    why = "is set by code Slipway does not run" if None in values else "is set more than once"
    files.fallback(f"{where} {why}", default)
    return None


def inside_project(directory: str, where: str, default: str, base: str = ".") -> str:
    """`directory`, read from `base` (relative to the project), as a normalised path relative
    to the project; refused when it leaves the project or is the project itself."""
    normal = posixpath.normpath(posixpath.join(base, directory.strip()))
    if posixpath.isabs(normal) or normal == ".." or normal.startswith("../"):
        raise BuildFailure(
            EXIT_OUTPUT,
            f"{where} is {directory!r}, outside the project directory: set it to a directory "
            f"inside the project, such as {default}",
        )
    if normal == ".":
        raise BuildFailure(
            EXIT_OUTPUT,
            f"{where} is {directory!r}, the project directory itself: set it to a directory "
            f"of its own, such as {default}",
        )
    return normal
