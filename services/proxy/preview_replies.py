"""What a password-protected host answers besides its files, and how its files are marked."""

from __future__ import annotations

import dataclasses

from services.proxy.delivery import Streamed, StreamedParts
from services.proxy.reply import Headers, Ready, plain

Reply = Ready | Streamed | StreamedParts
RETRY_AFTER = b"1"


def password_required(project: str) -> Ready:
    """The same answer for every path, so it tells nothing about the site."""
    challenge = f'Basic realm="{project} preview", charset="UTF-8"'.encode()
    return plain(
        401,
        "this preview needs a password",
        [(b"www-authenticate", challenge), (b"x-robots-tag", b"noindex")],
    )


def too_busy() -> Ready:
    return plain(
        429,
        "too many password checks at once; try again shortly",
        [(b"retry-after", RETRY_AFTER), (b"x-robots-tag", b"noindex")],
    )


def privately(reply: Reply) -> Reply:
    """The answer with a private Cache-Control: no shared cache downstream keeps it."""
    if isinstance(reply, Ready):
        return dataclasses.replace(
            reply,
            headers=private_headers(reply.headers),
            not_modified_headers=private_headers(reply.not_modified_headers),
        )
    return dataclasses.replace(reply, headers=private_headers(reply.headers))


def private_headers(headers: Headers) -> Headers:
    if not headers:
        return headers
    marked = [(k, _private(v) if k == b"cache-control" else v) for k, v in headers]
    if not any(k == b"cache-control" for k, _ in headers):
        marked.append((b"cache-control", b"private"))
    return marked


def _private(value: bytes) -> bytes:
    """`public, max-age=0` → `private, max-age=0`; `no-store` and `private` stay as they are."""
    directives = [d.strip() for d in value.split(b",") if d.strip()]
    kept = [d for d in directives if d.lower() != b"public"]
    if any(d.lower() in (b"private", b"no-store") for d in kept):
        return b", ".join(kept)
    return b", ".join([b"private", *kept])
