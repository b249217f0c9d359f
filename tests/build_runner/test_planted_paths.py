"""Hostile builds planting links, fifos, devices and hard links where the runner reads.

Each build runs through the real runner. A fake platform data directory beside the
repository holds a secret; whatever a build plants, the secret must appear in no published
file (nor its compressed variants), no build log and no cache object, and the build either
succeeds without the planted content (the log says what was skipped) or fails saying why.
"""

from __future__ import annotations

import gzip
import io
import os
import secrets
import shutil
import stat
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import brotli
import pytest

from build_runner.confined import Root
from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from build_runner.output import SiteFile, _walk, collect_files
from build_runner.publish import publish_site
from services.core.build_protocol import EXIT_INSTALL, EXIT_OUTPUT
from services.core.hosts import new_deployment_id
from services.core.manifest import ServingConfig
from services.core.runner_inputs import Limits
from services.core.storage import Storage
from tests.build_runner import corpus
from tests.build_runner.support import RunResult, build_log, has_manifest, published, run_runner
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.slow


class Platform:
    """The fake platform: a data directory with a secret, and the storage builds publish to."""

    def __init__(self, tmp_path: Path) -> None:
        self.secret = f"platform-secret-{secrets.token_hex(12)}"
        self.data = tmp_path / "platform-data"
        self.data.mkdir()
        self.token = self.data / "api-token"
        self.token.write_text(f"{self.secret}\nsecond line\n")
        self.token.chmod(0o600)
        (self.data / "rules").write_text(f"/leak /{self.secret} 301\n")
        self.storage = tmp_path / "storage"
        self.storage_url = self.storage.as_uri()
        self.secrets = [self.secret]  # what must appear nowhere

    def stored_texts(self) -> Iterator[tuple[str, bytes]]:
        """Every stored object's bytes, decompressed and unpacked where it is an archive."""
        for directory, _, names in os.walk(self.storage):
            for name in names:
                path = Path(directory, name)
                data = path.read_bytes()
                yield str(path), data
                if name.endswith(".tar.gz"):
                    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                        for member in archive.getmembers():
                            handle = archive.extractfile(member)
                            body = handle.read() if handle else member.linkname.encode()
                            yield f"{path}:{member.name}", body
                elif name.endswith(".gz"):
                    yield f"{path} (gunzipped)", gzip.decompress(data)
                elif name.endswith(".br"):
                    yield f"{path} (unbrotlied)", brotli.decompress(data)

    def assert_contained(self, *results: RunResult) -> None:
        for where, body in self.stored_texts():
            for secret in self.secrets:
                assert secret.encode() not in body, f"a secret is in {where}"
        for result in results:
            log = build_log(self.storage_url, result.deployment_id) or ""
            for secret in self.secrets:
                assert secret not in result.stdout
                assert secret not in log


@pytest.fixture
def platform(tmp_path: Path) -> Platform:
    return Platform(tmp_path)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def build(repo: GitRepo, commit: str, platform: Platform, **extra: str) -> RunResult:
    return run_runner(
        repo_url=repo.url, commit=commit, storage_url=platform.storage_url, extra=extra
    )


PLAIN_DIST = "mkdir -p dist && echo '<h1>home</h1>' > dist/index.html"


@pytest.mark.parametrize(
    ("plant", "skipped"),
    [
        pytest.param(
            "ln -s {data}/api-token dist/token.txt",
            "skipped token.txt: a symlink that leaves the output",
            id="file-link-out",
        ),
        pytest.param(
            "ln -s {data} dist/data",
            "skipped data: a symlink that leaves the output",
            id="directory-link-out",
        ),
        pytest.param(
            "ln -s ../../../../.. dist/up",
            "skipped up: a symlink that leaves the output",
            id="relative-link-up",
        ),
        pytest.param(
            "ln -s {data}/rules dist/_redirects",
            "skipped _redirects: a symlink that leaves the output",
            id="redirects-link-out",
        ),
        pytest.param(
            "ln -s {data}/rules dist/_headers",
            "skipped _headers: a symlink that leaves the output",
            id="headers-link-out",
        ),
        pytest.param(
            "mkfifo dist/pipe",
            "skipped pipe: not a regular file",
            id="fifo",
        ),
    ],
)
def test_what_a_build_plants_in_its_output_is_skipped_with_a_log_line(
    repo: GitRepo, platform: Platform, plant: str, skipped: str
) -> None:
    command = f"{PLAIN_DIST} && {plant.format(data=platform.data)}"
    result = build(repo, repo.commit({"README": "x"}), platform, SLIPWAY_BUILD_COMMAND=command)
    assert result.code == 0, result.stdout
    manifest, files, log = published(platform.storage_url, result.deployment_id)
    assert skipped in log
    assert files == {"index.html": b"<h1>home</h1>\n"}
    assert manifest.config.redirects is None
    assert manifest.config.headers is None
    platform.assert_contained(result)


