"""Hostile repositories, each built for real through the api's local builder.

Every attack is a project whose build command tries to escape: read the platform's data,
become root, reach the api or a metadata service, plant files for later builds, exhaust
processes, disk or the log, or smuggle host files out through its output. Each must end
contained: the attack fails or breaks only its own deployment; no secret of the platform or
of another project appears in any stored object, served file, log or cache; nothing lands
on the host outside the build's workspace; no build process outlives its build; and a site
deployed before keeps serving byte-identical content.
"""

from __future__ import annotations

import gzip
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli
import pytest

from build_runner.identity import BUILD_UID_BASE
from build_runner.log import MAX_KEPT_BYTES
from build_runner.network import host_addresses
from tests.support.gitrepo import GitRepo
from tests.support.platform import Platform

pytestmark = pytest.mark.slow

API_TOKEN = "api-" + secrets.token_hex(20)
WEBHOOK_SECRET = "hook-" + secrets.token_hex(20)
GITHUB_TOKEN = "ghp_" + secrets.token_hex(18)
AWS_SECRET = "aws-" + secrets.token_hex(20)
CANARY = "canary-" + secrets.token_hex(20)
VICTIM_SECRET = "victim-" + secrets.token_hex(20)
PEM_LINES = [secrets.token_urlsafe(48) for _ in range(4)]
PEM = "\n".join(["-----BEGIN PRIVATE KEY-----", *PEM_LINES, "-----END PRIVATE KEY-----"])
MARKER = f"slipway-escape-{uuid.uuid4().hex}"
HOST_MARKERS = [
    Path("/tmp") / MARKER,
    Path("/opt") / MARKER,
    Path("/usr/local/bin") / MARKER,
    Path("/etc") / MARKER,
]
SECRETS = [API_TOKEN, WEBHOOK_SECRET, GITHUB_TOKEN, AWS_SECRET, CANARY, VICTIM_SECRET, *PEM_LINES]

# Node one-liner: try each URL, print `url=reached` or `url=blocked`.
PROBE_JS = """
const urls = process.argv.slice(2);
(async () => {
  for (const url of urls) {
    try {
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(), 3000);
      await fetch(url, { signal: ctl.signal });
      console.log(`${url}=reached`);
    } catch (e) {
      console.log(`${url}=blocked`);
    }
  }
})();
"""


@dataclass
class Attack:
    name: str
    command: str
    files: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # committed symlinks: path -> target
    env: dict[str, str] = field(default_factory=dict)
    output_dir: str = "out"
    install_command: str = ""
    expect: str = "any"  # "ready", "failed" or "any"
    check: Callable[[Result], None] | None = None


@dataclass
class Result:
    deployment: dict[str, Any]
    log: str
    report: str  # out/report.txt as served, or "" when the build published nothing


def no_root(result: Result) -> None:
    assert "uid=0(" not in result.report, result.report


def unreachable(result: Result) -> None:
    lines = [line for line in result.report.splitlines() if "=" in line]
    assert lines, result.log[-3000:]
    assert all(line.endswith("=blocked") for line in lines), result.report


def sees_no_other_process(result: Result) -> None:
    pids = [line for line in result.report.splitlines() if line.isdigit()]
    assert 0 < len(pids) < 10, result.report  # only the sandbox's own few processes


def log_is_capped(result: Result) -> None:
    assert len(result.log.encode()) < MAX_KEPT_BYTES + 64 * 1024
    assert "reached its limit" in result.log


def stopped_for_disk(result: Result) -> None:
    assert result.deployment["reason"] == "build"
    assert "SLIPWAY_BUILD_MAX_DISK_BYTES" in result.log


def published_nothing_from_outside(result: Result) -> None:
    assert "root:x:0:0" not in result.report


