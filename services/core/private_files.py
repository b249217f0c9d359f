"""Files at rest belong to the platform's user alone.

Everything the services write (the database, the api token and webhook secret, build logs,
local storage) is created under a 077 umask, and the data directory is mode 0700: no other
user, build users included, can list or read any of it. A build's workspace, which its
user must reach, lives outside it (services/api/builders/local.py).
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
PRIVATE_MODE = 0o700
PASS_THROUGH_MODE = 0o711


def keep_files_private() -> None:
    """Call first in every process that writes platform data."""
    os.umask(PRIVATE_UMASK)


def private_directory(path: Path) -> Path:
    """Create `path` (and its parents) if needed; make it the owner's alone, even if it exists."""
    path.mkdir(parents=True, exist_ok=True)
    if path.stat().st_uid == os.geteuid():
        path.chmod(PRIVATE_MODE)
    return path


def pass_through_directory(path: Path) -> Path:
    """Create `path` if needed; others may pass through it (never list it), even if it exists."""
    path.mkdir(parents=True, exist_ok=True)
    if path.stat().st_uid == os.geteuid():
        path.chmod(PASS_THROUGH_MODE)
    return path
