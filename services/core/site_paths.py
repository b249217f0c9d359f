"""Which file paths a request can name: one rule for the runner (what it publishes) and the
proxy (what it looks up in a manifest)."""

from __future__ import annotations


def unservable_reason(path: str) -> str | None:
    """Why no request path can name the site path `path` ("holds ..."); None when one can.

    A backslash means a separator to some clients, and C0 control characters have no place in
    a URL's path even percent-encoded. DEL (0x7f) is a plain character once encoded (`%7F`).
    """
    if "\\" in path or any(ord(c) < 0x20 for c in path):
        return "holds a backslash or a control character"
    try:
        path.encode()
    except UnicodeEncodeError:  # a file name that is not UTF-8; request paths must be
        return "is not UTF-8"
    return None
