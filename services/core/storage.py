"""One object-storage interface for a local directory and S3, on top of obstore.

Keys are always relative, `/`-separated, and checked here: nothing above this module ever
turns request text into a key without passing through `check_key`.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

import obstore
from obstore.exceptions import AlreadyExistsError, NotFoundError
from obstore.store import LocalStore, S3Store

DEFAULT_CHUNK = 256 * 1024


class StorageError(Exception):
    """The store could not do what was asked (unreachable, full, refused)."""


class ObjectNotFound(StorageError):
    pass


class AlreadyStored(StorageError):
    """A create-only write found an object at its key."""


class InvalidKey(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    etag: str | None
    modified: datetime | None = None


def check_key(key: str) -> str:
    """Reject keys that could escape their prefix or mean different things to different stores."""
    if not key or len(key) > 1024 or key.startswith("/") or key.endswith("/"):
        raise InvalidKey(f"invalid storage key: {key!r}")
    if "\\" in key or "\x00" in key or any(ord(c) < 0x20 for c in key):
        raise InvalidKey(f"invalid storage key: {key!r}")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


def _store_from_url(url: str) -> tuple[Any, bool]:
    """Return (obstore store, supports attributes) for a `file://` or `s3://` URL.

    `s3://bucket/prefix?endpoint=http://127.0.0.1:5000&region=us-east-1` points at an
    S3-compatible endpoint; credentials come from the usual AWS environment or task role.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        path = Path(unquote(parts.path))
        path.mkdir(parents=True, exist_ok=True)
        # Deleting an object also removes the directories it leaves empty, so a deleted
        # deployment or cache leaves nothing behind on disk either.
        return LocalStore(prefix=path, mkdir=True, automatic_cleanup=True), False
    if parts.scheme == "s3":
        if len(parts.netloc) < 3:
            raise StorageError(f"invalid S3 bucket in storage URL: {url}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        config: dict[str, Any] = {}
        client_options: dict[str, Any] = {}
        if endpoint := query.get("endpoint"):
            config["endpoint"] = endpoint
            if endpoint.startswith("http://"):
                client_options["allow_http"] = True
        if region := query.get("region"):
            config["region"] = region
        prefix = parts.path.strip("/") or None
        store = S3Store(
            parts.netloc,
            prefix=prefix,
            config=cast("Any", config),
            client_options=cast("Any", client_options),
        )
        return store, True
    raise StorageError(f"unsupported storage URL (use file:// or s3://): {url}")


class Storage:
    """Async access to the deployments, routes and caches of one bucket or directory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._store, self._attributes = _store_from_url(url)
        self.is_local = not self._attributes

    @property
    def local_root(self) -> Path | None:
        """The directory behind a `file://` store (used for cheap local reads)."""
        if not self.is_local:
            return None
        return Path(unquote(urlsplit(self.url).path))

    async def put(
        self,
        key: str,
        data: bytes | Path,
        *,
        content_type: str | None = None,
        cache_control: str | None = None,
        create_only: bool = False,
    ) -> None:
        """Write `key`. `create_only`: fail with AlreadyStored when something is there.

        Create-only writes are single requests (S3 conditional writes, `If-None-Match: *`),
        which a bucket policy can require for objects that must never change.
        """
        attributes = self._object_attributes(content_type, cache_control)
        try:
            if create_only:
                await obstore.put_async(
                    self._store,
                    check_key(key),
                    data,
                    mode="create",
                    use_multipart=False,
                    attributes=attributes,
                )
            else:
                await obstore.put_async(self._store, check_key(key), data, attributes=attributes)
        except InvalidKey:
            raise
        except AlreadyExistsError:
            raise AlreadyStored(f"{key} already exists") from None
        except Exception as exc:  # obstore raises many kinds; callers need one
            if create_only and "already exists" in str(exc).lower():
                raise AlreadyStored(f"{key} already exists") from None
            raise StorageError(f"could not write {key}: {exc}") from exc

    async def create(self, key: str, data: bytes, *, content_type: str | None = None) -> bool:
        """Write `data` only if nothing is stored at `key`; False when something was."""
        try:
            await self.put(key, data, content_type=content_type, create_only=True)
        except AlreadyStored:
            return False
        return True

    def _object_attributes(
        self, content_type: str | None, cache_control: str | None
    ) -> dict[str, str] | None:
        """HTTP attributes stored with an object, where the store keeps them (S3)."""
        if not self._attributes:
            return None
        attributes = {}
        if content_type:
            attributes["Content-Type"] = content_type
        if cache_control:
            attributes["Cache-Control"] = cache_control
        return attributes or None

    async def get(self, key: str) -> bytes:
        try:
            result = await obstore.get_async(self._store, check_key(key))
            return bytes(await result.bytes_async())
        except NotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except (InvalidKey, ObjectNotFound):
            raise
        except Exception as exc:
            if _is_not_found(exc):
                raise ObjectNotFound(key) from exc
            raise StorageError(f"could not read {key}: {exc}") from exc

    async def get_or_none(self, key: str) -> bytes | None:
        try:
            return await self.get(key)
        except ObjectNotFound:
            return None

    async def get_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes [start, end) of the object."""
        try:
            data = await obstore.get_range_async(self._store, check_key(key), start=start, end=end)
            return bytes(data)
        except NotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except Exception as exc:
            raise StorageError(f"could not read {key}: {exc}") from exc

    async def stream(
        self, key: str, start: int = 0, end: int | None = None, chunk_size: int = DEFAULT_CHUNK
    ) -> AsyncIterator[bytes]:
        """Yield the object (or bytes [start, end)) in chunks, never holding it whole."""
        options: dict[str, Any] = {}
        if start or end is not None:
            options["range"] = (start, end) if end is not None else {"offset": start}
        try:
            result = await obstore.get_async(
                self._store, check_key(key), options=cast("Any", options or None)
            )
        except NotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except Exception as exc:
            raise StorageError(f"could not read {key}: {exc}") from exc
        async for chunk in result.stream(min_chunk_size=chunk_size):
            yield bytes(chunk)

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            meta = await obstore.head_async(self._store, check_key(key))
        except NotFoundError:
            return None
        except Exception as exc:
            if _is_not_found(exc):
                return None
            raise StorageError(f"could not stat {key}: {exc}") from exc
        return _info(meta)

    async def exists(self, key: str) -> bool:
        return await self.head(key) is not None

    async def list(self, prefix: str) -> list[ObjectInfo]:
        """Every object under `prefix` (a directory-like prefix ending in `/`)."""
        found: list[ObjectInfo] = []
        try:
            stream = obstore.list(self._store, prefix=prefix.rstrip("/") or None, chunk_size=1000)
            async for batch in stream:
                found.extend(_info(m) for m in batch)
        except NotFoundError:
            return []
        except Exception as exc:
            if _is_not_found(exc):
                return []
            raise StorageError(f"could not list {prefix}: {exc}") from exc
        return found

    async def children(self, prefix: str) -> builtins.list[str]:
        """The names one level below `prefix` that hold objects (`deployments` → the ids)."""
        try:
            found = await obstore.list_with_delimiter_async(self._store, prefix.strip("/"))
        except Exception as exc:
            if _is_not_found(exc):
                return []
            raise StorageError(f"could not list {prefix}: {exc}") from exc
        return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in found["common_prefixes"])

    async def delete(self, key: str) -> None:
        try:
            await obstore.delete_async(self._store, check_key(key))
        except NotFoundError:
            return
        except Exception as exc:
            if _is_not_found(exc):
                return
            raise StorageError(f"could not delete {key}: {exc}") from exc


def _info(meta: Any) -> ObjectInfo:
    return ObjectInfo(
        key=meta["path"],
        size=meta["size"],
        etag=meta.get("e_tag"),
        modified=meta.get("last_modified"),
    )


def _is_not_found(exc: Exception) -> bool:
    text = str(exc).lower()
    return "not found" in text or "no such file" in text or "nosuchkey" in text