def attacks(data: Path, api_port: int, proxy_port: int, tools: Path) -> list[Attack]:
    host_ip = (host_addresses() or ["192.0.2.1"])[0]
    targets = " ".join(
        [
            f"http://127.0.0.1:{api_port}/healthz",
            f"http://127.0.0.1:{proxy_port}/healthz",
            f"http://10.0.2.2:{api_port}/healthz",
            f"http://{host_ip}:{api_port}/healthz",
            "http://169.254.169.254/latest/meta-data/",
            "http://169.254.170.2/v2/credentials",
        ]
    )
    report = "out/report.txt"
    return [
        Attack(
            "read-data-dir",
            f'cat "{data}/api-token" "{data}/host-canary.txt" > {report} 2>&1; ls -la "{data}" >> {report} 2>&1; true',
        ),
        Attack(
            "copy-database",
            f'cp "{data}/slipway.db" out/ 2>> {report}; find / -xdev \\( -name "*.db" -o -name api-token \\) -print 2>/dev/null >> {report}; true',
        ),
        Attack(
            "read-environ-of-others",
            f"for f in /proc/[0-9]*/environ; do cat $f; echo; done > {report} 2>&1; true",
        ),
        Attack(
            "list-processes",
            f"ls -d /proc/[0-9]* | sed 's,/proc/,,' > {report}",
            check=sees_no_other_process,
        ),
        Attack(
            "become-root",
            f"id > {report}; unshare -r id >> {report} 2>&1; unshare -Urm id >> {report} 2>&1; su -c id root < /dev/null >> {report} 2>&1; true",
            check=no_root,
        ),
        Attack(
            "setuid-copy",
            f"cp /bin/sh ./rootsh && chmod u+s ./rootsh; ./rootsh -p -c id > {report} 2>&1; true",
            check=no_root,
        ),
        Attack(
            "remount-system-writable",
            f"mount -o remount,rw /usr >> {report} 2>&1; mount -t tmpfs none /usr/local/bin >> {report} 2>&1; touch /usr/local/bin/{MARKER} >> {report} 2>&1; true",
        ),
        Attack(
            "write-outside-workspace",
            f"for d in /tmp /opt /etc /home /usr/local/bin; do touch $d/{MARKER} 2>> {report}; done; true",
        ),
        Attack(
            "plant-in-toolchain",
            f'touch "{tools}/corepack/node_modules/.bin/{MARKER}" "{tools}/corepack-home/{MARKER}" 2>> {report}; true',
        ),
        Attack(
            "reach-platform-and-metadata",
            f"node probe.js {targets} > {report}",
            files={"probe.js": PROBE_JS},
            expect="ready",
            check=unreachable,
        ),
        Attack("kill-everything", "kill -9 -1; echo survived > out/index.html"),
        Attack("signal-sandbox-init", "kill -TERM 1; kill -KILL 1; echo survived > out/index.html"),
        Attack(
            "fork-bomb",
            f"i=0; while [ $i -lt 1500 ]; do sleep 30 & i=$((i+1)); done 2>/dev/null; echo forked > {report}",
        ),
        Attack(
            "daemon-left-behind",
            "setsid sh -c 'sleep 600' < /dev/null > /dev/null 2>&1 & nohup sleep 600 > /dev/null 2>&1 & echo ok > out/index.html",
            expect="ready",
        ),
        Attack(
            "fill-the-disk",
            "dd if=/dev/zero of=big bs=1M count=96 2>/dev/null; echo ok > out/index.html",
            expect="failed",
            check=stopped_for_disk,
        ),
        Attack(
            "endless-log",
            "head -c 24000000 /dev/zero | tr '\\0' a | fold -w 2000; echo ok > out/index.html",
            expect="ready",
            check=log_is_capped,
        ),
        Attack(
            "print-a-multi-line-secret",
            'printf "%s\\n" "$PEM_KEY"; echo "$PEM_KEY" > /dev/null; echo ok > out/index.html',
            env={"PEM_KEY": PEM},
            expect="ready",
        ),
        Attack(
            "dump-environment",
            f"env > {report}; cat /proc/self/environ >> {report}",
            expect="ready",
        ),
        Attack("output-is-the-data-dir", f'rm -rf out; ln -s "{data}" out'),
        Attack(
            "symlinks-out-of-output",
            f'ln -s "{data}/api-token" out/token.txt; ln -s /etc/passwd out/passwd.txt; ln -s / out/root; ln -s ../.. out/up; echo ok > out/index.html; cat out/passwd.txt > /dev/null; echo > {report}',
            expect="ready",
            check=published_nothing_from_outside,
        ),
        Attack(
            "hard-link-to-host-files",
            f'ln "{data}/api-token" out/a.txt 2>> {report}; ln /etc/passwd out/passwd.txt 2>> {report}; echo ok > out/index.html; true',
        ),
        Attack(
            "fifo-and-device-in-output",
            "mkfifo out/pipe.html; mknod out/null.html c 1 3 2>/dev/null; echo ok > out/index.html",
            expect="ready",
        ),
        Attack(
            "huge-names",
            "d=out; for i in $(seq 1 60); do d=$d/dddddddddddddddddddddddddddddddddddddd; done; mkdir -p $d; touch out/$(printf 'n%.0s' $(seq 1 255)); echo ok > out/index.html; true",
        ),
        Attack(
            "rules-files-point-out",
            f'ln -s "{data}/host-canary.txt" out/_redirects; ln -s "{data}/api-token" out/_headers; echo ok > out/index.html',
        ),
        Attack(
            "nvmrc-points-out",
            "echo ok > out/index.html",
            files={"package.json": '{"name": "evil", "version": "1.0.0"}'},
            links={".nvmrc": f"{data}/host-canary.txt"},
            install_command="true",
        ),
        Attack(
            "config-files-point-out",
            "echo ok > out/index.html",
            links={"netlify.toml": f"{data}/host-canary.txt"},
        ),
        Attack(
            "cache-dir-points-out",
            'rm -rf "$npm_config_cache"; ln -s "'
            + str(data)
            + '" "$npm_config_cache"; echo ok > out/index.html',
            files={"package.json": '{"name": "evil", "version": "1.0.0"}'},
            install_command="true",
        ),
        Attack(
            "read-other-workspaces",
            f'ls -la /tmp /home "{data}/builds" > {report} 2>&1; find / -xdev -name build.log 2>/dev/null >> {report}; true',
        ),
    ]


