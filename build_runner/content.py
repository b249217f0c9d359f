"""Per-file serving metadata: Content-Type (with charset for text) and cache class."""

from __future__ import annotations

import mimetypes
import re
from pathlib import PurePosixPath

from services.core.manifest import CacheClass

# Explicit types for what the web serves most; the platform's mimetypes table varies.
TYPES: dict[str, str] = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".cjs": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mp3": "audio/mpeg",
    ".zip": "application/zip",
}
DEFAULT_TYPE = "application/octet-stream"
_TEXTUAL_APPLICATION = {
    "application/json",
    "application/manifest+json",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/javascript",
    "image/svg+xml",
}
# Worth compressing: text, plus binary formats that are not already compressed.
_COMPRESSIBLE_EXTRA = {"application/wasm", "font/ttf", "font/otf", "image/x-icon"}

# A content hash in the name: `index-BYx3a1Qz.js`, `main.8a3b4c5d.css`, `app-4f3a2b1c9d8e.js`.
_HASH_SEGMENT_RE = re.compile(r"[.\-_]([A-Za-z0-9_-]{8,64})$")
_IMMUTABLE_DIRS = ("_next/static/", "_astro/", "_app/immutable/")


def base_type(rel: str) -> str:
    suffix = PurePosixPath(rel).suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(rel, strict=False)[0] or DEFAULT_TYPE


def is_textual(mime: str) -> bool:
    return mime.startswith("text/") or mime in _TEXTUAL_APPLICATION


def content_type(rel: str) -> str:
    mime = base_type(rel)
    return f"{mime}; charset=utf-8" if is_textual(mime) else mime


def compressible(rel: str) -> bool:
    mime = base_type(rel)
    return is_textual(mime) or mime in _COMPRESSIBLE_EXTRA


def _looks_hashed(segment: str) -> bool:
    """Hex with a digit (webpack), or mixed-case base64url (Vite, Rollup).

    Anything else is treated as a plain name: revalidating a hashed file costs a
    request, marking a plain file immutable would serve stale content for a year.
    """
    if all(c in "0123456789abcdef" for c in segment):
        return any(c.isdigit() for c in segment)
    return any(c.isupper() for c in segment) and any(c.islower() for c in segment)


def cache_class(rel: str) -> CacheClass:
    path = PurePosixPath(rel)
    if path.suffix.lower() in (".html", ".htm"):
        return "html"
    if rel.startswith(_IMMUTABLE_DIRS):
        return "immutable"
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    if path.suffix.lower() == ".map":  # `index-abc123.js.map`
        stem = PurePosixPath(stem).stem
    match = _HASH_SEGMENT_RE.search(stem)
    if match and _looks_hashed(match[1]):
        return "immutable"
    return "default"