def test_a_device_node_in_the_output_is_never_published(repo: GitRepo, platform: Platform) -> None:
    # Inside the sandbox mknod is refused; whether or not it worked, nothing is published.
    command = f"{PLAIN_DIST} && (mknod dist/null c 1 3 || echo mknod refused)"
    result = build(repo, repo.commit({"README": "x"}), platform, SLIPWAY_BUILD_COMMAND=command)
    assert result.code == 0, result.stdout
    _, files, log = published(platform.storage_url, result.deployment_id)
    assert files == {"index.html": b"<h1>home</h1>\n"}
    assert "mknod refused" in log or "skipped null: not a regular file" in log
    platform.assert_contained(result)


@pytest.fixture
def linkable_secret() -> Iterator[tuple[Path, str]]:
    """A platform file the build's user may link to, on the workspace's filesystem (/tmp).

    Stands in for a runner that cannot switch users: its builds run as the platform's own
    uid, which owns the platform's files. Unsandboxed, so that the file is visible at all
    (in the sandbox it is not mounted, and link(2) never crosses the workspace's own mount).
    """
    directory = Path(tempfile.mkdtemp(prefix="slipway-platform-"))
    directory.chmod(0o755)
    secret = f"platform-secret-{secrets.token_hex(12)}"
    token = directory / "api-token"
    token.write_text(secret)
    token.chmod(0o666)  # protected_hardlinks lets a user link only what it may read and write
    yield token, secret
    shutil.rmtree(directory)


def test_a_hard_link_to_a_platform_file_is_not_published(
    repo: GitRepo, platform: Platform, linkable_secret: tuple[Path, str]
) -> None:
    token, secret = linkable_secret
    command = f"{PLAIN_DIST} && ln {token} dist/token.txt"
    result = build(
        repo,
        repo.commit({"README": "x"}),
        platform,
        SLIPWAY_BUILD_COMMAND=command,
        SLIPWAY_SANDBOX="none",
    )
    assert result.code == 0, result.stdout
    _, files, log = published(platform.storage_url, result.deployment_id)
    assert files == {"index.html": b"<h1>home</h1>\n"}
    assert "skipped token.txt: a hard link to a file outside the output" in log
    platform.secrets.append(secret)
    platform.assert_contained(result)


def test_an_output_directory_that_is_a_link_out_fails_or_is_passed_over(
    repo: GitRepo, platform: Platform
) -> None:
    plant = f"ln -s {platform.data} dist"
    commit = repo.commit({"index.html": "<h1>root</h1>"})
    configured = build(
        repo, commit, platform, SLIPWAY_BUILD_COMMAND=plant, SLIPWAY_OUTPUT_DIR="dist"
    )
    assert configured.code == EXIT_OUTPUT, configured.stdout
    assert "output directory 'dist' leaves the repository" in configured.stdout
    assert not has_manifest(platform.storage_url, configured.deployment_id)

    detected = build(repo, commit, platform, SLIPWAY_BUILD_COMMAND=plant)
    assert detected.code == 0, detected.stdout
    _, files, log = published(platform.storage_url, detected.deployment_id)
    assert files == {"index.html": b"<h1>root</h1>"}  # the root, since dist/ is a link
    assert "skipped dist: a symlink that leaves the output" in log
    platform.assert_contained(configured, detected)