def scan_for_secrets(root: Path, skip: set[Path]) -> list[str]:
    """Every file under `root` (decompressed where stored compressed) that holds a secret."""
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink() or path in skip:
            continue
        data = path.read_bytes()
        try:
            if path.suffix == ".gz":
                data = gzip.decompress(data)
            elif path.suffix == ".br":
                data = brotli.decompress(data)
        except (OSError, brotli.error):
            pass
        found += [f"{path}: {s[:12]}…" for s in SECRETS if s.encode() in data]
    return found


def build_processes() -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                uid = entry.stat().st_uid
            except FileNotFoundError:
                continue
            if uid >= BUILD_UID_BASE:
                found.append(f"{entry.name} uid={uid}")
    return found


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    root = tmp_path_factory.mktemp("hostile")
    p = Platform(
        root,
        SLIPWAY_API_TOKEN=API_TOKEN,
        SLIPWAY_GITHUB_WEBHOOK_SECRET=WEBHOOK_SECRET,
        SLIPWAY_GITHUB_TOKEN=GITHUB_TOKEN,
        AWS_SECRET_ACCESS_KEY=AWS_SECRET,
        SLIPWAY_SANDBOX="bubblewrap",
        SLIPWAY_BUILD_TIMEOUT="90",
        SLIPWAY_MAX_CONCURRENT_BUILDS="3",
        SLIPWAY_BUILD_MAX_PROCESSES="256",
        SLIPWAY_BUILD_MAX_DISK_BYTES=str(64 * 1024 * 1024),
    )
    p.api.headers["Authorization"] = f"Bearer {API_TOKEN}"
    p.start("api")
    p.start("proxy")
    for name, value in (("host-canary.txt", CANARY), ("api-token", API_TOKEN)):
        (root / "data" / name).write_text(value)
        (root / "data" / name).chmod(0o600)  # as `make dev` writes its secrets
    try:
        yield p
    finally:
        p.stop()


