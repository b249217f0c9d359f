"""The build's limits and who runs its commands: log size and masking, disk, the build user."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from build_runner import log as log_module
from build_runner.disk_watch import DiskLimits, over_limit, used_bytes
from build_runner.identity import BUILD_UID_BASE, BUILD_UID_SPAN, build_identity
from build_runner.log import BuildLog
from tests.build_runner.support import run_runner
from tests.support.gitrepo import GitRepo

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----"


def test_each_line_of_a_multi_line_secret_is_masked_on_its_own() -> None:
    stream = io.StringIO()
    log = BuildLog(stream, secrets=[PEM])
    for line in PEM.splitlines():
        log.output("build", f"printed: {line}")
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" not in stream.getvalue()
    assert "BKcwggSjAgEAAoIBAQC7" not in stream.getvalue()
    assert stream.getvalue().count("***") == 4


def test_command_output_stops_at_the_cap_and_the_runner_keeps_speaking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(log_module, "MAX_KEPT_BYTES", 2000)
    stream = io.StringIO()
    log = BuildLog(stream)
    for n in range(500):
        log.output("build", f"line {n}")
    log.line("result", "build failed: build (exit code 12)")
    written = stream.getvalue()
    assert len(written) < 2000 + 400  # the cap, one marker and the runner's own line
    assert written.count("reached its limit") == 1
    assert written.rstrip().endswith("build failed: build (exit code 12)")
    assert "lines left out" in log.text()
    assert "line 499" not in log.text()


def test_disk_use_counts_blocks_once_per_inode_and_follows_no_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_bytes(os.urandom(1024 * 1024))
    work = tmp_path / "work"
    work.mkdir()
    (work / "a").write_bytes(os.urandom(256 * 1024))
    os.link(work / "a", work / "a-again")
    (work / "to-outside").symlink_to(outside)
    with (work / "sparse").open("wb") as fh:
        fh.truncate(512 * 1024 * 1024)  # claims 512 MiB, holds none
    used = used_bytes(work)
    assert 256 * 1024 <= used < 256 * 1024 + 64 * 1024


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        pytest.param(DiskLimits(10 * 1024 * 1024, min_free_bytes=0), None, id="within"),
        pytest.param(DiskLimits(64 * 1024, min_free_bytes=0), "SLIPWAY_BUILD_MAX_DISK_BYTES", id="over-its-limit"),
        pytest.param(DiskLimits(10 * 1024 * 1024, min_free_bytes=1 << 62), "almost full", id="disk-almost-full"),
    ],
)  # fmt: skip
def test_why_a_command_must_stop(tmp_path: Path, limits: DiskLimits, expected: str | None) -> None:
    (tmp_path / "big").write_bytes(os.urandom(256 * 1024))
    reason = over_limit(tmp_path, limits)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None
        assert expected in reason


def test_each_deployment_gets_its_own_unprivileged_user_when_the_runner_may_switch() -> None:
    first = build_identity("aaaaaaaaaaaaaaaaaaaa", 64)
    if os.geteuid() != 0:  # no switching: the runner's own uid, no prefix
        assert (first.uid, first.switched, first.command_prefix()) == (os.getuid(), False, [])
        return
    again = build_identity("aaaaaaaaaaaaaaaaaaaa", 64)
    other = build_identity("bbbbbbbbbbbbbbbbbbbb", 64)
    assert first == again
    assert first.uid != other.uid
    assert first.switched
    assert BUILD_UID_BASE <= first.uid < BUILD_UID_BASE + BUILD_UID_SPAN
    prefix = first.command_prefix()
    for flag in ("--nproc=64", f"--reuid={first.uid}", "--clear-groups", "--no-new-privs"):
        assert flag in prefix
    assert "--bounding-set=-all" in prefix


def test_handing_over_the_workspace_never_follows_a_link(tmp_path: Path) -> None:
    identity = build_identity("cccccccccccccccccccc", 64)
    precious = tmp_path / "precious"
    precious.write_text("root's")
    work = tmp_path / "work"
    (work / "src").mkdir(parents=True)
    (work / "src" / "file").write_text("x")
    (work / "src" / "link").symlink_to(precious)
    (work / "src" / "dirlink").symlink_to(tmp_path)
    owner = precious.stat().st_uid
    identity.hand_over(work)
    assert (work / "src" / "file").stat().st_uid == identity.uid
    assert (work / "src" / "link").lstat().st_uid == identity.uid
    assert precious.stat().st_uid == owner
    assert tmp_path.stat().st_uid == owner


def test_processes_a_command_leaves_behind_are_stopped_before_the_next_step(
    tmp_path: Path, local_storage_url: str
) -> None:
    # Without bubblewrap no pid namespace ends them (the build image's case).
    repo = GitRepo(tmp_path / "repo")
    commit = repo.commit({"README.md": "daemon"})
    result = run_runner(
        repo_url=repo.url,
        commit=commit,
        storage_url=local_storage_url,
        extra={
            "SLIPWAY_SANDBOX": "none",
            "SLIPWAY_BUILD_COMMAND": "setsid sleep 300 < /dev/null > /dev/null 2>&1 & "
            "mkdir -p out && echo ok > out/index.html",
            "SLIPWAY_OUTPUT_DIR": "out",
        },
    )
    assert result.code == 0, result.stdout
    identity = build_identity(result.deployment_id, 64)
    if identity.switched:
        assert "stopped 1 process(es) the command left running" in result.stdout
    assert identity.stop_leftovers() == 0