def test_a_checkout_swapped_for_a_link_fails_the_build(repo: GitRepo, platform: Platform) -> None:
    # The build moves its whole checkout away and leaves a link to the data directory.
    plant = f"cd .. && mv src src.moved && ln -s {platform.data} src"
    commit = repo.commit({"index.html": "<h1>root</h1>"})
    result = build(repo, commit, platform, SLIPWAY_BUILD_COMMAND=plant)
    assert result.code == EXIT_OUTPUT, result.stdout
    assert "the checkout cannot be read" in result.stdout
    assert "src is not a directory (a link or a file was put there)" in result.stdout
    assert not has_manifest(platform.storage_url, result.deployment_id)
    platform.assert_contained(result)


@pytest.mark.parametrize(
    ("name", "files", "code"),
    [
        pytest.param(".nvmrc", {"package.json": corpus.package_json()}, EXIT_INSTALL, id="nvmrc"),
        pytest.param(
            ".node-version",
            {"package.json": corpus.package_json()},
            EXIT_INSTALL,
            id="node-version",
        ),
        pytest.param("package.json", {}, EXIT_INSTALL, id="package-json"),
        pytest.param("netlify.toml", {}, EXIT_OUTPUT, id="netlify-toml"),
        pytest.param("vercel.json", {}, EXIT_OUTPUT, id="vercel-json"),
    ],
)
def test_a_committed_link_out_of_the_repository_fails_the_build_unread(
    repo: GitRepo, platform: Platform, name: str, files: dict[str, str], code: int
) -> None:
    repo.write({"index.html": "<h1>root</h1>", **files})
    os.symlink(platform.token, repo.path / name)
    result = build(repo, repo.commit({}), platform)
    assert result.code == code, result.stdout
    assert f"{name}: a symlink that leaves the repository" in result.stdout
    platform.assert_contained(result)


def test_a_config_file_planted_by_the_ignore_command_fails_the_build_unread(
    repo: GitRepo, platform: Platform
) -> None:
    # The ignore command is the project's code too, and runs before the plan is made.
    plant = f"ln -s {platform.token} netlify.toml; exit 1"
    commit = repo.commit({"index.html": "<h1>root</h1>"})
    result = build(repo, commit, platform, SLIPWAY_IGNORE_COMMAND=plant)
    assert result.code == EXIT_OUTPUT, result.stdout
    assert "netlify.toml: a symlink that leaves the repository" in result.stdout
    platform.assert_contained(result)


def test_links_that_stay_inside_the_repository_are_read(repo: GitRepo, platform: Platform) -> None:
    repo.write({"config/nvmrc": "99\n", "package.json": corpus.package_json()})
    os.symlink("config/nvmrc", repo.path / ".nvmrc")
    result = build(repo, repo.commit({}), platform)
    assert result.code == EXIT_INSTALL, result.stdout
    assert "the project asks for Node '99' (.nvmrc)" in result.stdout


CACHE_DIR = 'C="$(dirname "$npm_config_cache")"'
# Publishes whether an earlier build's planted file was in the restored package cache.
REPORT = (
    'if [ -e "$npm_config_cache/planted" ]; then v=seen; else v=clean; fi; '
    'mkdir -p dist && echo "$v" > dist/index.html'
)


def cached_build(repo: GitRepo, platform: Platform, script: str, **extra: str) -> RunResult:
    """An npm project (so its package cache is restored and saved) whose build runs `script`."""
    build_script = f"{script} && {REPORT}"
    return build(repo, corpus.npm_site(repo, build=build_script), platform, **extra)


def reported(platform: Platform, result: RunResult) -> bytes:
    assert result.code == 0, result.stdout
    return published(platform.storage_url, result.deployment_id)[1]["index.html"]


def test_a_cache_directory_swapped_for_a_link_is_not_saved(
    repo: GitRepo, platform: Platform
) -> None:
    script = f'{CACHE_DIR} && rm -rf "$C" && ln -s {platform.data} "$C"'
    result = cached_build(repo, platform, script)
    assert result.code == 0, result.stdout
    assert "cache not saved: the cache directory" in result.stdout
    assert "cache is not a directory (a link or a file was put there)" in result.stdout
    assert not list((platform.storage / "cache").rglob("*.tar.gz"))
    platform.assert_contained(result)


