"""An npm registry on loopback, serving package tarballs from a directory.

Each `<name>-<version>.tgz` is read once: its package.json gives the name, version and
engines, its bytes the sha512 integrity, as the real registry publishes them. The
documents are the abbreviated form `build_runner/registry.py` asks for.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import json
import shutil
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

# Fetched by `make test-runtimes` (mk/runner.mk) with `npm pack`: real releases, cached.
CACHE = Path(__file__).resolve().parents[2] / ".tools" / "npm"
TEST_NODE = "22.23.5"
TEST_NPM = "12.2.3"
# Nothing listens on the discard port: downloads a test did not arrange fail at once.
CLOSED_REGISTRY = "http://127.0.0.1:9"


def new_runtimes_dir() -> Path:
    """An empty runtimes directory where build users can read (only the runner writes)."""
    path = Path(tempfile.mkdtemp(prefix="slipway-test-runtimes-", dir="/var/tmp"))
    path.chmod(0o755)
    return path


def isolated_runtimes_dir() -> Path:
    """The test run's own runtimes directory, removed at exit."""
    path = new_runtimes_dir()
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@contextmanager
def fresh_runtimes_dir() -> Iterator[Path]:
    path = new_runtimes_dir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def cached_tarball(name: str, version: str) -> Path:
    path = CACHE / f"{name}-{version}.tgz"
    if not path.is_file():
        raise AssertionError(f"{path} is missing: run `make test-runtimes`")
    return path


def _package_json(tarball: Path) -> dict[str, object]:
    with tarfile.open(tarball, "r:gz") as archive:
        member = archive.extractfile("package/package.json")
        assert member is not None
        data: dict[str, object] = json.load(member)
    return data


class Registry:
    def __init__(self, tarballs: list[Path]) -> None:
        self.files: dict[str, bytes] = {}
        self.documents: dict[str, dict[str, object]] = {}
        self.requests: list[str] = []
        self.url = ""
        for tarball in tarballs:
            self.add(tarball.name, tarball.read_bytes(), _package_json(tarball))

    def add(self, filename: str, data: bytes, package: dict[str, object]) -> None:
        name, version = str(package["name"]), str(package["version"])
        self.files[f"/{name}/-/{filename}"] = data
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        versions = self.documents.setdefault(name, {"name": name, "versions": {}})["versions"]
        assert isinstance(versions, dict)
        versions[version] = {
            "name": name,
            "version": version,
            "engines": package.get("engines", {}),
            "dist": {"tarball": f"@/{name}/-/{filename}", "integrity": integrity},
        }

    def body(self, path: str) -> bytes | None:
        if path in self.files:
            return self.files[path]
        document = self.documents.get(unquote(path.lstrip("/")))
        if document is None:
            return None
        text = json.dumps(document).replace('"@/', f'"{self.url}/')
        return text.encode()


@contextmanager
def npm_registry(tarballs: list[Path]) -> Iterator[Registry]:
    registry = Registry(tarballs)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            registry.requests.append(self.path)
            body = registry.body(self.path)
            self.send_response(404 if body is None else 200)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    registry.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
