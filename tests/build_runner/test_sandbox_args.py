"""The order of bubblewrap mounts: later mounts cover earlier ones."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from build_runner.identity import BuildIdentity
from build_runner.sandbox import bwrap_args


def test_a_toolchain_under_tmp_is_mounted_over_the_empty_tmp(tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    (tmp_path / "work").mkdir()
    fds: list[int] = []
    identity = BuildIdentity(os.getuid(), os.getgid(), False, 64)  # tmp_path may be private
    try:
        args = bwrap_args(tmp_path / "work", tmp_path / "work", [tools], fds, identity)
    finally:
        for fd in fds:
            os.close(fd)
    bind = args.index(str(tools.resolve()))
    assert args[bind - 2] == "--ro-bind-fd"
    assert args.index("/tmp") < bind  # the `--tmpfs /tmp` comes first
    assert args.index("--bind-fd") > bind  # and the writable workspace last
    assert len(fds) == 2


def test_a_build_user_gets_no_toolchain_it_could_not_reach(tmp_path: Path) -> None:
    private = tmp_path / "private"
    (private / "tools").mkdir(parents=True)
    private.chmod(0o700)
    fds: list[int] = []
    identity = BuildIdentity(1_900_000_123, 1_900_000_123, True, 64)
    try:
        args = bwrap_args(tmp_path, tmp_path, [private / "tools"], fds, identity)
    finally:
        for fd in fds:
            os.close(fd)
    assert str((private / "tools").resolve()) not in args


def test_commands_run_without_privileges_in_a_user_namespace(tmp_path: Path) -> None:
    fds: list[int] = []
    identity = BuildIdentity(1_900_000_123, 1_900_000_123, True, 64)
    try:
        args = bwrap_args(tmp_path, tmp_path, [], fds, identity)
    finally:
        for fd in fds:
            os.close(fd)
    pairs = list(itertools.pairwise(args))
    assert ("--uid", "1900000123") in pairs
    assert ("--gid", "1900000123") in pairs
    assert ("--cap-drop", "ALL") in pairs
    for flag in ("--unshare-user", "--disable-userns", "--new-session", "--die-with-parent"):
        assert flag in args
