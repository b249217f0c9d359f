"""Wrap the project's commands: bubblewrap for what they see, build_runner.identity for who runs them.

Under bubblewrap a command gets a new user, mount, pid, ipc, uts and cgroup namespace, no
capabilities, `no_new_privs`, no nested user namespaces (so nothing it mounts can unlock
what is mounted read-only) and a new session (no terminal to inject keystrokes into). Only
the system directories are mounted, read-only (never `/` whole), plus the build's own
workspace read-write and the toolchain read-only, each passed to bubblewrap as an open
directory descriptor: the build user needs no permission on the directories above them,
so the data directory can stay closed to it. The network is a namespace of its own with
outbound access only (build_runner/network.py) where slirp4netns is installed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from build_runner import network
from build_runner.errors import BuildFailure
from build_runner.identity import BuildIdentity
from build_runner.network import IsolatedNetwork
from services.core.build_protocol import EXIT_INTERNAL
from services.core.runner_inputs import SandboxMode

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
SANDBOX_HOME = "/home/build"


@dataclass
class SandboxedCommand:
    """What to spawn, the descriptors it inherits, and the network to wire once it runs."""

    argv: list[str]
    pass_fds: list[int] = field(default_factory=list)
    network: IsolatedNetwork | None = None

    def spawned(self) -> None:
        """The child holds its own copies now; the runner's are closed."""
        for fd in self.pass_fds:
            with contextlib.suppress(OSError):
                os.close(fd)


@dataclass(frozen=True)
class Sandbox:
    """`bwrap` is the binary's path, or None when commands run without bubblewrap."""

    bwrap: str | None
    identity: BuildIdentity
    isolate_network: bool = False

    @property
    def enabled(self) -> bool:
        return self.bwrap is not None

    def describe(self) -> str:
        who = (
            f"as build user {self.identity.uid} (no capabilities, no_new_privs, "
            f"at most {self.identity.max_processes} processes)"
            if self.identity.switched
            else "as the runner's own user"
        )
        if self.bwrap is None:
            return f"none: this build is not sandboxed (bubblewrap is not installed or not enabled); commands run {who}"
        net = (
            "own network namespace, outbound only"
            if self.isolate_network
            else "host network: slirp4netns is missing or the runner is not root"
        )
        return (
            f"bubblewrap (checkout writable, system read-only, no home, {net}); commands run {who}"
        )

    def command(
        self, argv: Sequence[str], *, workdir: Path, cwd: Path, extra_ro: Iterable[Path] = ()
    ) -> SandboxedCommand:
        prefix = self.identity.command_prefix()
        if self.bwrap is None:
            return SandboxedCommand([*prefix, *argv])
        fds: list[int] = []
        try:
            args = bwrap_args(workdir, cwd, extra_ro, fds, self.identity)
            net = None
            if self.isolate_network:
                net = IsolatedNetwork()
                args += net.bwrap_args()
                fds += net.pass_fds
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        return SandboxedCommand([*prefix, self.bwrap, *args, "--", *argv], fds, net)


def resolve_sandbox(mode: SandboxMode, identity: BuildIdentity) -> Sandbox:
    if mode == "none":
        return Sandbox(None, identity)
    found = shutil.which("bwrap")
    if found is None and mode == "bubblewrap":
        raise BuildFailure(EXIT_INTERNAL, "SLIPWAY_SANDBOX=bubblewrap but bwrap is not installed")
    # slirp4netns needs /dev/net/tun and the right to enter the sandbox's network: root's.
    isolate = found is not None and network.available() and os.geteuid() == 0
    return Sandbox(found, identity, isolate_network=isolate)


def reachable_by_others(path: Path) -> bool:
    """Whether a user with no rights of its own can pass through to `path` and read it."""
    if not os.stat(path).st_mode & stat.S_IROTH:
        return False
    return all(os.stat(part).st_mode & stat.S_IXOTH for part in (path, *path.parents))


def _open_dir(path: Path, fds: list[int]) -> str:
    fd = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    fds.append(fd)
    return str(fd)


def bwrap_args(
    workdir: Path,
    cwd: Path,
    extra_ro: Iterable[Path],
    fds: list[int],
    identity: BuildIdentity,
) -> list[str]:
    """Arguments for bwrap; later mounts go on top of earlier ones, so order matters.

    Every descriptor opened for a mount is appended to `fds` (the child must inherit them).
    """
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
    # After the tmpfs mounts, so that a toolchain under /tmp or /home stays visible. A build
    # user can mount only what it could reach: a toolchain under a private home is left out.
    for path in sorted({p.resolve() for p in extra_ro if p.is_dir()}):
        if any(str(path).startswith(d + "/") for d in system):
            continue
        if identity.switched and not reachable_by_others(path):
            continue
        args += ["--ro-bind-fd", _open_dir(path, fds), str(path)]
    args += [
        "--dir", SANDBOX_HOME,
        "--bind-fd", _open_dir(workdir, fds), str(workdir),
        "--chdir", str(cwd),
        "--unshare-all",
        "--share-net",  # replaced by a namespace of its own when the network is isolated
        "--unshare-user",
        "--uid", str(identity.uid),
        "--gid", str(identity.gid),
        "--disable-userns",
        "--cap-drop", "ALL",
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
