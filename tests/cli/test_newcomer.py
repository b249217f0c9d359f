"""A newcomer's first session, scripted: only the README's commands and the CLI.

A fresh directory, ports chosen through the environment alone, `slipway dev` running the
whole platform; then, through the `slipway` command only (it finds the local api and its
token by itself): create → deploy → break the build → read the cause → fix → roll back →
push again (production stays pinned) → promote. The site is read through the proxy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.cli.live import BUILD_COMMAND, site_repo
from tests.support.gitrepo import GitRepo
from tests.support.moto import free_port
from tests.support.processes import kill_all, wait_for, with_environment

pytestmark = pytest.mark.slow


@dataclass
class Newcomer:
    work: Path
    env: dict[str, str]
    proxy_port: int

    def slipway(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scripts.cli.main", *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def site(self) -> str | None:
        try:
            answer = httpx.get(
                f"http://127.0.0.1:{self.proxy_port}/",
                headers={"Host": "handbook.localhost"},
                timeout=5,
            )
        except httpx.TransportError:
            return None
        return answer.text.strip() if answer.status_code == 200 else None

    def sees(self, page: str) -> None:
        wait_for(lambda: self.site() == page or None, f"the site showing {page}")


@pytest.fixture
def newcomer(tmp_path: Path) -> Iterator[Newcomer]:
    work = tmp_path / "work"
    work.mkdir()
    proxy_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLIPWAY_")},
        "SLIPWAY_API_PORT": str(free_port()),
        "SLIPWAY_PROXY_PORT": str(proxy_port),
        "SLIPWAY_RUNTIME_REGISTRY": os.environ.get("SLIPWAY_RUNTIME_REGISTRY", ""),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # no saved login
        "SLIPWAY_DISPATCH_INTERVAL": "0.2",
        "SLIPWAY_ROUTE_TTL": "0.2",
    }
    out = tmp_path / "dev.out"
    with out.open("wb") as sink:
        dev = subprocess.Popen(
            [sys.executable, "-m", "scripts.cli.main", "dev"],
            cwd=work,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        deadline = time.monotonic() + 90
        while "Slipway is running." not in out.read_text():
            assert dev.poll() is None, out.read_text()
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.05)
        yield Newcomer(work, env, proxy_port)
    finally:
        kill_all([dev.pid, *with_environment(f"SLIPWAY_API_PORT={env['SLIPWAY_API_PORT']}")])
        dev.wait()


def newest(newcomer: Newcomer) -> dict[str, object]:
    listed = newcomer.slipway("deployments", "list", "handbook", "--json")
    assert listed.returncode == 0, listed.stderr
    found: list[dict[str, object]] = json.loads(listed.stdout)
    return found[0]


def change(repo: GitRepo, title: str, *, broken: bool = False) -> None:
    repo.commit({"title.txt": title, **({"fail.txt": "x"} if broken else {})}, message=title)
    if not broken and (repo.path / "fail.txt").exists():
        repo.git("rm", "-q", "fail.txt")
        repo.git("commit", "-q", "-m", f"{title}: fixed")


def test_a_newcomers_first_session(newcomer: Newcomer, tmp_path: Path) -> None:
    repo = site_repo(tmp_path / "handbook", title="first")
    created = newcomer.slipway(
        "projects", "create", "handbook", "--repo", repo.url, "--build-command", BUILD_COMMAND
    )
    assert created.returncode == 0, created.stderr

    first = newcomer.slipway("deploy", "handbook")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "http://handbook.localhost:" in first.stdout
    newcomer.sees("<h1>first</h1>")

    change(repo, "second", broken=True)
    broken = newcomer.slipway("deploy", "handbook")
    assert broken.returncode != 0
    shown = broken.stdout + broken.stderr
    # The cause, not the runner's generic last line: the command, its code, its error.
    assert "`sh build.sh` exited with code 1: error: the site does not build" in shown
    newcomer.sees("<h1>first</h1>")  # the earlier deployment keeps serving

    change(repo, "second")
    fixed = newcomer.slipway("deploy", "handbook")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    newcomer.sees("<h1>second</h1>")

    rolled = newcomer.slipway("rollback", "handbook")
    assert rolled.returncode == 0, rolled.stderr
    assert "Automatic promotion is paused: new builds of main stay out of production" in (
        rolled.stderr
    )
    newcomer.sees("<h1>first</h1>")

    change(repo, "third")
    pinned = newcomer.slipway("deploy", "handbook")
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    third = newest(newcomer)
    assert (
        "Not put in production: automatic promotion is paused since a rollback. Promote it "
        f"with `slipway promote {str(third['id'])[:8]}`"
    ) in pinned.stderr
    assert third["status"] == "ready"
    assert third["production"] is False
    time.sleep(1)  # past the proxy's route TTL: production is still the rolled-back one
    assert newcomer.site() == "<h1>first</h1>"

    promoted = newcomer.slipway("promote", str(third["id"])[:8])
    assert promoted.returncode == 0, promoted.stderr
    newcomer.sees("<h1>third</h1>")
