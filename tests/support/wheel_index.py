"""Python wheels from a directory, served on loopback as a page pip's `--find-links` reads.

A build pointed at it with `PIP_NO_INDEX=1` and `PIP_FIND_LINKS=<url>/` installs only what
the directory holds, with no other index.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote

from tests.support.loopback_http import PACKAGE_FILE, serving


def links_page(wheels: list[Path]) -> bytes:
    """One link per wheel, with the sha256 pip checks the download against."""
    links = [
        f'<a href="{quote(w.name)}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">'
        f"{html.escape(w.name)}</a><br>"
        for w in wheels
    ]
    return ("<!doctype html><html><body>" + "\n".join(links) + "</body></html>").encode()


@contextmanager
def wheel_index(directory: Path, requests: list[str] | None = None) -> Iterator[str]:
    """Yields the page's URL; each requested path is appended to `requests`."""
    wheels = sorted(directory.glob("*.whl"))
    page = links_page(wheels)
    by_name = {w.name: w for w in wheels}

    def reply(path: str) -> tuple[bytes, dict[str, str]] | None:
        name = unquote(path.lstrip("/"))
        if not name:
            return page, {"Content-Type": "text/html"}
        wheel = by_name.get(name)
        return (wheel.read_bytes(), PACKAGE_FILE) if wheel else None

    with serving(reply, requests) as url:
        yield url + "/"
