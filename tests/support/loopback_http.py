"""A GET-only HTTP server on a free loopback port, answering from a function of the path."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The path's bytes and headers (pip refuses a page without a Content-Type, and caches only
# what says it may), or None for a 404.
Reply = Callable[[str], tuple[bytes, dict[str, str]] | None]
# How registries serve a package file: its name never gets other bytes.
PACKAGE_FILE = {
    "Content-Type": "application/octet-stream",
    "Cache-Control": "max-age=31536000, immutable",
}


@contextmanager
def serving(reply: Reply, requests: list[str] | None = None) -> Iterator[str]:
    """Yields the server's URL; each requested path is appended to `requests`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if requests is not None:
                requests.append(self.path)
            data, headers = reply(self.path) or (None, {})
            self.send_response(404 if data is None else 200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data or b"")))
            self.end_headers()
            self.wfile.write(data or b"")

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
