"""Manifests built in memory, as large or as odd as a test needs, with no files published."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from services.core.hosts import new_deployment_id
from services.core.manifest import FileEntry, Manifest, ServingConfig, Variant


def long_paths(count: int, depth: int = 6) -> list[str]:
    """`count` paths of about 250 characters, as a large generated site has."""
    return [
        "/".join(f"section-{n % 97}-{level}-a-long-directory-name" for level in range(depth))
        + f"/page-{n}.html"
        for n in range(count)
    ]


def manifest_of(
    paths: Iterable[str],
    *,
    encodings: tuple[str, ...] = ("br", "gzip"),
    redirects: str | None = None,
    headers: str | None = None,
    deployment: str | None = None,
) -> Manifest:
    files = {
        path: FileEntry(
            key=f"files/{path}",
            size=4096 + n,
            sha256=hashlib.sha256(path.encode()).hexdigest(),
            type="text/html; charset=utf-8",
            cache="html",
            encodings={
                name: Variant(key=f"variants/{path}.{name}", size=1024 + n) for name in encodings
            },
        )
        for n, path in enumerate(paths)
    }
    return Manifest(
        deployment=deployment or new_deployment_id(),
        project="big",
        created_at="2026-01-01T00:00:00+00:00",
        files=files,
        config=ServingConfig(redirects=redirects, headers=headers),
    )
