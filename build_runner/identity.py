"""Who the project's commands run as: never the runner's user, never root.

The runner's own steps (fetch, detect, publish, cache) are trusted; the install and build
commands are not. When the runner may switch users (it runs as root, as in the build image
and under a root `make dev`), every untrusted command runs under `setpriv` as a user of its
own: a uid and gid picked for this deployment from a range no account uses, no supplementary
groups, no capabilities (none inherited, an empty bounding set), `no_new_privs`, and a
process limit that counts only that build's processes. The workspace is handed to that user
first. When the runner cannot switch users, the commands keep its uid, which is not root;
bubblewrap then still gives them no capabilities and a process and mount namespace of
their own (build_runner/sandbox.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

from build_runner.errors import BuildFailure
from services.core.build_protocol import EXIT_INTERNAL

# Build users are picked from [BASE, BASE + SPAN): far above any account or subordinate-id
# range a distribution hands out, so no file on the machine belongs to them beforehand.
BUILD_UID_BASE = 1_900_000_000
BUILD_UID_SPAN = 1_000_000


@dataclass(frozen=True)
class BuildIdentity:
    uid: int
    gid: int
    switched: bool  # True: commands run as this dedicated user; False: as the runner's own
    max_processes: int

    def command_prefix(self) -> list[str]:
        """argv that runs what follows as the build user, with nothing of the runner's."""
        if not self.switched:
            return []
        setpriv = shutil.which("setpriv")
        prlimit = shutil.which("prlimit")
        if setpriv is None or prlimit is None:
            raise BuildFailure(EXIT_INTERNAL, "setpriv and prlimit (util-linux) are required")
        return [
            prlimit, f"--nproc={self.max_processes}", "--",
            setpriv, f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
        ]  # fmt: skip

    def hand_over(self, root: Path) -> None:
        """Give the build user `root` and everything under it, links themselves not followed.

        Walked through directory descriptors opened without following links, so a tree the
        build could still be changing can never redirect a chown outside `root`.
        """
        if not self.switched:
            return
        fd = os.open(root, _DIRECTORY_NOFOLLOW)
        try:
            os.fchown(fd, self.uid, self.gid)
            self._hand_over_below(fd)
        finally:
            os.close(fd)

    def _hand_over_below(self, directory: int) -> None:
        with os.scandir(directory) as entries:
            names = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
        for name, is_dir in names:
            try:
                os.chown(name, self.uid, self.gid, dir_fd=directory, follow_symlinks=False)
                if not is_dir:
                    continue
                child = os.open(name, _DIRECTORY_NOFOLLOW, dir_fd=directory)
            except (FileNotFoundError, NotADirectoryError):
                continue  # gone or swapped for a file or a link since listed: nothing to follow
            try:
                self._hand_over_below(child)
            finally:
                os.close(child)

    def stop_leftovers(self) -> int:
        """SIGKILL every process of the build user; return how many there were.

        Under bubblewrap the pid namespace already ends them all with the command; without
        it (in the build image) a command's daemons would otherwise outlive it, into the
        runner's next trusted step.
        """
        if not self.switched:
            return 0
        stopped: set[int] = set()
        for _ in range(LEFTOVER_PASSES):  # a process may fork while the list is read
            pids = [int(e.name) for e in Path("/proc").iterdir() if self._runs(e)]
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            stopped.update(pids)
        return len(stopped)

    def _runs(self, entry: Path) -> bool:
        """Whether /proc/<pid> is a live (not zombie) process of the build user."""
        try:
            if not entry.name.isdigit() or entry.stat().st_uid != self.uid:
                return False
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return False
        return state != "Z"


LEFTOVER_PASSES = 5
_DIRECTORY_NOFOLLOW = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def build_identity(deployment_id: str, max_processes: int) -> BuildIdentity:
    if os.geteuid() != 0:
        return BuildIdentity(os.getuid(), os.getgid(), False, max_processes)
    digest = hashlib.sha256(deployment_id.encode()).digest()
    uid = BUILD_UID_BASE + int.from_bytes(digest[:8], "big") % BUILD_UID_SPAN
    return BuildIdentity(uid, uid, True, max_processes)
