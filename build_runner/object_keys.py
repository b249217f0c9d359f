"""Where a site file and its precompressed variants are stored, below `deployments/<id>/`.

A path that every store takes as it is keeps its name (`files/<path>`, and
`variants/<path>.br`), which keeps storage readable. Any other, one with a DEL or another
character obstore refuses in a key, a name past what a file system holds (255 bytes, less the
temporary suffix obstore's local store writes through), or a path past S3's 1024-byte keys, is
stored under its SHA-256 (`hashed/<hex>`), a prefix no file path shares. The manifest maps every
path to its key and the proxy reads only that, so any name a build can write publishes.
"""

from __future__ import annotations

import hashlib

MAX_SEGMENT_BYTES = 200
MAX_PATH_BYTES = 900


def file_object_key(path: str) -> str:
    if _keeps_its_name(path):
        return f"files/{path}"
    return f"hashed/{hashlib.sha256(path.encode()).hexdigest()}"


def variant_object_key(path: str, suffix: str) -> str:
    """The key of `path`'s variant ending in `suffix` (`.br`, `.gz`)."""
    if _keeps_its_name(path):
        return f"variants/{path}{suffix}"
    return f"{file_object_key(path)}{suffix}"


def _keeps_its_name(path: str) -> bool:
    if len(path.encode()) > MAX_PATH_BYTES:
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path) or "\\" in path:
        return False
    return all(0 < len(part.encode()) <= MAX_SEGMENT_BYTES for part in path.split("/"))
