"""Files at rest belong to the platform's user alone.

Everything the services write (the database, the api token and webhook secret, build logs,
local storage) is created under a 077 umask: readable and writable by the owner only. The
data directory and the build directories under it are mode 0711: other users may pass
through them, which bubblewrap needs to reach a build's own workspace as the build user,
but never list them or read what is inside.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
PASS_THROUGH_MODE = 0o711


def keep_files_private() -> None:
    """Call first in every process that writes platform data."""
    os.umask(PRIVATE_UMASK)


def pass_through_directory(path: Path) -> Path:
    """Create `path` (and its parents) if needed; make it traversable only, even if it exists."""
    path.mkdir(parents=True, exist_ok=True)
    if path.stat().st_uid == os.geteuid():
        path.chmod(PASS_THROUGH_MODE)
    return path
