"""A writable corepack home for each build, seeded from the prepared, read-only one.

The image (and `make build-runner-tools`) prepares pinned pnpm and yarn releases in a shared
COREPACK_HOME that builds must not change. A project that pins another release makes
corepack download it, which needs a writable home: each build gets its own, in which the
prepared releases are links to the shared copies.
"""

from __future__ import annotations

import shutil
from pathlib import Path

PREPARED_INDEX = "lastKnownGood.json"


def seed_corepack_home(prepared: Path, home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    versions = prepared / "v1"
    if versions.is_dir():
        for release in sorted(versions.glob("*/*")):
            if release.is_dir() and not release.parent.name.startswith("corepack-"):
                link = home / "v1" / release.parent.name / release.name
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(release.resolve(), target_is_directory=True)
    if (prepared / PREPARED_INDEX).is_file():
        shutil.copyfile(prepared / PREPARED_INDEX, home / PREPARED_INDEX)
    return home
