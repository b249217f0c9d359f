"""Faults: a killed runner, refused storage, a database outage. Nothing earlier stops serving."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.gitrepo import GitRepo, node_site
from tests.support.platform import Platform
from tests.support.postgres import PostgresServer

pytestmark = pytest.mark.slow


def many_files_site(title: str, files: int) -> dict[str, str]:
    """A slow-to-publish build: `files` pages, then index.html."""
    script = (
        "node -e \"const fs=require('fs');fs.mkdirSync('dist/p',{recursive:true});"
        f"for(let i=0;i<{files};i++)fs.writeFileSync('dist/p/'+i+'.html','page '+i);"
        f"fs.writeFileSync('dist/index.html','{title}')\""
    )
    return {
        "package.json": json.dumps({"name": "s", "private": True, "scripts": {"build": script}})
    }


def runner_pids(deployment_id: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if (
            b"build_runner" in cmdline
            and f"SLIPWAY_DEPLOYMENT_ID={deployment_id}".encode() in environ
        ):
            found.append(int(entry.name))
    return found


class ProductionWatcher(threading.Thread):
    """Requests the production host in a bounded loop and records every unexpected answer."""

    def __init__(self, platform: Platform, host: str, expected: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{platform.proxy_port}", timeout=10)
        self.host, self.expected = host, expected
        self.stop_flag = threading.Event()
        self.requests = 0
        self.bad: list[str] = []

    def run(self) -> None:
        for _ in range(100_000):  # bounded; stopped by the test long before
            if self.stop_flag.is_set():
                break
            response = self.client.get("/", headers={"Host": self.host})
            self.requests += 1
            if response.status_code != 200 or response.text != self.expected:
                self.bad.append(f"{response.status_code} {response.text[:60]}")
        self.client.close()

    def finish(self) -> None:
        self.stop_flag.set()
        self.join(timeout=30)


def test_runner_killed_mid_publish(platform: Platform, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    platform.create_project("site", repo.url)
    first = platform.push("site", repo.commit(node_site("v1"))).json()["deployments"][0]
    assert platform.wait_final(first)["status"] == "ready"
    assert platform.site_eventually("site.localhost", "v1").status_code == 200

    watcher = ProductionWatcher(platform, "site.localhost", "<h1>v1</h1>")
    watcher.start()
    try:
        second = platform.push("site", repo.commit(many_files_site("v2", 1500))).json()[
            "deployments"
        ][0]
        files_dir = platform.root / "data" / "storage" / "deployments" / second / "files" / "p"
        for _ in range(600):  # until publishing has begun (60 s at most)
            if files_dir.exists() and any(files_dir.iterdir()):
                break
            time.sleep(0.1)
        pids = runner_pids(second)
        assert pids, "the runner was not found while publishing"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        final = platform.wait_final(second)
    finally:
        watcher.finish()
    assert final["status"] == "failed"
    assert watcher.requests > 0
    assert watcher.bad == []
    assert platform.site(f"site-{second[:8]}.localhost").status_code == 404
    assert platform.site("site.localhost").text == "<h1>v1</h1>"


def test_storage_refusing_writes_fails_the_publish(platform: Platform, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    platform.create_project("site", repo.url)
    first = platform.push("site", repo.commit(node_site("v1"))).json()["deployments"][0]
    assert platform.wait_final(first)["status"] == "ready"
    second = platform.push("site", repo.commit(node_site("v2", build="slow"))).json()[
        "deployments"
    ][0]
    platform.wait_status(second, "building")
    # A file where the deployment's directory must go: every write under it fails.
    blocker = platform.root / "data" / "storage" / "deployments" / second
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("not a directory")
    final = platform.wait_final(second)
    assert (final["status"], final["reason"]) == ("failed", "publish")
    assert platform.site(f"site-{second[:8]}.localhost").status_code == 404
    assert platform.site_eventually("site.localhost", "v1").text == "<h1>v1</h1>"


def test_database_outage_answers_503_and_recovers(tmp_path: Path) -> None:
    server = PostgresServer()
    server.start()
    platform = Platform(tmp_path, SLIPWAY_DATABASE_URL=server.url)
    try:
        platform.start("api")
        repo = GitRepo(tmp_path / "repo")
        platform.create_project("site", repo.url)
        commit = repo.commit(node_site("v1"))
        server.stop()
        refused = platform.push("site", commit, delivery="during-outage")
        assert refused.status_code == 503
        assert platform.api.get("/healthz").status_code == 503
        server.start()
        answer = None
        for _ in range(100):  # GitHub's redelivery, until the api has reconnected by itself
            answer = platform.push("site", commit, delivery="during-outage")
            if answer.status_code != 503:
                break
            time.sleep(0.2)
        assert answer is not None
        assert answer.status_code == 202, answer.text
        [deployment_id] = answer.json()["deployments"]
        assert len(platform.deployments("site")) == 1
        assert platform.wait_final(deployment_id)["status"] == "ready"
    finally:
        platform.stop()
        server.remove()


@pytest.fixture
def tiny_storage(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB filesystem for object storage (mounting needs root, as CI runs)."""
    store = tmp_path / "tiny-store"
    store.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(store)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        pytest.fail(f"this test mounts a small tmpfs and needs root: {mounted.stderr.strip()}")
    try:
        yield store
    finally:
        subprocess.run(["umount", "-l", str(store)], check=False)


def test_full_storage_fails_the_publish(tmp_path: Path, tiny_storage: Path) -> None:
    platform = Platform(tmp_path / "p", SLIPWAY_STORAGE_URL=tiny_storage.as_uri())
    platform.start("api")
    platform.start("proxy")
    try:
        repo = GitRepo(tmp_path / "repo")
        platform.create_project("site", repo.url)
        first = platform.push("site", repo.commit(node_site("v1"))).json()["deployments"][0]
        assert platform.wait_final(first)["status"] == "ready"
        script = (
            "node -e \"const fs=require('fs');fs.mkdirSync('dist',{recursive:true});"
            "fs.writeFileSync('dist/big.bin',require('crypto').randomBytes(2*1024*1024));"
            "fs.writeFileSync('dist/index.html','v2')\""
        )
        files = {
            "package.json": json.dumps({"name": "s", "private": True, "scripts": {"build": script}})
        }
        second = platform.push("site", repo.commit(files)).json()["deployments"][0]
        final = platform.wait_final(second)
        assert (final["status"], final["reason"]) == ("failed", "publish")
        assert platform.site(f"site-{second[:8]}.localhost").status_code == 404
        assert platform.site_eventually("site.localhost", "v1").text == "<h1>v1</h1>"
    finally:
        platform.stop()
