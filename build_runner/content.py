"""Per-file serving metadata: Content-Type (with charset for text) and cache class."""

from __future__ import annotations

import mimetypes
import re
from datetime import datetime
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

# Directories whose files are all content-addressed by their framework.
_IMMUTABLE_DIRS = ("_next/static/", "_astro/", "_app/immutable/")
_SEPARATORS = re.compile(r"[.\-_~]")
# Rollup and Vite hashes are 8 base64url characters, which may hold `-` and `_` themselves.
ROLLUP_HASH_LENGTH = 8
MIN_HASH_LENGTH = 8
MAX_HASH_LENGTH = 64
# Gatsby keeps images below a directory named by a hash (`static/<32 hex>/photo.png`).
MIN_HASH_DIR_LENGTH = 20
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_HEX = re.compile(r"[0-9a-f]+")
_UPPER_ALNUM = re.compile(r"[A-Z0-9]+")
# Words in camelCase or PascalCase (`Tooltips`, `myComponent`): names, not hashes.
_WORDS = re.compile(r"[a-z]*(?:[A-Z][a-z]+)*")
# webpack's `[name].[contenthash:N]`: the lengths bundlers write (CRA and Docusaurus 8,
# xxhash64 16, webpack's default 20, md5 32), after a dot.
_WEBPACK_HEX_HASH = re.compile(r".+\.([0-9a-f]{8}|[0-9a-f]{16}|[0-9a-f]{20}|[0-9a-f]{32})")
WEBPACK_DIGITS_HASH_LENGTH = 8
_DATE_FORMATS = ("%Y%m%d", "%d%m%Y", "%m%d%Y")
# VitePress writes each page twice, `<page>.md.<hash>.js` and `<page>.md.<hash>.lean.js`.
_LEAN_SUFFIX = ".lean"


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
    """Whether a name segment is a bundler's content hash.

    - lowercase hex with a digit: webpack's `[contenthash]` (20), md5 (32), CRA, Docusaurus,
      Gatsby, Angular (digits only or letters only: `_webpack_single_class_hash`);
    - upper-case letters and digits, both: esbuild's `[hash]` (`chunk-BF8QNONU.js`);
    - base64url in mixed case, not camelCase words: Rollup and Vite (`index-BYx3a1Qz.js`).

    Anything else is a plain name: revalidating a hashed file costs a request, marking a
    plain file immutable would serve stale content for a year.
    """
    if not MIN_HASH_LENGTH <= len(segment) <= MAX_HASH_LENGTH:
        return False
    has_digit = any(c.isdigit() for c in segment)
    if _HEX.fullmatch(segment) or _UPPER_ALNUM.fullmatch(segment):
        return has_digit and not segment.isdigit()
    if not _BASE64URL.fullmatch(segment):
        return False
    mixed = any(c.isupper() for c in segment) and any(c.islower() for c in segment)
    return mixed and (has_digit or not _WORDS.fullmatch(segment))


def _webpack_single_class_hash(stem: str) -> bool:
    """Whether `stem` ends in a webpack hex hash of digits only or of letters only.

    One 8-digit hex hash in 43 is all digits (`main.12345678.js`), so `_looks_hashed`, which
    wants a digit and a letter, would miss it; a letters-only one (`runtime~main.abcdefab.js`)
    is rarer. Names made of one class are also what people write, so the rule is narrower:
    - only after a `.`, webpack's separator: `report-20241204.pdf` stays a name;
    - digits only at 8 characters, and never a date (`archive.20241231.zip`,
      `minutes.31122024.pdf`): a longer all-digit hash is rarer than 1 in 1,800 files,
      while long numbers in names are IDs and timestamps;
    - letters only at 8, 16, 20 or 32: `logo.deadbeef.png` is taken for a hash, the one
      false `immutable` this rule accepts (hexspeak as a file name is rarer than the 1 in
      2,600 hashes it would miss).
    A missed hash costs a revalidation, a false one serves stale bytes for a year.
    """
    match = _WEBPACK_HEX_HASH.fullmatch(stem)
    if match is None:
        return False
    digest = match.group(1)
    if not digest.isdigit():
        return True
    return len(digest) == WEBPACK_DIGITS_HASH_LENGTH and not _reads_as_date(digest)


def _reads_as_date(digits: str) -> bool:
    for fmt in _DATE_FORMATS:
        try:
            year = datetime.strptime(digits, fmt).year
        except ValueError:
            continue
        if 1900 <= year < 2100:
            return True
    return False


def _hash_candidates(stem: str) -> list[str]:
    """Where `[name]-[hash]`, `[name].[hash]` and `[name]_[hash]` put the hash."""
    *name, last = _SEPARATORS.split(stem)
    candidates = [last] if name else []  # a name with no separator is a name, not a hash
    if len(stem) > ROLLUP_HASH_LENGTH and _SEPARATORS.fullmatch(stem[-ROLLUP_HASH_LENGTH - 1]):
        candidates.append(stem[-ROLLUP_HASH_LENGTH:])
    return candidates


def _hashed_directory(rel: str) -> bool:
    directories = rel.split("/")[:-1]
    return any(
        len(part) >= MIN_HASH_DIR_LENGTH and _HEX.fullmatch(part) and _looks_hashed(part)
        for part in directories
    )


def cache_class(rel: str) -> CacheClass:
    """`html` for pages (never immutable), `immutable` for content-hashed files, else `default`.

    The rule, documented in docs/build-runner.md ("Cache classes"), is this function.
    """
    path = PurePosixPath(rel)
    if path.suffix.lower() in (".html", ".htm"):
        return "html"
    if rel.startswith(_IMMUTABLE_DIRS) or _hashed_directory(rel):
        return "immutable"
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    if path.suffix.lower() == ".map":  # `index-abc123.js.map`
        stem = PurePosixPath(stem).stem
    stem = stem.removesuffix(_LEAN_SUFFIX)  # `guide_index.md.BkL3aB9x.lean.js`
    if any(_looks_hashed(candidate) for candidate in _hash_candidates(stem)):
        return "immutable"
    if _webpack_single_class_hash(stem):
        return "immutable"
    if _in_nuxt_chunks(rel) and _looks_hashed(stem):
        return "immutable"
    return "default"


def _in_nuxt_chunks(rel: str) -> bool:
    """Nuxt names chunks by their hash alone (`_nuxt/C8QK3Q1e.js`); `_nuxt/builds/` holds
    `latest.json`, which every deployment rewrites at the same name."""
    parts = rel.split("/")[:-1]
    return "_nuxt" in parts and "builds" not in parts[parts.index("_nuxt") + 1 :]