def deploy(p: Platform, name: str, repo: GitRepo, **fields: Any) -> str:
    p.create_project(name, repo.url, **fields)
    response = p.api.post(f"/api/projects/{name}/deployments", json={})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def test_hostile_builds_stay_contained(platform: Platform, tmp_path: Path) -> None:
    p = platform
    data = p.root / "data"
    tools = Path(__file__).resolve().parents[2] / ".tools"

    victim_repo = GitRepo(tmp_path / "victim")
    victim_repo.commit({"index.html": "<h1>victim</h1>", "app.js": "console.log('v')"})
    victim_id = deploy(p, "victim", victim_repo, env={"VICTIM_SECRET": VICTIM_SECRET})
    assert p.wait_final(victim_id)["status"] == "ready"
    before = {path: p.site("victim.localhost", path).content for path in ("/", "/app.js")}
    assert b"victim" in before["/"]

    already_running = set(build_processes())  # other test runs' builds are not this one's
    corpus = attacks(data, p.api_port, p.proxy_port, tools)
    assert len(corpus) >= 25
    started: dict[str, str] = {}
    for attack in corpus:
        repo = GitRepo(tmp_path / attack.name)
        for path, target in attack.links.items():
            (repo.path / path).symlink_to(target)
        repo.commit({**attack.files, "README.md": attack.name})
        started[attack.name] = deploy(
            p,
            attack.name,
            repo,
            build_command=f"mkdir -p out; {attack.command}",
            output_dir=attack.output_dir,
            install_command=attack.install_command,
            env=attack.env,
        )

    problems = []
    for attack in corpus:
        deployment = p.wait_final(started[attack.name], limit=240)
        log = p.api.get(f"/api/deployments/{deployment['id']}/logs").text
        report = ""
        if deployment["status"] == "ready":
            host = deployment["url"].split("//", 1)[1].split(":")[0].split("/")[0]
            answer = p.site(host, "/report.txt")
            report = answer.text if answer.status_code == 200 else ""
        if attack.expect != "any" and deployment["status"] != attack.expect:
            problems.append(f"{attack.name}: {deployment['status']} ({deployment.get('error')})")
            continue
        if deployment["status"] == "failed" and deployment["reason"] == "internal":
            problems.append(f"{attack.name}: failed as internal: {log[-1500:]}")
        if attack.check is not None:
            try:
                attack.check(Result(deployment, log, report))
            except AssertionError as exc:
                problems.append(f"{attack.name}: {exc}")
    assert problems == []

    # Nothing of the platform or of another project, anywhere a build could have put it.
    private = {data / name for name in ("api-token", "host-canary.txt", "webhook-secret")}
    private |= set(data.glob("slipway.db*"))  # the database holds the projects' variables
    assert scan_for_secrets(data, private) == []
    for path in HOST_MARKERS:
        assert not path.exists(), path
    assert not any(tools.rglob(f"*{MARKER}*"))
    deadline = time.monotonic() + 10
    while set(build_processes()) - already_running and time.monotonic() < deadline:
        time.sleep(0.2)
    assert set(build_processes()) - already_running == set()

    # The earlier site serves exactly what it did, and the platform still answers.
    after = {path: p.site("victim.localhost", path).content for path in ("/", "/app.js")}
    assert after == before
    assert p.api.get("/healthz").status_code == 200
    assert p.proxy.get("/healthz").status_code == 200


def test_platform_files_are_private(platform: Platform) -> None:
    data = platform.root / "data"
    assert (data.stat().st_mode & 0o777) == 0o700
    for path in data.rglob("*"):
        if path.is_symlink():
            continue
        mode = path.stat().st_mode & 0o777
        if path.is_dir():
            assert mode & 0o044 == 0, f"{path} is listable by others ({oct(mode)})"
        else:
            assert mode & 0o077 == 0, f"{path} is readable by others ({oct(mode)})"
