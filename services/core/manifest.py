"""The deployment manifest (written last by the runner) and the route objects (written by the api).

A manifest lists every file the proxy may serve for one deployment; its keys are relative to
`deployments/<id>/`. Files live under `files/`, precompressed variants under `variants/`, and
files whose names no store takes as keys under `hashed/` (`build_runner.object_keys`), so no
site file can collide with `manifest.json` or `build.log`.
"""

from __future__ import annotations

from typing import Literal

import msgspec

MANIFEST_VERSION = 1
CacheClass = Literal["html", "immutable", "default"]

CACHE_CONTROL: dict[str, str] = {
    "html": "public, max-age=0, must-revalidate",
    "immutable": "public, max-age=31536000, immutable",
    "default": "public, max-age=0, must-revalidate",
}


def manifest_key(deployment_id: str) -> str:
    return f"deployments/{deployment_id}/manifest.json"


def build_log_key(deployment_id: str) -> str:
    return f"deployments/{deployment_id}/build.log"


def file_key(deployment_id: str, relative: str) -> str:
    return f"deployments/{deployment_id}/{relative}"


# A proxy worker holds hundreds of thousands of these: untracked by the garbage collector
# (they hold only strings, numbers and each other, never a cycle), no collection walks them.
class Variant(msgspec.Struct, frozen=True, gc=False):
    key: str
    size: int


class FileEntry(msgspec.Struct, frozen=True, gc=False):
    key: str
    size: int
    sha256: str
    type: str
    cache: CacheClass = "default"
    encodings: dict[str, Variant] = msgspec.field(default_factory=dict)


class ServingConfig(msgspec.Struct, frozen=True):
    spa: bool = False
    redirects: str | None = None  # raw `_redirects` text, validated at build time
    headers: str | None = None  # raw `_headers` text, validated at build time


class Manifest(msgspec.Struct, frozen=True):
    deployment: str
    project: str
    created_at: str
    files: dict[str, FileEntry]
    config: ServingConfig = ServingConfig()
    version: int = MANIFEST_VERSION


RouteKind = Literal["production", "deployment", "branch", "pull_request", "domain"]
# Hosts anyone may visit; every other kind is a preview, which a password can protect.
PUBLIC_ROUTE_KINDS = frozenset({"production", "domain"})


class Route(msgspec.Struct, frozen=True, omit_defaults=True):
    project: str
    deployment: str
    kind: RouteKind
    updated_at: str
    # The project's preview password hash (see services.core.passwords); None: public.
    # Left out of the object when None, so public routes read as they always did.
    protection: str | None = None
    # Production's fence (services/api/production.py): grows with every switch of production,
    # so a writer holding an older one never overwrites a newer route. Routes written before
    # it existed, and preview routes, read as 0.
    generation: int = 0


def encode(value: Manifest | Route) -> bytes:
    return msgspec.json.encode(value)


def decode_manifest(data: bytes) -> Manifest:
    return msgspec.json.decode(data, type=Manifest)


def decode_route(data: bytes) -> Route:
    return msgspec.json.decode(data, type=Route)
