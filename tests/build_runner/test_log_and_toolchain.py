from __future__ import annotations

import io
from pathlib import Path

import pytest

from build_runner.buildenv import local_toolchain
from build_runner.log import MASK, BuildLog


def test_masks_every_secret_and_keeps_the_whole_log() -> None:
    stream = io.StringIO()
    log = BuildLog(stream, secrets=["hunter22", "ab"])
    log.add_secrets(["hunter22-long"])
    log.line("build", "password hunter22-long and hunter22; short ab stays")
    assert f"password {MASK} and {MASK}; short ab stays" in stream.getvalue()
    assert log.text() == stream.getvalue()


def test_steps_record_durations_even_when_they_fail() -> None:
    log = BuildLog(io.StringIO())
    with pytest.raises(RuntimeError), log.step("install"):
        raise RuntimeError
    assert "install" in log.durations
    assert "install failed in " in log.text()


def test_local_toolchain_fills_in_only_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "corepack/node_modules/.bin").mkdir(parents=True)
    (tmp_path / "corepack/node_modules/.bin/corepack").touch()
    (tmp_path / "corepack-home").mkdir()
    env = {"PATH": "/usr/bin"}
    local_toolchain(env, tmp_path)
    assert env == {
        "PATH": f"{tmp_path}/corepack/node_modules/.bin:/usr/bin",
        "COREPACK_HOME": str(tmp_path / "corepack-home"),
    }
    image_env = {"PATH": "/usr/bin", "COREPACK_HOME": "/opt/corepack"}
    local_toolchain(image_env, tmp_path)
    assert image_env == {"PATH": "/usr/bin", "COREPACK_HOME": "/opt/corepack"}
