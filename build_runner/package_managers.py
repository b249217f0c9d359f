"""Which package manager a project uses, and the commands that install with it.

The `packageManager` field wins; then the lockfile, searched from the project's directory
up to the checkout root (a monorepo keeps one lockfile at its workspace root).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from build_runner.confined import Parts, Refused, Root
from build_runner.errors import BuildFailure
from services.core.build_protocol import EXIT_INSTALL

Name = Literal["npm", "pnpm", "yarn", "bun"]
LOCKFILES: tuple[tuple[str, Name], ...] = (
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
    ("bun.lock", "bun"),
    ("bun.lockb", "bun"),
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
)
_COREPACK_MANAGED: frozenset[str] = frozenset({"pnpm", "yarn"})
MAX_PACKAGE_JSON_BYTES = 8 * 1024 * 1024
BERRY_MARK_WITHIN = 4096  # a berry lockfile says `__metadata:` in its first lines


@dataclass(frozen=True)
class PackageManager:
    name: Name
    version: str | None  # from the packageManager field
    lockfile: Path | None
    berry: bool = False  # yarn 2 and later
    # Another manager's lockfile where this one's would be: what to change, in one sentence.
    other_lockfile: str | None = None

    @property
    def workspace_root(self) -> Path | None:
        """Where install runs: beside the lockfile."""
        return self.lockfile.parent if self.lockfile else None

    def describe(self) -> str:
        label = "yarn berry" if self.berry else self.name
        version = f"@{self.version}" if self.version else ""
        where = f" (lockfile {self.lockfile.name})" if self.lockfile else " (no lockfile)"
        return f"{label}{version}{where}"


def read_package_json(directory: Path, within: Path | None = None) -> dict[str, Any] | None:
    """The project's package.json, links followed only inside `within` (the checkout)."""
    try:
        with Root(within or directory, "repository") as repo:
            text = repo.read("package.json", MAX_PACKAGE_JSON_BYTES, repo.parts_of(directory))
    except Refused as exc:
        raise BuildFailure(EXIT_INSTALL, f"package.json: {exc}") from None
    if text is None:
        return None
    if len(text) > MAX_PACKAGE_JSON_BYTES:
        raise BuildFailure(
            EXIT_INSTALL, f"package.json is larger than {MAX_PACKAGE_JSON_BYTES} bytes"
        )
    try:
        data = json.loads(text.decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BuildFailure(EXIT_INSTALL, f"package.json is not valid JSON: {exc}") from None
    except RecursionError:
        raise BuildFailure(
            EXIT_INSTALL, "package.json is nested too deeply to read: flatten it"
        ) from None
    if not isinstance(data, dict):
        raise BuildFailure(EXIT_INSTALL, "package.json must hold a JSON object")
    return data


def _find_lockfile(repo: Root, start: Parts, only: Name | None = None) -> tuple[Parts, Name] | None:
    """The nearest lockfile from `start` up to the checkout's root."""
    for depth in range(len(start), -1, -1):
        for filename, name in LOCKFILES:
            if only in (None, name) and repo.has_file(filename, start[:depth]):
                return (*start[:depth], filename), name
    return None


def detect_package_manager(
    project_dir: Path, checkout: Path, pkg: dict[str, Any]
) -> PackageManager:
    try:
        with Root(checkout, "repository") as repo:
            return _detect(repo, repo.parts_of(project_dir), pkg)
    except Refused as exc:
        raise BuildFailure(EXIT_INSTALL, f"the package manager cannot be detected: {exc}") from None


def _detect(repo: Root, project: Parts, pkg: dict[str, Any]) -> PackageManager:
    found = _find_lockfile(repo, project)
    lockfile = found[0] if found else None
    declared = pkg.get("packageManager")
    version: str | None = None
    if isinstance(declared, str) and "@" in declared:
        raw_name, _, raw_version = declared.partition("@")
        if raw_name not in ("npm", "pnpm", "yarn", "bun"):
            raise BuildFailure(EXIT_INSTALL, f"unsupported packageManager: {declared!r}")
        name = cast("Name", raw_name)
        version = raw_version.split("+", 1)[0]
    elif found:
        name = found[1]
    else:
        name = "npm"
    if found and found[1] != name:
        # A lockfile of another manager is not this manager's lockfile.
        own = _find_lockfile(repo, project, only=name)
        lockfile = own[0] if own else None
    berry = name == "yarn" and _is_berry(version, lockfile, repo, project)
    path = repo.path.joinpath(*lockfile) if lockfile is not None else None
    other = _other_lockfile(repo, project, name, lockfile, declared if version else None)
    return PackageManager(name, version, path, berry, other)


def _other_lockfile(
    repo: Root, project: Parts, name: Name, own: Parts | None, declared: object
) -> str | None:
    """A lockfile no install here reads, and whose manager the project may have meant."""
    for filename, manager in LOCKFILES:
        if manager == name:
            continue
        found = _find_lockfile(repo, project, only=manager)
        if found is None or found[0][-1] != filename:
            continue
        if declared:
            why = f"package.json's packageManager is {declared!r}"
        else:
            why = f"{own[-1]} is found first" if own else "the default"
        return (
            f"{filename} is {manager}'s lockfile, but this project installs with {name} "
            f"({why}): delete {filename}, or make {manager} the project's package manager"
        )
    return None


def _is_berry(version: str | None, lockfile: Parts | None, repo: Root, project: Parts) -> bool:
    if version:
        return not version.startswith("1.")
    if lockfile is not None:
        head = repo.read("/".join(lockfile), BERRY_MARK_WITHIN) or b""
        if b"__metadata:" in head[:BERRY_MARK_WITHIN]:
            return True
    return repo.has_file(".yarnrc.yml", project)


def tool_prefix(pm: PackageManager, path: str) -> list[str]:
    """How to call the manager: through corepack for pnpm and yarn when it exists."""
    if pm.name in _COREPACK_MANAGED and shutil.which("corepack", path=path):
        return ["corepack", pm.name]
    if shutil.which(pm.name, path=path):
        return [pm.name]
    raise BuildFailure(EXIT_INSTALL, f"{pm.name} is needed by this project but is not installed")


def install_args(pm: PackageManager) -> list[str]:
    """The install each manager's own CI mode runs, as Vercel does (docs/build-runner.md).

    npm: `npm install`, never `npm ci`: a lockfile made on another platform often lacks
    optional platform packages, which `npm ci` refuses and `npm install` adds; with a lockfile
    in step with package.json both install the same versions. bun: `bun install`, since a
    newer bun rewrites an older lockfile's format. pnpm and yarn: frozen, as their CI modes.
    """
    frozen = pm.lockfile is not None
    if pm.name in ("npm", "bun"):
        return ["install"]
    if pm.name == "pnpm":
        return ["install", "--frozen-lockfile"] if frozen else ["install"]
    if pm.berry:
        return ["install", "--immutable"] if frozen else ["install"]
    base = ["install", "--non-interactive"]
    return [*base, "--frozen-lockfile"] if frozen else base
