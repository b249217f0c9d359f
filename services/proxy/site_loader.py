"""From a deployment's manifest in storage to a `Site`, in bounded memory and loop time.

A manifest is untrusted input: what a build writes decides its size and its fields. So it
is read in chunks and refused past MAX_MANIFEST_BYTES or MAX_FILES, it must name the
deployment it is read for, and every entry must be servable (possible sizes, storage keys
that stay in the deployment, a Content-Type and an ETag that a header can carry). A refusal
is logged once and remembered as `Unservable`: the deployment's hosts answer 404, and a
hostile manifest is not read again per request. Files whose paths are longer than any
request can name are left out, with one log line.

A small manifest is parsed inline, faster than handing it to a thread. A large one, or one
with many rules (parsing a rule takes about 1 µs a character), is parsed in a worker thread,
one at a time per worker: the GIL runs one parse at a time anyway, and a second would only
hold a second manifest in memory. At most MAX_WAITING more wait for that turn, each holding
at most INLINE_MANIFEST_BYTES of what it has read; beyond them, a load is `LoaderBusy`.

msgspec decodes without releasing the GIL, so a thread decoding a whole 20 MB manifest would
stop the event loop just as long as decoding it inline. The files are therefore decoded a
piece of about PIECE_BYTES at a time (`decode_in_pieces`), and the interpreter hands the GIL
to the event loop between pieces.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from dataclasses import dataclass
from typing import cast

import msgspec

from services.core.manifest import FileEntry, Manifest, file_key, manifest_key
from services.core.storage import ObjectNotFound, Storage
from services.proxy.paths import MAX_PATH_BYTES
from services.proxy.site import Site

log = logging.getLogger(__name__)

# A build at its default caps (20,000 files) writes a few MB, 23 MB with 250-character paths.
# One laid out otherwise than the runner writes is decoded whole, in one hold of the GIL of
# about 2 ms a MB: a hostile one at this cap stops the event loop 70 to 95 ms, once.
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
MAX_FILES = 100_000  # five times the build's default cap
INLINE_MANIFEST_BYTES = 64 * 1024  # about 200 files: parsed inline in about a millisecond
INLINE_RULES_CHARS = 2048  # `_redirects` and `_headers` text parsed inline
MAX_WAITING = 16
READ_CHUNK = 64 * 1024
PIECE_BYTES = 256 * 1024  # of `files`, decoded in well under a millisecond
MAX_OBJECT_BYTES = 5 * 1024**4  # S3's largest object
MAX_KEY_CHARS = 1024  # S3's longest key, the deployment's prefix included
_NOT_IN_A_KEY = re.compile(r"[\x00-\x1f\\]")
_NOT_A_SEGMENT = frozenset({"", ".", ".."})
_CONTENT_TYPE = re.compile(r"[!-~][ -~]{0,254}")  # printable ASCII, as a header value must be
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ManifestMissing(Exception):
    """A route names a deployment without a readable manifest."""


class ManifestRefused(Exception):
    """A manifest the proxy will not serve; the message says why."""


class LoaderBusy(Exception):
    """Too many large manifests are waiting to be parsed: try again in a moment."""


@dataclass(frozen=True, slots=True)
class Unservable:
    """A deployment whose manifest was refused, remembered so it is not read again."""

    reason: str
    weight: int = 512


def parse_manifest(data: bytes | bytearray, deployment: str) -> Manifest:
    """The manifest in `data`, every entry checked; ManifestRefused says what is wrong."""
    try:
        manifest = decode_in_pieces(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise ManifestRefused(f"not a manifest: {exc}") from None
    if manifest.deployment != deployment:
        raise ManifestRefused(f"it names deployment {_shown(manifest.deployment)}")
    _check_count(len(manifest.files))
    files: dict[str, FileEntry] = {}
    beyond_requests = 0
    for path, entry in manifest.files.items():
        if len(path) > MAX_PATH_BYTES:  # more bytes still, in a request: none can name it
            beyond_requests += 1
            continue
        problem = _unservable(entry, deployment)
        if problem is not None:
            raise ManifestRefused(f"file {_shown(path)}: {problem}")
        files[path] = entry
    if not beyond_requests:
        return manifest
    log.warning(
        "deployment %s: %d files left out, their paths longer than any request can name",
        deployment,
        beyond_requests,
    )
    return msgspec.structs.replace(manifest, files=files)


_MANIFEST = msgspec.json.Decoder(Manifest)
_FILES = msgspec.json.Decoder(dict[str, FileEntry])
# How the runner writes a manifest (compact, in field order): `files` right before `config`,
# and every entry ending with its `encodings` object, so `}},"` ends an entry within `files`.
_FILES_OPEN = b'"files":{'
_FILES_CLOSE = b'},"config":{'
_ENTRY_END = b'}},"'
_CUTS_TRIED = 4  # boundaries tried for one piece before decoding the rest at once


def decode_in_pieces(data: bytes | bytearray) -> Manifest:
    """`data` decoded, its files a piece at a time when it is laid out as the runner writes
    it (whole otherwise): exactly what decoding it whole gives.

    Each piece must decode on its own as an object's members, so joined they are the object
    between the two braces found. That this object is the manifest's `files` is checked by
    decoding the rest with a random stand-in in its place, which must come back as `files`.
    """
    start = data.find(_FILES_OPEN) + len(_FILES_OPEN) - 1  # the opening brace
    end = data.rfind(_FILES_CLOSE)  # the closing brace
    if start < len(_FILES_OPEN) - 1 or end < start:
        return _MANIFEST.decode(data)
    files: dict[str, FileEntry] = {}
    try:
        for piece in _pieces(data, start + 1, end):
            files.update(piece)
            _check_count(len(files))
        stand_in = {secrets.token_hex(16): FileEntry(key="", size=0, sha256="", type="")}
        rest = _MANIFEST.decode(data[:start] + msgspec.json.encode(stand_in) + data[end + 1 :])
    except (msgspec.DecodeError, RecursionError):
        return _MANIFEST.decode(data)  # not the runner's layout: the whole decode decides
    if rest.files != stand_in:
        return _MANIFEST.decode(data)
    return msgspec.structs.replace(rest, files=files)


def _pieces(data: bytes | bytearray, start: int, end: int) -> Iterator[dict[str, FileEntry]]:
    """The members of the object between `start` and `end`, cut after entries' ends."""
    while start < end:
        cut = data.find(_ENTRY_END, start + PIECE_BYTES, end)
        for _ in range(_CUTS_TRIED):
            if cut < 0:
                break
            try:  # a cut inside an entry or a string leaves braces or quotes unclosed
                yield _FILES.decode(b"{" + data[start : cut + 2] + b"}")
            except msgspec.DecodeError:
                cut = data.find(_ENTRY_END, cut + 1, end)
                continue
            start = cut + 3  # past the entry's end and the comma
            break
        else:
            cut = -1
        if cut < 0:
            yield _FILES.decode(b"{" + data[start:end] + b"}")
            return


