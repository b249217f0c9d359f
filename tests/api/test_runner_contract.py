"""The dispatcher hands the runner exactly the inputs of the contract, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from services.api.db.models import Deployment, Project
from services.api.dispatcher import runner_environment
from services.core.build_protocol import RUNNER_ENV_KEYS, RUNNER_OPTIONAL_KEYS
from services.core.settings import Settings


def test_runner_environment_is_the_contract_plus_build_variables() -> None:
    settings = Settings(
        _env_file=None,
        api_token="api-secret-0123456789",
        github_webhook_secret="hook-secret",
        github_token="ghp_token",
        storage_url="file:///tmp/storage",
    )
    project = Project(
        name="site",
        repo_url="https://github.com/acme/site",
        root_dir="web",
        install_command="",
        build_command="npm run build",
        output_dir="dist",
        ignore_command="",
        spa=True,
        env={"API_URL": "https://example.com"},
    )
    d = Deployment(id="a" * 20, ref="main", created_at=datetime.now(UTC))
    env = runner_environment(settings, project, d, "c" * 40)
    assert set(RUNNER_ENV_KEYS) <= set(env)
    declared = set(RUNNER_ENV_KEYS) | set(RUNNER_OPTIONAL_KEYS)
    assert set(env) <= declared | {"API_URL"}
    assert env["SLIPWAY_DEPLOY_CONTEXT"] == "branch-deploy"  # no production branch set
    assert env["SLIPWAY_COMMIT_SHA"] == "c" * 40
    assert env["SLIPWAY_BUILD_ENV_NAMES"] == "API_URL"
    assert env["SLIPWAY_GIT_TOKEN"] == "ghp_token"  # a github.com https repository
    assert "api-secret-0123456789" not in env.values()
    assert "hook-secret" not in env.values()
