"""The package tarballs an npm cache directory holds, read from npm's own layout (cacache).

npm keeps each download under its integrity hash in `_cacache/content-v2/` and indexes it
by request URL in `_cacache/index-v5/`, one JSON entry per line after a hash of the line.
A tarball's entry names its registry URL (`…/@scope/name/-/name-1.0.0.tgz`).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

KEY_PREFIX = "make-fetch-happen:request-cache:"


@dataclass(frozen=True)
class CachedTarball:
    url_path: str  # `/@scope/name/-/name-1.0.0.tgz`, as the registry served it
    content: Path  # the tarball's bytes
    integrity: str  # `sha512-…`, as the registry publishes it


def content_path(cache: Path, integrity: str) -> Path:
    algorithm, _, digest = integrity.partition("-")
    hexdigest = base64.b64decode(digest).hex()
    return (
        cache
        / "_cacache"
        / "content-v2"
        / algorithm
        / hexdigest[:2]
        / hexdigest[2:4]
        / hexdigest[4:]
    )


def cached_tarballs(cache: Path) -> list[CachedTarball]:
    """Every tarball the cache holds whole, once each (the index only ever appends)."""
    found: dict[str, CachedTarball] = {}
    for bucket in sorted((cache / "_cacache" / "index-v5").rglob("*")):
        if not bucket.is_file():
            continue
        for line in bucket.read_text().splitlines():
            _, _, text = line.partition("\t")
            entry = json.loads(text) if text else {}
            key, integrity = entry.get("key", ""), entry.get("integrity")
            if not key.startswith(KEY_PREFIX) or not key.endswith(".tgz") or not integrity:
                continue  # a packument, or an entry deleting one
            content = content_path(cache, integrity)
            if content.is_file():
                path = urlsplit(key.removeprefix(KEY_PREFIX)).path
                found[path] = CachedTarball(path, content, integrity)
    return list(found.values())
