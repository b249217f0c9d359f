"""Publishing test deployments and routes straight into storage, as the runner and api would."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import uuid
from datetime import UTC, datetime

import brotli

from services.core.hosts import new_deployment_id, route_key
from services.core.manifest import (
    FileEntry,
    Manifest,
    Route,
    ServingConfig,
    Variant,
    encode,
    file_key,
    manifest_key,
)
from services.core.storage import Storage

FINGERPRINT = re.compile(r"\.[0-9a-f]{8,}\.")
COMPRESSIBLE = (".html", ".css", ".js", ".txt", ".json", ".svg")


def content_type(path: str) -> str:
    guessed = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def cache_class(path: str) -> str:
    if path.endswith(".html"):
        return "html"
    return "immutable" if FINGERPRINT.search(path) else "default"


async def publish(
    storage: Storage,
    project: str,
    files: dict[str, bytes],
    *,
    spa: bool = False,
    redirects: str | None = None,
    headers: str | None = None,
    deployment: str | None = None,
) -> Manifest:
    """Write every file (with br and gzip variants for text) and then the manifest."""
    deployment = deployment or new_deployment_id()
    entries: dict[str, FileEntry] = {}
    for path, data in files.items():
        encodings: dict[str, Variant] = {}
        if path.endswith(COMPRESSIBLE) and len(data) > 0:
            for name, packed in (("br", brotli.compress(data)), ("gzip", gzip.compress(data))):
                key = f"variants/{path}.{name}"
                await storage.put(file_key(deployment, key), packed)
                encodings[name] = Variant(key=key, size=len(packed))
        await storage.put(file_key(deployment, f"files/{path}"), data)
        entries[path] = FileEntry(
            key=f"files/{path}",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            type=content_type(path),
            cache=cache_class(path),  # type: ignore[arg-type]
            encodings=encodings,
        )
    manifest = Manifest(
        deployment=deployment,
        project=project,
        created_at=datetime.now(UTC).isoformat(),
        files=entries,
        config=ServingConfig(spa=spa, redirects=redirects, headers=headers),
    )
    await storage.put(manifest_key(deployment), encode(manifest))
    return manifest


async def point(
    storage: Storage,
    host: str,
    manifest: Manifest,
    kind: str = "production",
    protection: str | None = None,
) -> None:
    route = Route(
        project=manifest.project,
        deployment=manifest.deployment,
        kind=kind,  # type: ignore[arg-type]
        updated_at=datetime.now(UTC).isoformat(),
        protection=protection,
    )
    await storage.put(route_key(host), encode(route))


def unique_project() -> str:
    return f"p{uuid.uuid4().hex[:10]}"
