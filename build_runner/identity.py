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

import hashlib
import os
import shutil
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
        """Give the build user `root` and everything under it, links themselves not followed."""
        if not self.switched:
            return
        os.lchown(root, self.uid, self.gid)
        for directory, dirs, files in os.walk(root):
            for name in (*dirs, *files):
                os.lchown(os.path.join(directory, name), self.uid, self.gid)


def build_identity(deployment_id: str, max_processes: int) -> BuildIdentity:
    if os.geteuid() != 0:
        return BuildIdentity(os.getuid(), os.getgid(), False, max_processes)
    digest = hashlib.sha256(deployment_id.encode()).digest()
    uid = BUILD_UID_BASE + int.from_bytes(digest[:8], "big") % BUILD_UID_SPAN
    return BuildIdentity(uid, uid, True, max_processes)
