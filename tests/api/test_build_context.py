"""The deploy context of a build and the build variables it gets from the three groups."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.api.build_context import build_variables, deploy_context, runner_inputs
from services.api.db.models import Deployment, Project
from services.core.runner_inputs import DeployContext
from services.core.settings import Settings


def settings() -> Settings:
    return Settings(
        _env_file=None,
        api_token="api-secret-0123456789",
        github_webhook_secret="hook-secret",
        storage_url="file:///tmp/storage",
    )


def project(**overrides: object) -> Project:
    fields: dict[str, object] = {
        "name": "site",
        "repo_url": "file:///repo",
        "production_branch": "main",
        "auto_promote": False,  # the context does not depend on it
        "env": {"API_URL": "https://api.example.com", "SHARED": "all"},
        "production_env": {"SHARED": "prod", "ANALYTICS_ID": "UA-1"},
        "preview_env": {"SHARED": "preview", "NOINDEX": "1"},
        "spa": False,
        # As a stored project has them (the columns' defaults apply only on insert).
        **dict.fromkeys(
            ("root_dir", "install_command", "build_command", "output_dir", "ignore_command"), ""
        ),
    }
    fields.update(overrides)
    return Project(**fields)


def deployment(ref: str, pull_request: int | None = None) -> Deployment:
    return Deployment(id="a" * 20, ref=ref, pull_request=pull_request, created_at=datetime.now(UTC))


@pytest.mark.parametrize(
    ("ref", "pull_request", "context"),
    [
        pytest.param("main", None, "production", id="production-push"),
        pytest.param("feature", 7, "deploy-preview", id="pull-request"),
        pytest.param("main", 8, "deploy-preview", id="pull-request-from-main"),
        pytest.param("feature", None, "branch-deploy", id="other-branch"),
        pytest.param("", None, "branch-deploy", id="commit-without-branch"),
    ],
)
def test_deploy_context(ref: str, pull_request: int | None, context: str) -> None:
    assert deploy_context("main", deployment(ref, pull_request)) == context


def runner_environment(
    settings: Settings, site: Project, d: Deployment, commit: str
) -> dict[str, str]:
    return runner_inputs(settings, site, d, commit).to_env()


def test_production_push_gets_env_with_production_env_over_it() -> None:
    env = runner_environment(settings(), project(), deployment("main"), "c" * 40)
    assert env["SLIPWAY_DEPLOY_CONTEXT"] == "production"
    assert env["SLIPWAY_BUILD_ENV_NAMES"] == "ANALYTICS_ID,API_URL,SHARED"
    assert (env["SHARED"], env["ANALYTICS_ID"], env["API_URL"]) == (
        "prod",
        "UA-1",
        "https://api.example.com",
    )
    assert "NOINDEX" not in env


def test_pull_request_gets_env_with_preview_env_over_it() -> None:
    env = runner_environment(settings(), project(), deployment("feature", 12), "c" * 40)
    assert env["SLIPWAY_DEPLOY_CONTEXT"] == "deploy-preview"
    assert env["SLIPWAY_BUILD_ENV_NAMES"] == "API_URL,NOINDEX,SHARED"
    assert (env["SHARED"], env["NOINDEX"]) == ("preview", "1")
    assert "ANALYTICS_ID" not in env


def test_other_branch_gets_preview_env_too() -> None:
    env = runner_environment(settings(), project(), deployment("feature"), "c" * 40)
    assert env["SLIPWAY_DEPLOY_CONTEXT"] == "branch-deploy"
    assert env["SHARED"] == "preview"
    assert "ANALYTICS_ID" not in env


def test_production_branch_setting_decides_not_the_name_main() -> None:
    site = project(production_branch="release")
    assert runner_environment(settings(), site, deployment("main"), "c" * 40)["SHARED"] == "preview"
    on_release = runner_environment(settings(), site, deployment("release"), "c" * 40)
    assert (on_release["SLIPWAY_DEPLOY_CONTEXT"], on_release["SHARED"]) == ("production", "prod")


def test_groups_left_empty_change_nothing() -> None:
    site = project(production_env={}, preview_env={})
    contexts: tuple[DeployContext, ...] = ("production", "deploy-preview", "branch-deploy")
    for context in contexts:
        assert build_variables(site, context) == site.env
