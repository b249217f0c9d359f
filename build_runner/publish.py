"""Upload a site's files and variants with bounded parallelism, then its manifest, last.

The manifest's presence means the deployment is complete, so it is written only after every
file is stored, and only once: a create-only put (S3's `If-None-Match: *`) that finds one
there means the deployment was already published. Publishing reads nothing from storage,
so the builder's credentials need no more than PutObject on `deployments/<its id>/`.

Each file is opened again below its output without following links and used only if it is
the very file the walk checked (`build_runner.confined`); its bytes come from that descriptor.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from build_runner.confined import Refused, Root, identity, read_fd
from build_runner.content import cache_class, compressible, content_type
from build_runner.errors import BuildFailure
from build_runner.object_keys import file_object_key, variant_object_key
from build_runner.output import SiteFile
from build_runner.variants import ENCODING_SUFFIX, compress_variants
from services.core.build_protocol import EXIT_OUTPUT, EXIT_PUBLISH
from services.core.manifest import (
    CACHE_CONTROL,
    FileEntry,
    Manifest,
    ServingConfig,
    Variant,
    encode,
    file_key,
    manifest_key,
)
from services.core.storage import AlreadyStored, Storage, StorageError

# Larger files are streamed from disk and never compressed, so memory stays bounded.
MAX_COMPRESS_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class PublishStats:
    files: int
    bytes: int  # the site's own bytes
    objects: int  # files, variants and the manifest
    stored_bytes: int


@dataclass(frozen=True)
class _Prepared:
    sha256: str
    body: bytes | Path
    variants: dict[str, bytes]


def _open_checked(site_file: SiteFile) -> int:
    """The file the walk checked, opened again without following a link, or a failure."""
    root_path = site_file.root or site_file.path.parent  # a caller's own file: below its dir
    try:
        with Root(root_path, "output") as root:
            fd = root.open_file(root.parts_of(site_file.path))
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"{site_file.rel}: {exc}; nothing was published") from None
    st = os.fstat(fd)
    if site_file.identity not in (None, identity(st)) or st.st_size != site_file.size:
        os.close(fd)
        raise BuildFailure(
            EXIT_OUTPUT, f"{site_file.rel} changed after it was checked; nothing was published"
        )
    return fd


def _prepare(site_file: SiteFile, fd: int) -> _Prepared:
    """Hash (and compress) the bytes of `fd`; a large file is streamed from that same file."""
    if site_file.size > MAX_COMPRESS_BYTES or not compressible(site_file.rel):
        with open(fd, "rb", closefd=False) as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        os.lseek(fd, 0, os.SEEK_SET)
        # The descriptor's own name: storage reads the file that was checked, not a path.
        return _Prepared(digest, Path(f"/dev/fd/{fd}"), {})
    data = read_fd(fd, site_file.size)
    if len(data) != site_file.size:
        raise BuildFailure(
            EXIT_OUTPUT, f"{site_file.rel} changed after it was checked; nothing was published"
        )
    variants = {c.encoding: c.data for c in compress_variants(data)}
    return _Prepared(hashlib.sha256(data).hexdigest(), data, variants)


async def _publish_file(storage: Storage, deployment_id: str, site_file: SiteFile) -> FileEntry:
    fd = await asyncio.to_thread(_open_checked, site_file)
    try:
        prepared = await asyncio.to_thread(_prepare, site_file, fd)
        mime = content_type(site_file.rel)
        cache = cache_class(site_file.rel)
        key = file_object_key(site_file.rel)
        await storage.put(
            file_key(deployment_id, key),
            prepared.body,
            content_type=mime,
            cache_control=CACHE_CONTROL[cache],
            create_only=True,
        )
    finally:
        os.close(fd)
    encodings: dict[str, Variant] = {}
    for encoding, data in prepared.variants.items():
        variant_key = variant_object_key(site_file.rel, ENCODING_SUFFIX[encoding])
        await storage.put(
            file_key(deployment_id, variant_key),
            data,
            content_type=mime,
            cache_control=CACHE_CONTROL[cache],
            create_only=True,
        )
        encodings[encoding] = Variant(key=variant_key, size=len(data))
    return FileEntry(
        key=key,
        size=site_file.size,
        sha256=prepared.sha256,
        type=mime,
        cache=cache,
        encodings=encodings,
    )


async def upload_files(
    storage: Storage, deployment_id: str, files: list[SiteFile], concurrency: int
) -> dict[str, FileEntry]:
    """Every file and its variants, at most `concurrency` files in flight."""
    limit = asyncio.Semaphore(concurrency)
    entries: dict[str, FileEntry] = {}

    async def one(site_file: SiteFile) -> None:
        async with limit:
            entries[site_file.rel] = await _publish_file(storage, deployment_id, site_file)

    try:
        async with asyncio.TaskGroup() as group:
            for site_file in files:
                group.create_task(one(site_file))
    except ExceptionGroup as group:  # the first failure stopped the others: report it
        first = group.exceptions[0]
        if isinstance(first, AlreadyStored):  # deployment objects are written once, ever
            raise BuildFailure(
                EXIT_PUBLISH, f"deployment {deployment_id} is already published: {first}"
            ) from None
        if isinstance(first, StorageError):
            raise BuildFailure(EXIT_PUBLISH, f"upload failed: {first}") from None
        if isinstance(first, BuildFailure):
            raise first from None
        raise
    return dict(sorted(entries.items()))


async def publish_site(
    storage: Storage,
    *,
    deployment_id: str,
    project: str,
    files: list[SiteFile],
    config: ServingConfig,
    concurrency: int,
) -> PublishStats:
    entries = await upload_files(storage, deployment_id, files, concurrency)
    manifest = Manifest(
        deployment=deployment_id,
        project=project,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        files=entries,
        config=config,
    )
    try:
        written = await storage.create(manifest_key(deployment_id), encode(manifest))
    except StorageError as exc:
        raise BuildFailure(EXIT_PUBLISH, f"could not write the manifest: {exc}") from None
    if not written:  # the create-only put found a manifest: no read was needed to know
        raise BuildFailure(EXIT_PUBLISH, f"deployment {deployment_id} is already published")
    variant_bytes = sum(v.size for e in entries.values() for v in e.encodings.values())
    site_bytes = sum(e.size for e in entries.values())
    return PublishStats(
        files=len(entries),
        bytes=site_bytes,
        objects=len(entries) + sum(len(e.encodings) for e in entries.values()) + 1,
        stored_bytes=site_bytes + variant_bytes,
    )