def test_links_out_of_the_cache_are_left_out_of_it(repo: GitRepo, platform: Platform) -> None:
    script = (
        'mkdir -p "$npm_config_cache" && echo kept > "$npm_config_cache/real" && '
        f'ln -s {platform.token} "$npm_config_cache/token" && '
        f'ln -s {platform.data} "$npm_config_cache/data" && '
        'ln -s real "$npm_config_cache/alias"'
    )
    result = cached_build(repo, platform, script)
    assert result.code == 0, result.stdout
    assert "not cached: npm/token, a symlink that leaves the cache" in result.stdout
    assert "not cached: npm/data, a symlink that leaves the cache" in result.stdout
    [archive] = (platform.storage / "cache").rglob("*.tar.gz")
    with tarfile.open(archive) as packed:
        members = {m.name: m for m in packed.getmembers()}
    assert {"npm/real", "npm/alias"} <= set(members)
    assert not {"npm/token", "npm/data"} & set(members)
    assert members["npm/alias"].issym()
    assert members["npm/alias"].linkname == "real"
    platform.assert_contained(result)


def test_a_preview_build_never_plants_what_a_production_build_restores(
    repo: GitRepo, platform: Platform
) -> None:
    plant = 'mkdir -p "$npm_config_cache" && echo planted > "$npm_config_cache/planted"'
    preview = cached_build(repo, platform, plant, SLIPWAY_DEPLOY_CONTEXT="deploy-preview")
    assert reported(platform, preview) == b"seen\n"  # its own plant, before the cache is saved
    assert "saved the build cache of preview builds" in preview.stdout

    production = cached_build(repo, platform, "true", SLIPWAY_DEPLOY_CONTEXT="production")
    assert reported(platform, production) == b"clean\n"
    assert "no build cache yet for this project's production builds" in production.stdout

    branch = cached_build(repo, platform, "true", SLIPWAY_DEPLOY_CONTEXT="branch-deploy")
    assert reported(platform, branch) == b"seen\n"  # previews share theirs: the cache works
    assert "restored the build cache of preview builds" in branch.stdout

    again = cached_build(repo, platform, "true", SLIPWAY_DEPLOY_CONTEXT="production")
    assert reported(platform, again) == b"clean\n"
    assert "restored the build cache of production builds" in again.stdout
    stored = (platform.storage / "cache").rglob("*.tar.gz")
    assert sorted(p.relative_to(platform.storage).as_posix() for p in stored) == [
        "cache/site/preview/packages.tar.gz",
        "cache/site/production/packages.tar.gz",
    ]


def test_a_build_without_a_context_is_cached_as_a_preview(
    repo: GitRepo, platform: Platform
) -> None:
    result = cached_build(repo, platform, "true")
    assert reported(platform, result) == b"clean\n"
    assert "no build cache yet for this project's preview builds" in result.stdout


def test_a_cache_directory_made_before_the_restore_is_not_written_through(
    repo: GitRepo, platform: Platform
) -> None:
    # A first build leaves a cache; the next one's ignore command plants a link where the
    # runner would restore it, so that the restore would write into the data directory.
    first = cached_build(
        repo, platform, 'mkdir -p "$npm_config_cache" && echo x > "$npm_config_cache/f"'
    )
    assert first.code == 0, first.stdout
    plant = f"ln -s {platform.data} ../cache; exit 1"
    second = cached_build(repo, platform, "true", SLIPWAY_IGNORE_COMMAND=plant)
    assert "cache not restored: the cache directory exists already" in second.stdout
    assert sorted(p.name for p in platform.data.iterdir()) == ["api-token", "rules"]
    platform.assert_contained(first, second)


# Unit level: the walk and the publish against a directory that changes under them.


def make_output(tmp_path: Path) -> Path:
    output = tmp_path / "out"
    (output / "a").mkdir(parents=True)
    (output / "index.html").write_text("home")
    (output / "a/page.html").write_text("page")
    return output


def decoy(tmp_path: Path, secret: str) -> Path:
    """A host directory shaped like the output's `a/`, holding the secret."""
    target = tmp_path / "host"
    target.mkdir()
    (target / "page.html").write_text(secret)
    return target


def publish_now(storage_url: str, files: list[SiteFile]) -> None:
    async def publish() -> None:
        await publish_site(
            Storage(storage_url),
            deployment_id=new_deployment_id(),
            project="site",
            files=files,
            config=ServingConfig(),
            concurrency=2,
        )

    anyio.run(publish)


