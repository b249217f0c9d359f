"""What a build command's environment holds besides the project's variables."""

from __future__ import annotations

from pathlib import Path

from build_runner.buildenv import build_environment


def environment(
    tmp_path: Path, deploy_context: str | None = None, project_env: dict[str, str] | None = None
) -> dict[str, str]:
    return build_environment(
        {"PATH": "/usr/bin:/bin", "SLIPWAY_STORAGE_URL": "s3://secret"},
        home=tmp_path / "home",
        cache_dir=tmp_path / "cache",
        project_env=project_env or {},
        commit_sha="c" * 40,
        ref="main",
        deploy_context=deploy_context,
    )


def test_the_deploy_context_reaches_build_commands(tmp_path: Path) -> None:
    env = environment(tmp_path, deploy_context="deploy-preview")
    assert env["SLIPWAY_DEPLOY_CONTEXT"] == env["CONTEXT"] == "deploy-preview"
    assert env["SLIPWAY_GIT_COMMIT_SHA"] == "c" * 40
    assert "SLIPWAY_STORAGE_URL" not in env  # no runner input reaches the build


def test_an_unknown_context_is_left_out(tmp_path: Path) -> None:
    env = environment(tmp_path)
    assert "SLIPWAY_DEPLOY_CONTEXT" not in env
    assert "CONTEXT" not in env


def test_the_projects_variables_win(tmp_path: Path) -> None:
    env = environment(tmp_path, deploy_context="production", project_env={"CONTEXT": "mine"})
    assert env["CONTEXT"] == "mine"
    assert env["SLIPWAY_DEPLOY_CONTEXT"] == "production"