def _check_count(count: int) -> None:
    if count > MAX_FILES:
        raise ManifestRefused(f"{count} files, more than the {MAX_FILES} served")


def parse_site(data: bytes | bytearray, deployment: str) -> Site:
    return Site(parse_manifest(data, deployment))


def _unservable(entry: FileEntry, deployment: str) -> str | None:
    """Why the proxy could not serve `entry` as it says; None when it can."""
    stored = [(entry.key, entry.size), *((v.key, v.size) for v in entry.encodings.values())]
    for key, size in stored:
        if not 0 <= size <= MAX_OBJECT_BYTES:
            return f"size {size} is not between 0 and {MAX_OBJECT_BYTES}"
        if not is_deployment_key(key, deployment):
            return f"key {_shown(key)} is not a key of this deployment"
    if not _SHA256.fullmatch(entry.sha256):
        return "sha256 is not 64 lowercase hex digits"
    if not _CONTENT_TYPE.fullmatch(entry.type):
        return "type is not a Content-Type header value"
    return None


def is_deployment_key(key: str, deployment: str) -> bool:
    """Whether `key` names an object below the deployment's prefix: `check_key`'s rule, which
    storage applies again when it reads, at C speed (that one walks each character in
    Python, and a manifest holds tens of thousands of keys). A test keeps the two equal."""
    return (
        len(file_key(deployment, key)) <= MAX_KEY_CHARS
        and _NOT_IN_A_KEY.search(key) is None
        and _NOT_A_SEGMENT.isdisjoint(key.split("/"))
    )


def _shown(text: str) -> str:
    """`text` for a log line: a hostile path can be megabytes long."""
    return repr(text if len(text) <= 80 else text[:80] + "…")


class SiteLoader:
    """Reads and parses manifests for one worker process."""

    def __init__(self, *, max_waiting: int = MAX_WAITING) -> None:
        self.max_waiting = max_waiting
        self.waiting = 0
        self._turn = asyncio.Semaphore(1)

    async def load(self, storage: Storage, deployment: str) -> Site | Unservable:
        try:
            async with contextlib.AsyncExitStack() as turn:
                data = await self._read(storage, deployment, turn)
                if len(data) > INLINE_MANIFEST_BYTES:
                    return await asyncio.to_thread(parse_site, data, deployment)
                manifest = parse_manifest(data, deployment)
                config = manifest.config
                if len(config.redirects or "") + len(config.headers or "") <= INLINE_RULES_CHARS:
                    return Site(manifest)
                await turn.enter_async_context(self._off_loop_turn(deployment))
                return await asyncio.to_thread(Site, manifest)
        except ManifestRefused as exc:
            log.error("deployment %s: manifest refused, its hosts answer 404: %s", deployment, exc)
            return Unservable(str(exc))

    async def _read(
        self, storage: Storage, deployment: str, turn: contextlib.AsyncExitStack
    ) -> bytearray:
        """The manifest's bytes; once they pass INLINE_MANIFEST_BYTES, read in `turn`.

        Grown chunk by chunk: joining 20 MB of chunks at the end took 15 ms on the event
        loop, most of it faulting in the new buffer's pages."""
        data = bytearray()
        # An async generator, closed here at once when the read stops early.
        stream = cast(
            "AsyncGenerator[bytes]", storage.stream(manifest_key(deployment), chunk_size=READ_CHUNK)
        )
        try:
            async with contextlib.aclosing(stream):
                async for chunk in stream:
                    if len(data) <= INLINE_MANIFEST_BYTES < len(data) + len(chunk):
                        await turn.enter_async_context(self._off_loop_turn(deployment))
                    if len(data) + len(chunk) > MAX_MANIFEST_BYTES:
                        raise ManifestRefused(f"larger than {MAX_MANIFEST_BYTES} bytes")
                    data += chunk
        except ObjectNotFound:
            raise ManifestMissing(deployment) from None
        return data

    @contextlib.asynccontextmanager
    async def _off_loop_turn(self, deployment: str) -> AsyncIterator[None]:
        """The worker's one turn for parsing in a thread; LoaderBusy if too many wait."""
        if self.waiting >= self.max_waiting:
            log.warning(
                "deployment %s: answered 503, %d large manifests already wait to be parsed",
                deployment,
                self.waiting,
            )
            raise LoaderBusy
        self.waiting += 1
        try:
            await self._turn.acquire()
        finally:
            self.waiting -= 1
        try:
            yield
        finally:
            self._turn.release()
