"""Turning a raw request path into a site path, refusing anything that is not plainly one.

The result is only ever used to look a file up in the manifest; it never becomes a storage
key. Refusing odd paths here (rather than normalising them) keeps one path = one answer.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from services.core.site_paths import unservable_reason

MAX_PATH_BYTES = 2048


class BadPath(ValueError):
    pass


def site_path(raw_path: bytes) -> str:
    """`/a/b.html` (percent-encoded) → `a/b.html`; BadPath for anything hostile or malformed."""
    if not raw_path.startswith(b"/") or len(raw_path) > MAX_PATH_BYTES:
        raise BadPath("path must start with '/' and be at most 2048 bytes")
    try:
        text = unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        raise BadPath("path is not UTF-8") from None
    relative = text[1:]
    if reason := unservable_reason(relative):
        raise BadPath(f"path {reason}")
    if any(segment in (".", "..") for segment in relative.split("/")):
        raise BadPath("path has a dot segment")
    return relative


def has_extension(path: str) -> bool:
    """`app.js` or `img/a.png`, not `about` or `v1.2/docs`: the file name carries a dot."""
    name = path.rsplit("/", 1)[-1]
    return "." in name.strip(".")