def test_a_directory_swapped_for_a_link_after_the_walk_is_not_published(
    tmp_path: Path, local_storage_url: str
) -> None:
    output = make_output(tmp_path)
    host = decoy(tmp_path, "secret-after-walk")
    files = collect_files(output, Limits(), BuildLog(io.StringIO()), is_root=False)
    (output / "a").rename(output / "a.old")
    os.symlink(host, output / "a")
    with pytest.raises(BuildFailure) as failure:
        publish_now(local_storage_url, files)
    assert failure.value.exit_code == EXIT_OUTPUT
    assert "a/page.html: a is not a directory" in failure.value.message
    for path in Path(local_storage_url.removeprefix("file://")).rglob("*"):
        assert not path.is_file() or b"secret-after-walk" not in path.read_bytes()


def test_a_file_replaced_after_the_walk_is_not_published(
    tmp_path: Path, local_storage_url: str
) -> None:
    output = make_output(tmp_path)
    files = collect_files(output, Limits(), BuildLog(io.StringIO()), is_root=False)
    (output / "a/page.html").rename(output / "a/kept.html")  # kept: its inode is not reused
    (output / "a/page.html").write_text("swap")  # another file by that name, of that size
    with pytest.raises(BuildFailure, match=r"a/page\.html changed after it was checked"):
        publish_now(local_storage_url, files)


def test_a_directory_swapped_for_a_link_mid_walk_is_skipped(tmp_path: Path) -> None:
    output = make_output(tmp_path)
    host = decoy(tmp_path, "secret-mid-walk")
    log = io.StringIO()
    with Root(output, "output") as root:
        walk = _walk(root, BuildLog(log), frozenset(), {})
        first = next(walk)  # a/ was listed, and will be opened next
        (output / "a").rename(output / "a.old")
        os.symlink(host, output / "a")
        rest = list(walk)
    assert first.file.rel == "index.html"
    assert rest == []
    assert "skipped a/: a is not a directory (a link or a file was put there)" in log.getvalue()


def test_a_walk_racing_a_directory_swap_never_leaves_the_output(tmp_path: Path) -> None:
    output = make_output(tmp_path)
    host = decoy(tmp_path, "secret-during-walk")
    host_file = os.stat(host / "page.html")
    stop = threading.Event()

    def swap() -> None:  # flips a/ between the real directory and a link to the host
        while not stop.is_set():
            (output / "a").rename(output / "a.real")
            os.symlink(host, output / "a")
            time.sleep(0.0002)
            os.unlink(output / "a")
            (output / "a.real").rename(output / "a")
            time.sleep(0.0002)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so that the swap lands mid-walk
    swapper = threading.Thread(target=swap)
    swapper.start()
    seen: set[tuple[int, int] | None] = set()
    met = 0
    try:
        for _ in range(500):
            log = io.StringIO()
            files = collect_files(output, Limits(), BuildLog(log), is_root=False)
            seen |= {f.identity for f in files}
            met += "skipped a" in log.getvalue()
    finally:
        stop.set()
        swapper.join()
        sys.setswitchinterval(interval)
    assert (host_file.st_dev, host_file.st_ino) not in seen
    assert met  # the race was met: a/ was a link when some walk reached it


def test_fifos_and_devices_in_the_output_are_skipped_unopened(tmp_path: Path) -> None:
    output = make_output(tmp_path)
    os.mkfifo(output / "pipe")  # opened for reading, it would wait for a writer forever
    os.mknod(output / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    log = io.StringIO()
    files = collect_files(output, Limits(), BuildLog(log), is_root=False)
    assert {f.rel for f in files} == {"index.html", "a/page.html"}
    assert "skipped pipe: not a regular file" in log.getvalue()
    assert "skipped null: not a regular file" in log.getvalue()


def test_hard_links_inside_the_output_are_published_and_links_out_are_not(
    tmp_path: Path,
) -> None:
    output = make_output(tmp_path)
    (tmp_path / "outside.txt").write_text("outside")
    os.link(output / "index.html", output / "a/same.html")
    os.link(tmp_path / "outside.txt", output / "leak.txt")
    log = io.StringIO()
    files = collect_files(output, Limits(), BuildLog(log), is_root=False)
    assert {f.rel for f in files} == {"index.html", "a/page.html", "a/same.html"}
    assert "skipped leak.txt: a hard link to a file outside the output" in log.getvalue()
