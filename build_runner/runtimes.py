"""Node.js releases kept for builds: installed once from the registry, then shared read-only.

The directory (`SLIPWAY_RUNTIMES_DIR`) holds `node/<version>/` laid out as Node's own
releases are: `bin/node`, and `bin/npm` / `bin/npx` from the newest npm whose `engines`
accepts that Node. A release is assembled in a private directory and renamed into place,
so a build never sees half of one and two builds installing the same one both succeed.
Builds mount it read-only; only the runner writes it, so it must be the runner's own
directory, writable by no one else (a planted `node` would run in every later build).
"""

from __future__ import annotations

import os
import platform
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from build_runner.node_version import UnknownRange, Version, parse_version, satisfies
from build_runner.registry import DEFAULT_REGISTRY, RegistryError, Release, download, releases

RUNTIMES_DIR_ENV = "SLIPWAY_RUNTIMES_DIR"
# Read-only releases installed ahead (the build image's, whose root filesystem is read-only).
PREINSTALLED_ENV = "SLIPWAY_PREINSTALLED_RUNTIMES"
REGISTRY_ENV = "SLIPWAY_RUNTIME_REGISTRY"  # empty: never download, use what is installed
_NODE_BINARY = "package/bin/node"
_NPM_ENTRY_POINTS = {"npm": "npm-cli.js", "npx": "npx-cli.js"}


class StoreError(Exception):
    """The runtimes directory cannot be used safely; one line naming the fix."""


def default_runtimes_dir() -> Path:
    base = Path("/var/tmp") if Path("/var/tmp").is_dir() else Path(tempfile.gettempdir())  # noqa: S108
    return base / "slipway-runtimes"


def node_package() -> str:
    """The registry package of Node's official build for this machine."""
    machine = platform.machine()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine)
    if arch is None:
        raise RegistryError(f"no Node.js package is published for this machine ({machine})")
    return f"node-linux-{arch}"


@dataclass(frozen=True)
class NodeRuntime:
    version: Version
    home: Path

    @property
    def bin(self) -> Path:
        return self.home / "bin"

    def describe(self) -> str:
        return "v{}.{}.{}".format(*self.version)


@dataclass(frozen=True)
class RuntimeStore:
    root: Path  # where downloads go
    registry: str | None  # None: downloads are off
    preinstalled: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RuntimeStore:
        root = Path(env.get(RUNTIMES_DIR_ENV) or default_runtimes_dir())
        registry = env.get(REGISTRY_ENV, DEFAULT_REGISTRY).strip() or None
        preinstalled = env.get(PREINSTALLED_ENV)
        return cls(root, registry, Path(preinstalled) if preinstalled else None)

    def installed_node(self) -> list[NodeRuntime]:
        """Every complete Node release here or preinstalled, oldest first."""
        found = []
        for root in filter(None, (self.preinstalled, self.root)):
            base = root / "node"
            if not base.is_dir():
                continue
            check_ownership(root)
            for entry in base.iterdir():
                try:
                    version = parse_version(entry.name)
                except ValueError:
                    continue  # a partial install, or something else
                if (entry / "bin" / "node").is_file():
                    found.append(NodeRuntime(version, entry))
        return sorted(found, key=lambda runtime: runtime.version)

    def _prepare_root(self) -> None:
        self.root.mkdir(mode=0o755, parents=True, exist_ok=True)
        (self.root / "node").mkdir(mode=0o755, exist_ok=True)
        check_ownership(self.root)
        for path in (self.root, self.root / "node"):
            path.chmod(0o755)  # the runner's umask keeps files private; builds must read these

    def install_node(
        self,
        choose: Callable[[list[Release]], Release | None],
        timeout: float,
        npm_version: str | None = None,
    ) -> NodeRuntime | None:
        """Download the release `choose` picks from the published ones; None: it picked none.

        npm: `npm_version` when given (the image pins it), else the newest that supports it.
        """
        if self.registry is None:
            raise RegistryError(f"downloads are off ({REGISTRY_ENV} is empty)")
        picked = choose(releases(self.registry, node_package(), timeout))
        if picked is None:
            return None
        version = parse_version(picked.version)
        npm = _npm_for(releases(self.registry, "npm", timeout), version, npm_version)
        self._prepare_root()
        final = self.root / "node" / picked.version
        if (final / "bin" / "node").is_file():
            return NodeRuntime(version, final)
        staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=self.root / "node"))
        try:
            with download(picked, timeout) as tarball:
                _extract_node(tarball, staging)
            with download(npm, timeout) as tarball:
                _extract_npm(tarball, staging)
            _publish_permissions(staging)
            try:
                staging.rename(final)
            except OSError:
                if not (final / "bin" / "node").is_file():  # not another build's same install
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return NodeRuntime(version, final)


def check_ownership(root: Path) -> None:
    """The directory and its `node/` are the runner's, and no one else may write them."""
    for path in (root, root / "node"):
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise StoreError(f"{path} is not a directory: set {RUNTIMES_DIR_ENV} to one")
        if info.st_uid != os.geteuid() or info.st_mode & 0o022:
            raise StoreError(
                f"{path} belongs to another user or others may write to it: "
                f"set {RUNTIMES_DIR_ENV} to a directory only the runner writes"
            )


def _npm_for(published: list[Release], node: Version, wanted: str | None) -> Release:
    def accepts(release: Release) -> bool:
        try:
            return satisfies(node, release.engines.get("node", "*"))
        except UnknownRange:
            return False

    candidates = [r for r in published if accepts(r) and wanted in (None, r.version)]
    if not candidates:
        shown = "v{}.{}.{}".format(*node)
        if wanted:
            raise RegistryError(
                f"npm {wanted} is not published or does not support Node.js {shown}"
            )
        raise RegistryError(f"no npm release supports Node.js {shown}")
    return max(candidates, key=lambda r: parse_version(r.version))


def _extract_node(tarball: IO[bytes], home: Path) -> None:
    """Only the binary: the package's headers and manual are not needed to build."""
    with tarfile.open(fileobj=tarball, mode="r:gz") as archive:
        member = archive.getmember(_NODE_BINARY)
        source = archive.extractfile(member) if member.isfile() else None
        if source is None:
            raise RegistryError("the Node.js package holds no bin/node")
        (home / "bin").mkdir(parents=True)
        with source, (home / "bin" / "node").open("wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)


def _extract_npm(tarball: IO[bytes], home: Path) -> None:
    """npm's package (its dependencies are bundled) where Node's own releases keep it."""
    target = home / "lib" / "node_modules"
    target.mkdir(parents=True)
    with tarfile.open(fileobj=tarball, mode="r:gz") as archive:
        archive.extractall(target, filter="data")  # no links out, no devices, no absolute paths
    (target / "package").rename(target / "npm")
    for command, script in _NPM_ENTRY_POINTS.items():
        (home / "bin" / command).symlink_to(f"../lib/node_modules/npm/bin/{script}")


def _publish_permissions(home: Path) -> None:
    """Readable by every build user, writable by none; what was executable stays so."""
    (home / "bin" / "node").chmod(0o755)
    for script in _NPM_ENTRY_POINTS.values():
        (home / "lib" / "node_modules" / "npm" / "bin" / script).chmod(0o755)
    for directory, _, files in os.walk(home):
        os.chmod(directory, 0o755)  # noqa: S103  builds read it; only the runner writes
        for name in files:
            path = os.path.join(directory, name)
            mode = os.lstat(path).st_mode
            if not stat.S_ISLNK(mode):
                os.chmod(path, 0o755 if mode & 0o111 else 0o644)
