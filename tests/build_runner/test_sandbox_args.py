"""The order of bubblewrap mounts: later mounts cover earlier ones."""

from __future__ import annotations

from pathlib import Path

from build_runner.sandbox import bwrap_args


def test_a_toolchain_under_tmp_is_mounted_over_the_empty_tmp(tmp_path: Path) -> None:
    tools = tmp_path / "tools"
    tools.mkdir()
    args = bwrap_args(tmp_path / "work", tmp_path / "work", [tools])
    bind = args.index(str(tools.resolve()))
    assert args[bind - 1] == "--ro-bind"
    assert args.index("/tmp") < bind  # the `--tmpfs /tmp` comes first
    assert args.index("--bind") > bind  # and the writable workspace last
