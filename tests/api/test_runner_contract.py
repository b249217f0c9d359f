"""The api hands the runner exactly the inputs of the contract, and nothing else."""

from __future__ import annotations

import pytest

from services.api.build_context import runner_inputs
from services.api.validation import check_command
from services.core.runner_inputs import InputError, RunnerInputs
from services.core.settings import Settings
from tests.api.test_build_context import deployment, project


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "api_token": "api-secret-0123456789",
        "github_webhook_secret": "hook-secret",
        "storage_url": "file:///tmp/storage",
        "_env_file": None,
    }
    return Settings(**{**values, **overrides})  # type: ignore[arg-type]


def test_the_runner_gets_the_project_and_deployment_and_no_platform_secret() -> None:
    settings = make_settings(
        github_token="ghp_token",
        build_timeout=600,
        sandbox="none",
        build_max_processes=256,
    )
    site = project(
        repo_url="https://github.com/acme/site",
        root_dir="web",
        build_command="npm run build",
        output_dir="dist",
        spa=True,
        env={"API_URL": "https://example.com"},
        production_env={},
        preview_env={},
    )
    inputs = runner_inputs(settings, site, deployment("feature"), "c" * 40)
    assert inputs == RunnerInputs(
        deployment_id="a" * 20,
        project="site",
        repo_url="https://github.com/acme/site",
        storage_url="file:///tmp/storage",
        commit_sha="c" * 40,
        ref="feature",
        deploy_context="branch-deploy",
        root_dir="web",
        build_command="npm run build",
        output_dir="dist",
        build_timeout=600,
        spa=True,
        build_env={"API_URL": "https://example.com"},
        sandbox="none",
        git_token="ghp_token",  # a github.com https repository
        limits=inputs.limits,
        deployment_url="http://site-aaaaaaaa.localhost:8080",
        branch_url="http://site-git-feature.localhost:8080",
        production_url="http://site.localhost:8080",
    )
    assert inputs.limits.max_processes == 256
    env = inputs.to_env()
    assert settings.api_token not in env.values()
    assert settings.github_webhook_secret not in env.values()


def test_the_token_goes_only_to_github_https_repositories() -> None:
    settings = make_settings(github_token="ghp_token")
    inputs = runner_inputs(settings, project(repo_url="file:///repo"), deployment("main"), "")
    assert inputs.git_token == ""


def test_a_project_setting_the_runner_cannot_take_is_refused_with_its_name() -> None:
    site = project(build_command="npm ci\nnpm run build")
    with pytest.raises(InputError, match="SLIPWAY_BUILD_COMMAND must be one line"):
        runner_inputs(make_settings(), site, deployment("main"), "c" * 40)


def test_the_api_refuses_such_a_command_by_the_same_rule() -> None:
    with pytest.raises(Exception, match="build_command must be one line"):
        check_command("npm ci\nnpm run build", "build_command")
