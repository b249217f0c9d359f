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


@dataclass(frozen=True)
class PackageManager:
    name: Name
    version: str | None  # from the packageManager field
    lockfile: Path | None
    berry: bool = False  # yarn 2 and later

    @property
    def workspace_root(self) -> Path | None:
        """Where install runs: beside the lockfile."""
        return self.lockfile.parent if self.lockfile else None

    def describe(self) -> str:
        label = "yarn berry" if self.berry else self.name
        version = f"@{self.version}" if self.version else ""
        where = f" (lockfile {self.lockfile.name})" if self.lockfile else " (no lockfile)"
        return f"{label}{version}{where}"


def read_package_json(directory: Path) -> dict[str, Any] | None:
    path = directory / "package.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BuildFailure(EXIT_INSTALL, f"package.json is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BuildFailure(EXIT_INSTALL, "package.json must hold a JSON object")
    return data


def _find_lockfile(start: Path, top: Path, only: Name | None = None) -> tuple[Path, Name] | None:
    directory = start
    while True:
        for filename, name in LOCKFILES:
            if only in (None, name) and (directory / filename).is_file():
                return directory / filename, name
        if directory == top or top not in directory.parents:
            return None
        directory = directory.parent


def detect_package_manager(
    project_dir: Path, checkout: Path, pkg: dict[str, Any]
) -> PackageManager:
    found = _find_lockfile(project_dir, checkout)
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
        own = _find_lockfile(project_dir, checkout, only=name)
        lockfile = own[0] if own else None
    berry = name == "yarn" and _is_berry(version, lockfile, project_dir)
    return PackageManager(name=name, version=version, lockfile=lockfile, berry=berry)


def _is_berry(version: str | None, lockfile: Path | None, project_dir: Path) -> bool:
    if version:
        return not version.startswith("1.")
    if lockfile is not None and "__metadata:" in lockfile.read_text(errors="replace")[:4096]:
        return True
    return (project_dir / ".yarnrc.yml").is_file()


def tool_prefix(pm: PackageManager, path: str) -> list[str]:
    """How to call the manager: through corepack for pnpm and yarn when it exists."""
    if pm.name in _COREPACK_MANAGED and shutil.which("corepack", path=path):
        return ["corepack", pm.name]
    if shutil.which(pm.name, path=path):
        return [pm.name]
    raise BuildFailure(EXIT_INSTALL, f"{pm.name} is needed by this project but is not installed")


def install_args(pm: PackageManager) -> list[str]:
    frozen = pm.lockfile is not None
    if pm.name == "npm":
        return ["ci"] if frozen else ["install"]
    if pm.name == "pnpm":
        return ["install", "--frozen-lockfile"] if frozen else ["install"]
    if pm.name == "yarn" and pm.berry:
        return ["install", "--immutable"] if frozen else ["install"]
    if pm.name == "yarn":
        base = ["install", "--non-interactive"]
        return [*base, "--frozen-lockfile"] if frozen else base
    return ["install", "--frozen-lockfile"] if frozen else ["install"]


def run_script_args(script: str) -> list[str]:
    return ["run", script]
