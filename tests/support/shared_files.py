"""Files a test shares with the builds it starts.

Builds run their commands as users of their own (build_runner/identity.py), which cannot
enter a test's private tmp directory. What a build must see or write (a gate to wait for, a
counter of its runs) lives in one directory per test process under /var/tmp, which any user
may pass through but not list; it is removed when the process exits.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from pathlib import Path

_SHARED: list[Path] = []


def shared_directory() -> Path:
    if not _SHARED:
        directory = Path(tempfile.mkdtemp(prefix="slipway-tests-", dir="/var/tmp"))
        directory.chmod(0o711)
        atexit.register(shutil.rmtree, directory, True)
        _SHARED.append(directory)
    return _SHARED[0]


def path_for_builds(name: str) -> Path:
    """A fresh path builds can reach (it does not exist yet)."""
    return shared_directory() / f"{uuid.uuid4().hex[:8]}-{name}"


def file_builds_may_write(name: str) -> Path:
    """An empty file any build user may append to."""
    path = path_for_builds(name)
    path.touch()
    path.chmod(0o666)
    return path
