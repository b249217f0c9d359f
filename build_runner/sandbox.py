"""Wrap build commands in bubblewrap: the checkout read-write, the system read-only, nothing else.

Only the system directories are mounted (never `/` whole), so the data directory, home
directories and whatever else lives on this machine do not exist inside the sandbox.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from build_runner.errors import BuildFailure
from build_runner.inputs import SandboxMode
from services.core.build_protocol import EXIT_INTERNAL

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
SANDBOX_HOME = "/home/build"


@dataclass(frozen=True)
class Sandbox:
    """`bwrap` is the binary's path, or None when builds run unsandboxed."""

    bwrap: str | None

    @property
    def enabled(self) -> bool:
        return self.bwrap is not None

    def wrap(
        self, argv: Sequence[str], *, workdir: Path, cwd: Path, extra_ro: Iterable[Path] = ()
    ) -> list[str]:
        if self.bwrap is None:
            return list(argv)
        return [self.bwrap, *bwrap_args(workdir, cwd, extra_ro), "--", *argv]


def resolve_sandbox(mode: SandboxMode) -> Sandbox:
    if mode == "none":
        return Sandbox(None)
    found = shutil.which("bwrap")
    if found is None and mode == "bubblewrap":
        raise BuildFailure(EXIT_INTERNAL, "SLIPWAY_SANDBOX=bubblewrap but bwrap is not installed")
    return Sandbox(found)


def bwrap_args(workdir: Path, cwd: Path, extra_ro: Iterable[Path] = ()) -> list[str]:
    """Arguments for bwrap; later mounts go on top of earlier ones, so order matters."""
    args: list[str] = []
    system = [d for d in SYSTEM_DIRS if Path(d).exists()]
    for directory in system:
        if Path(directory).is_symlink():  # merged /usr: /lib -> usr/lib
            args += ["--symlink", os.readlink(directory), directory]
        else:
            args += ["--ro-bind", directory, directory]
    args += [
        "--dev", "/dev",
        "--proc", "/proc",
        "--tmpfs", "/tmp",  # noqa: S108  a fresh, empty tmpfs inside the sandbox
        "--tmpfs", "/home",
    ]  # fmt: skip
    # After the tmpfs mounts, so that a toolchain under /tmp or /home stays visible.
    for path in sorted({p.resolve() for p in extra_ro if p.exists()}):
        if not any(str(path).startswith(d + "/") for d in system):
            args += ["--ro-bind", str(path), str(path)]
    args += [
        "--dir", SANDBOX_HOME,
        "--bind", str(workdir), str(workdir),
        "--chdir", str(cwd),
        "--unshare-all",
        "--share-net",  # package installs need the registry
        "--die-with-parent",
        "--new-session",
    ]  # fmt: skip
    return args


def toolchain_paths(path_value: str, corepack_home: str | None) -> list[Path]:
    """Directories outside the system ones that builds need read-only: PATH entries, corepack.

    A PATH entry `…/node_modules/.bin` holds links into its `node_modules`, so that is exposed.
    """
    found: list[Path] = []
    for entry in path_value.split(":"):
        if not entry:
            continue
        path = Path(entry)
        found.append(path.parent if path.name == ".bin" else path)
    if corepack_home:
        found.append(Path(corepack_home))
    return found
