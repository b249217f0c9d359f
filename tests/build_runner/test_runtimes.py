"""The Node.js a project asks for: found, or downloaded once from a registry, in the sandbox.

The registry is a loopback server holding real releases (`make test-runtimes` caches
node-linux-<arch> and npm tarballs); builds run through the image's entrypoint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from build_runner.install_runtimes import main as install_runtimes
from build_runner.registry import RegistryError, download, releases
from build_runner.runtimes import RuntimeStore, StoreError, node_package
from services.core.build_protocol import EXIT_INSTALL, EXIT_INTERNAL
from tests.build_runner import corpus
from tests.build_runner.support import RunResult, published, run_runner
from tests.support.gitrepo import GitRepo
from tests.support.npm_registry import (
    CLOSED_REGISTRY,
    TEST_NODE,
    TEST_NPM,
    Registry,
    cached_tarball,
    fresh_runtimes_dir,
    npm_registry,
)

pytestmark = pytest.mark.slow

# Writes which node and npm ran the build into the published page.
REPORT_VERSIONS = (
    "const fs = require('fs'); fs.mkdirSync('dist', {recursive: true});"
    "fs.writeFileSync('dist/index.html', process.version + ' ' +"
    " process.env.npm_config_user_agent);"
)


@pytest.fixture(scope="module")
def registry() -> Iterator[Registry]:
    tarballs = [cached_tarball(node_package(), TEST_NODE), cached_tarball("npm", TEST_NPM)]
    with npm_registry(tarballs) as served:
        yield served


@pytest.fixture
def store_dir() -> Iterator[Path]:
    with fresh_runtimes_dir() as path:
        yield path


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def site(**package: object) -> dict[str, str]:
    return {
        "package.json": corpus.package_json(scripts={"build": "node report.js"}, **package),
        "report.js": REPORT_VERSIONS,
    }


def build(
    repo: GitRepo, files: dict[str, str], storage_url: str, registry: str, store: Path, **extra: str
) -> RunResult:
    commit = repo.commit(files)
    env = {"SLIPWAY_RUNTIME_REGISTRY": registry, "SLIPWAY_RUNTIMES_DIR": str(store), **extra}
    return run_runner(repo_url=repo.url, commit=commit, storage_url=storage_url, extra=env)


def page(storage_url: str, result: RunResult) -> str:
    assert result.code == 0, result.stdout
    _, files, _ = published(storage_url, result.deployment_id)
    return files["index.html"].decode()


def tarball_requests(registry: Registry) -> list[str]:
    return [path for path in registry.requests if path.endswith(".tgz")]


def test_nvmrc_major_is_downloaded_once_and_kept(
    repo: GitRepo, local_storage_url: str, registry: Registry, store_dir: Path
) -> None:
    files = {**site(), ".nvmrc": "22\n"}
    first = build(repo, files, local_storage_url, registry.url, store_dir)
    assert page(local_storage_url, first).startswith(f"v{TEST_NODE} npm/{TEST_NPM} ")
    assert f"node v{TEST_NODE} for '22' (.nvmrc), downloaded in" in first.stdout
    downloads = len(tarball_requests(registry))

    second = build(repo, {"index.md": "again"}, local_storage_url, registry.url, store_dir)
    assert page(local_storage_url, second).startswith(f"v{TEST_NODE} ")
    assert f"node v{TEST_NODE} for '22' (.nvmrc), installed" in second.stdout
    assert len(tarball_requests(registry)) == downloads
    # Whole and readable by every build user, writable by none.
    home = store_dir / "node" / TEST_NODE
    assert (home / "bin" / "node").stat().st_mode & 0o777 == 0o755
    assert [p.name for p in (store_dir / "node").iterdir()] == [TEST_NODE]


def test_the_node_version_variable_wins_over_the_repository(
    repo: GitRepo, local_storage_url: str, registry: Registry, store_dir: Path
) -> None:
    files = {**site(engines={"node": "18"}), ".nvmrc": "18\n"}
    result = build(
        repo,
        files,
        local_storage_url,
        registry.url,
        store_dir,
        SLIPWAY_BUILD_ENV_NAMES="NODE_VERSION",
        NODE_VERSION="22",
    )
    assert page(local_storage_url, result).startswith(f"v{TEST_NODE} ")
    assert "for '22' (the NODE_VERSION variable)" in result.stdout


def test_a_range_the_builders_node_meets_downloads_nothing(
    repo: GitRepo, local_storage_url: str, registry: Registry, store_dir: Path
) -> None:
    before = len(registry.requests)
    result = build(repo, site(engines={"node": ">=18"}), local_storage_url, registry.url, store_dir)
    own = page(local_storage_url, result).split()[0]
    assert f"node {own}; the project asks for '>=18' (package.json engines.node)" in result.stdout
    assert len(registry.requests) == before
    assert not (store_dir / "node").exists()


@pytest.mark.parametrize(
    ("nvmrc", "message"),
    [
        pytest.param(
            "99",
            f"no Node.js release matches '99' (.nvmrc); the newest is v{TEST_NODE}: change it "
            "to a published version such as 22",
            id="no-such-release",
        ),
        pytest.param(
            "banana",
            "cannot read the Node version 'banana' (.nvmrc): write a major version such as 22, "
            "or a range such as >=20",
            id="unreadable",
        ),
    ],
)
def test_a_version_that_cannot_be_met_is_one_sentence(
    repo: GitRepo,
    local_storage_url: str,
    registry: Registry,
    store_dir: Path,
    nvmrc: str,
    message: str,
) -> None:
    result = build(repo, {**site(), ".nvmrc": nvmrc}, local_storage_url, registry.url, store_dir)
    assert result.code == EXIT_INSTALL, result.stdout
    assert f"| {message}\n" in result.stdout
    _, log = result.stdout.rsplit("failure | ", 1)
    assert message in log  # the deployment's error, as the api, CLI and dashboard show it


def test_an_unreadable_engines_range_is_only_noted(
    repo: GitRepo, local_storage_url: str, registry: Registry, store_dir: Path
) -> None:
    result = build(
        repo, site(engines={"node": "latest-ish"}), local_storage_url, registry.url, store_dir
    )
    assert page(local_storage_url, result)
    assert "cannot read the Node range 'latest-ish' (package.json engines.node)" in result.stdout


def test_an_unreachable_registry_names_itself(
    repo: GitRepo, local_storage_url: str, store_dir: Path
) -> None:
    result = build(repo, {**site(), ".nvmrc": "22"}, local_storage_url, CLOSED_REGISTRY, store_dir)
    assert result.code == EXIT_INSTALL
    assert "the project asks for Node '22' (.nvmrc); this builder has node v" in result.stdout
    assert f"could not download one: {CLOSED_REGISTRY}/{node_package()} could not be reached" in (
        result.stdout
    )


def test_downloads_can_be_turned_off(
    repo: GitRepo, local_storage_url: str, store_dir: Path
) -> None:
    result = build(repo, {**site(), ".nvmrc": "22"}, local_storage_url, "", store_dir)
    assert result.code == EXIT_INSTALL
    assert "downloads are off (SLIPWAY_RUNTIME_REGISTRY is empty)" in result.stdout


def test_a_tarball_that_is_not_the_published_one_is_refused(store_dir: Path) -> None:
    genuine = cached_tarball(node_package(), TEST_NODE)
    with npm_registry([cached_tarball("npm", TEST_NPM)]) as served:
        package = {"name": node_package(), "version": TEST_NODE}
        served.add(genuine.name, genuine.read_bytes(), package)
        # Tampered in transit: the document still names the genuine bytes' hash.
        path = f"/{node_package()}/-/{genuine.name}"
        served.files[path] = served.files[path][:-1] + b"\0"
        store = RuntimeStore(store_dir, served.url)
        with pytest.raises(RegistryError, match="does not match its published sha512"):
            store.install_node(lambda found: found[0], timeout=30)
    assert [p.name for p in (store_dir / "node").iterdir()] == []  # nothing half-installed


def test_a_build_cannot_change_an_installed_runtime(
    repo: GitRepo, local_storage_url: str, registry: Registry, store_dir: Path
) -> None:
    build(repo, {**site(), ".nvmrc": "22"}, local_storage_url, registry.url, store_dir)
    node = store_dir / "node" / TEST_NODE / "bin" / "node"
    before = hashlib.sha256(node.read_bytes()).hexdigest()
    attack = (
        'n="$(command -v node)"; d="$(dirname "$n")"; r=""; '
        'cp /bin/sh "$n" 2>/dev/null && r="$r replaced"; '
        'touch "$d/planted" 2>/dev/null && r="$r planted"; '
        'rm -f "$d/npm" 2>/dev/null && r="$r removed"; '
        'mkdir -p dist; echo "done:$r" > dist/index.html'
    )
    files = {"package.json": corpus.package_json(scripts={"build": attack})}
    result = build(repo, files, local_storage_url, registry.url, store_dir)
    assert page(local_storage_url, result).strip() == "done:"
    assert hashlib.sha256(node.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in node.parent.iterdir()) == ["node", "npm", "npx"]


def test_a_runtimes_directory_others_may_write_is_not_used(
    repo: GitRepo, local_storage_url: str, registry: Registry, store_dir: Path
) -> None:
    store_dir.chmod(0o777)  # as a careless or hostile setup would leave it
    (store_dir / "node").mkdir()
    result = build(repo, {**site(), ".nvmrc": "22"}, local_storage_url, registry.url, store_dir)
    assert result.code == EXIT_INTERNAL
    assert "others may write to it: set SLIPWAY_RUNTIMES_DIR to a directory only the runner" in (
        result.stdout
    )
    with pytest.raises(StoreError):
        RuntimeStore(store_dir, registry.url).installed_node()


def test_registry_answers_that_cannot_be_used(registry: Registry) -> None:
    with pytest.raises(RegistryError, match=r"/no-such-package answered 404"):
        releases(registry.url, "no-such-package", timeout=10)
    with pytest.raises(RegistryError, match="must be an http"):
        releases("file:///etc", "npm", timeout=10)
    found = releases(registry.url, "npm", timeout=10)
    assert [r.version for r in found] == [TEST_NPM]
    with download(found[0], timeout=10) as tarball:
        assert hashlib.sha512(tarball.read()).digest()


def test_the_image_installs_its_pinned_releases(
    registry: Registry, store_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pins = tmp_path / "package.json"
    pins.write_text(json.dumps({"runtimes": {"node": [TEST_NODE], "npm": TEST_NPM}}))
    monkeypatch.setenv("SLIPWAY_RUNTIMES_DIR", str(store_dir))
    monkeypatch.setenv("SLIPWAY_RUNTIME_REGISTRY", registry.url)
    assert install_runtimes(pins) == 0
    assert install_runtimes(pins) == 0  # again: already there
    (runtime,) = RuntimeStore(store_dir, None).installed_node()
    assert runtime.describe() == f"v{TEST_NODE}"
    pins.write_text(json.dumps({"runtimes": {"node": ["99.0.0"], "npm": TEST_NPM}}))
    assert install_runtimes(pins) == 1


def test_preinstalled_releases_are_used_without_a_download(
    repo: GitRepo, local_storage_url: str, registry: Registry, store_dir: Path, tmp_path: Path
) -> None:
    # As in the image: installed ahead in a read-only directory, downloads go elsewhere.
    with fresh_runtimes_dir() as preinstalled:
        RuntimeStore(preinstalled, registry.url).install_node(
            lambda found: next(r for r in found if r.version == TEST_NODE), timeout=30
        )
        result = build(
            repo,
            {**site(), ".nvmrc": "lts/jod"},
            local_storage_url,
            CLOSED_REGISTRY,
            store_dir,
            SLIPWAY_PREINSTALLED_RUNTIMES=str(preinstalled),
        )
        assert page(local_storage_url, result).startswith(f"v{TEST_NODE} ")
        assert f"node v{TEST_NODE} for 'lts/jod' (.nvmrc), installed" in result.stdout
    assert not (store_dir / "node").exists()
