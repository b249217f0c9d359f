from __future__ import annotations

import io
from pathlib import Path

import pytest

from build_runner.buildenv import local_toolchain
from build_runner.inputs import InputError, read_inputs
from build_runner.log import MASK, BuildLog

VALID = {
    "SLIPWAY_DEPLOYMENT_ID": "a" * 20,
    "SLIPWAY_PROJECT": "site",
    "SLIPWAY_REPO_URL": "file:///tmp/repo",
    "SLIPWAY_STORAGE_URL": "file:///tmp/storage",
}


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


def test_inputs_read_with_defaults() -> None:
    inputs = read_inputs({**VALID, "SLIPWAY_SPA": "true", "SLIPWAY_ROOT_DIR": "/apps/web/"})
    assert inputs.spa
    assert inputs.root_dir == "apps/web"
    assert inputs.sandbox == "auto"
    assert inputs.build_timeout == 900
    assert inputs.deploy_context is None


@pytest.mark.parametrize("context", ["production", "deploy-preview", "branch-deploy"])
def test_the_deploy_context_is_read(context: str) -> None:
    assert (
        read_inputs({**VALID, "SLIPWAY_DEPLOY_CONTEXT": f" {context} "}).deploy_context == context
    )


def test_an_empty_deploy_context_is_unknown() -> None:
    assert read_inputs({**VALID, "SLIPWAY_DEPLOY_CONTEXT": ""}).deploy_context is None


def test_build_variables_come_from_the_named_list() -> None:
    env = {**VALID, "SLIPWAY_BUILD_ENV_NAMES": "API_URL, TOKEN", "API_URL": "u", "TOKEN": "tok3n"}
    env["OTHER"] = "not passed"
    inputs = read_inputs(env)
    assert inputs.build_env == {"API_URL": "u", "TOKEN": "tok3n"}
    assert "tok3n" in inputs.secrets


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"SLIPWAY_DEPLOYMENT_ID": ""}, "SLIPWAY_DEPLOYMENT_ID is required", id="id"),
        pytest.param({"SLIPWAY_DEPLOYMENT_ID": "../x"}, "not a deployment id", id="bad-id"),
        pytest.param({"SLIPWAY_PROJECT": "Bad_Name"}, "not a project name", id="project"),
        pytest.param({"SLIPWAY_SANDBOX": "docker"}, "SLIPWAY_SANDBOX", id="sandbox"),
        pytest.param({"SLIPWAY_BUILD_TIMEOUT": "soon"}, "must be an integer", id="timeout"),
        pytest.param(
            {"SLIPWAY_DEPLOY_CONTEXT": "preview"},
            "SLIPWAY_DEPLOY_CONTEXT must be production, deploy-preview or branch-deploy, "
            "got 'preview'",
            id="context",
        ),
        pytest.param(
            {"SLIPWAY_BUILD_ENV_NAMES": "SLIPWAY_STORAGE_URL"}, "invalid build variable", id="var"
        ),
    ],
)
def test_invalid_inputs(change: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_inputs({**VALID, **change})


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
