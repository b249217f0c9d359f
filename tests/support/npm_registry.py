"""An npm registry on loopback, serving package tarballs from a directory or an npm cache.

Each tarball is read once: its package.json gives the name, version and what an install
resolves with (dependencies of each kind, bin, os, cpu, engines), its bytes the sha512
integrity, as the real registry publishes them. The documents are the abbreviated form
npm and `build_runner/registry.py` ask for. Served from an npm cache (`add_npm_cache`),
every package a project's install fetched installs again with no other registry.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

from tests.support.loopback_http import PACKAGE_FILE, serving
from tests.support.npm_cache import cached_tarballs

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
    """The package's package.json, read as the archive streams by (packages of 100 MB and
    more put it first): `package/package.json`, or under whatever one directory they use."""
    with tarfile.open(tarball, "r|gz") as archive:
        for member in archive:
            top, _, rest = member.name.removeprefix("./").partition("/")
            if rest == "package.json" and top and member.isfile():
                handle = archive.extractfile(member)
                assert handle is not None
                data: dict[str, object] = json.load(handle)
                return data
    raise AssertionError(f"{tarball} holds no package.json")


# What the abbreviated document keeps of each version's package.json: what an install
# resolves and places packages with.
ABBREVIATED_FIELDS = (
    "dependencies",
    "optionalDependencies",
    "peerDependencies",
    "peerDependenciesMeta",
    "bundleDependencies",
    "bin",
    "os",
    "cpu",
    "deprecated",
)
INSTALL_SCRIPTS = ("preinstall", "install", "postinstall")


def _version_order(version: str) -> tuple[int, ...]:
    """Releases above their pre-releases: enough to name the newest as `latest`."""
    release, _, pre = version.partition("-")
    numbers = tuple(int(n) if n.isdigit() else 0 for n in release.split("."))
    return (*numbers, 0 if pre else 1)


def abbreviated_version(
    package: dict[str, object], tarball: str, integrity: str
) -> dict[str, object]:
    scripts = package.get("scripts")
    entry: dict[str, object] = {
        "name": package["name"],
        "version": package["version"],
        **{field: package[field] for field in ABBREVIATED_FIELDS if field in package},
        "engines": package.get("engines", {}),
        "dist": {"tarball": tarball, "integrity": integrity},
    }
    if isinstance(scripts, dict) and any(name in scripts for name in INSTALL_SCRIPTS):
        entry["hasInstallScript"] = True
    return entry


class Registry:
    def __init__(self, tarballs: list[Path]) -> None:
        self.files: dict[str, bytes | Path] = {}  # served bytes, or the file holding them
        self.documents: dict[str, dict[str, object]] = {}
        self.requests: list[str] = []
        self.url = ""
        for tarball in tarballs:
            self.add(tarball.name, tarball.read_bytes(), _package_json(tarball))

    def add(self, filename: str, data: bytes, package: dict[str, object]) -> None:
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        self._publish(f"/{package['name']}/-/{filename}", data, package, integrity)

    def add_npm_cache(self, cache: Path) -> None:
        """Every tarball an install downloaded into `cache`, at the path it came from."""
        for tarball in cached_tarballs(cache):
            package = _package_json(tarball.content)
            self._publish(tarball.url_path, tarball.content, package, tarball.integrity)

    def _publish(
        self, path: str, data: bytes | Path, package: dict[str, object], integrity: str
    ) -> None:
        name, version = str(package["name"]), str(package["version"])
        self.files[path] = data
        document = self.documents.setdefault(name, {"name": name, "dist-tags": {}, "versions": {}})
        versions, tags = document["versions"], document["dist-tags"]
        assert isinstance(versions, dict)
        assert isinstance(tags, dict)
        versions[version] = abbreviated_version(package, f"@{path}", integrity)
        tags["latest"] = max(versions, key=_version_order)

    def body(self, path: str) -> bytes | None:
        if path in self.files:
            data = self.files[path]
            return data.read_bytes() if isinstance(data, Path) else data
        document = self.documents.get(unquote(path.lstrip("/")))
        if document is None:
            return None
        text = json.dumps(document).replace('"@/', f'"{self.url}/')
        return text.encode()

    def reply(self, path: str) -> tuple[bytes, dict[str, str]] | None:
        body = self.body(path)
        if body is None:
            return None
        return body, PACKAGE_FILE if path in self.files else {"Content-Type": "application/json"}


@contextmanager
def npm_registry(tarballs: list[Path], npm_caches: tuple[Path, ...] = ()) -> Iterator[Registry]:
    registry = Registry(tarballs)
    for cache in npm_caches:
        registry.add_npm_cache(cache)

    with serving(registry.reply, registry.requests) as url:
        registry.url = url
        yield registry
