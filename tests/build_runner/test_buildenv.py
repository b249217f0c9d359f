"""What a build command's environment holds besides the project's variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_runner.buildenv import build_environment
from build_runner.site_variables import site_variables
from services.core.runner_inputs import RunnerInputs


def environment(
    tmp_path: Path,
    deploy_context: str | None = None,
    project_env: dict[str, str] | None = None,
    host_env: dict[str, str] | None = None,
) -> dict[str, str]:
    return build_environment(
        {"PATH": "/usr/bin:/bin", "SLIPWAY_STORAGE_URL": "s3://secret", **(host_env or {})},
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


CORPORATE = "/etc/ssl/certs/corporate.pem"


@pytest.mark.parametrize(
    ("host", "project", "seen"),
    [
        pytest.param({}, {}, {}, id="no-bundle-nothing-set"),
        pytest.param(
            {"SSL_CERT_FILE": CORPORATE},
            {},
            {"SSL_CERT_FILE": CORPORATE, "NODE_EXTRA_CA_CERTS": CORPORATE},
            id="ssl-cert-file-becomes-nodes-extra-cas",
        ),
        pytest.param(
            {
                "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
                "NODE_EXTRA_CA_CERTS": CORPORATE,
            },
            {},
            {
                "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
                "NODE_EXTRA_CA_CERTS": CORPORATE,
            },
            id="the-hosts-node-bundle-is-kept",
        ),
        pytest.param(
            {"NODE_EXTRA_CA_CERTS": CORPORATE},
            {},
            {"NODE_EXTRA_CA_CERTS": CORPORATE},
            id="node-bundle-alone",
        ),
        pytest.param(
            {"SSL_CERT_DIR": "/etc/ssl/corporate"},
            {},
            {"SSL_CERT_DIR": "/etc/ssl/corporate"},
            id="a-directory-is-not-a-node-bundle",
        ),
        pytest.param(
            {"SSL_CERT_FILE": CORPORATE},
            {"NODE_EXTRA_CA_CERTS": "/etc/ssl/certs/mine.pem"},
            {"SSL_CERT_FILE": CORPORATE, "NODE_EXTRA_CA_CERTS": "/etc/ssl/certs/mine.pem"},
            id="the-projects-variable-wins",
        ),
    ],
)
def test_build_commands_trust_the_hosts_certificate_authorities(
    tmp_path: Path, host: dict[str, str], project: dict[str, str], seen: dict[str, str]
) -> None:
    env = environment(tmp_path, project_env=project, host_env=host)
    names = ("SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS")
    assert {name: env[name] for name in names if name in env} == seen


PREVIEW = RunnerInputs(
    deployment_id="a1b2c3d4" + "e" * 12,
    project="site",
    repo_url="file:///repo",
    storage_url="file:///storage",
    ref="fix-typo",
    deploy_context="deploy-preview",
    deployment_url="https://site-a1b2c3d4.example.com",
    branch_url="https://site-pr-7.example.com",
    production_url="https://site.example.com",
)


def test_a_pull_request_build_is_told_its_preview_address() -> None:
    assert site_variables(PREVIEW) == {
        "SLIPWAY_URL": "https://site-pr-7.example.com",
        "SLIPWAY_DEPLOYMENT_URL": "https://site-a1b2c3d4.example.com",
        "SLIPWAY_BRANCH_URL": "https://site-pr-7.example.com",
        "SLIPWAY_PRODUCTION_URL": "https://site.example.com",
        "URL": "https://site.example.com",
        "DEPLOY_URL": "https://site-a1b2c3d4.example.com",
        "DEPLOY_PRIME_URL": "https://site-pr-7.example.com",
        "VERCEL_URL": "site-a1b2c3d4.example.com",
        "VERCEL_BRANCH_URL": "site-pr-7.example.com",
        "VERCEL_PROJECT_PRODUCTION_URL": "site.example.com",
        "BRANCH": "fix-typo",
        "VERCEL_GIT_COMMIT_REF": "fix-typo",
        "VERCEL_ENV": "preview",
    }


def test_without_urls_from_the_api_no_url_variable_is_set() -> None:
    bare = RunnerInputs(
        deployment_id="a" * 20, project="site", repo_url="file:///r", storage_url="file:///s"
    )
    assert site_variables(bare) == {}


def test_the_projects_own_netlify_or_vercel_names_win(tmp_path: Path) -> None:
    env = build_environment(
        {"PATH": "/usr/bin"},
        home=tmp_path,
        cache_dir=tmp_path / "cache",
        project_env={"URL": "https://www.example.org"},
        commit_sha="c" * 40,
        ref="main",
        site_env=site_variables(PREVIEW),
    )
    assert env["URL"] == "https://www.example.org"
    assert env["SLIPWAY_PRODUCTION_URL"] == "https://site.example.com"
