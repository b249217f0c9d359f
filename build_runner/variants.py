"""Precompressed variants (brotli, gzip) of compressible files, kept only when they pay off."""

from __future__ import annotations

import gzip
from dataclasses import dataclass

import brotli

MIN_SIZE = 1024  # below this the headers cost more than compression saves
MAX_RATIO = 0.9  # a variant must save at least a tenth
# Quality 11 is several times slower for ~3% smaller files; 9 keeps big bundles quick.
BROTLI_QUALITY = 9
GZIP_LEVEL = 9
ENCODING_SUFFIX = {"br": ".br", "gzip": ".gz"}


@dataclass(frozen=True)
class Compressed:
    encoding: str  # the Content-Encoding token
    data: bytes


def compress_variants(data: bytes) -> list[Compressed]:
    if len(data) < MIN_SIZE:
        return []
    candidates = [
        Compressed("br", brotli.compress(data, quality=BROTLI_QUALITY)),
        Compressed("gzip", gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)),
    ]
    return [c for c in candidates if len(c.data) <= len(data) * MAX_RATIO]
