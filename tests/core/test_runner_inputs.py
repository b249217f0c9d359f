"""The runner's inputs: what the api writes, the runner reads back unchanged; nothing else passes."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.core.build_variables import MAX_VALUE_BYTES, is_reserved
from services.core.git_names import valid_branch_name
from services.core.runner_inputs import (
    BUILD_ENV_NAMES_KEY,
    CONTRACT_KEYS,
    DEPLOY_CONTEXTS,
    KEYS,
    LIMIT_KEYS,
    MAX_NUMBER,
    SANDBOX_MODES,
    InputError,
    Limits,
    RunnerInputs,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "build-runner.md"
# The runner's documented inputs (docs/build-runner.md), in their order.
DOCUMENTED_NAMES = (
    "SLIPWAY_DEPLOYMENT_ID",
    "SLIPWAY_PROJECT",
    "SLIPWAY_REPO_URL",
    "SLIPWAY_COMMIT_SHA",
    "SLIPWAY_REF",
    "SLIPWAY_ROOT_DIR",
    "SLIPWAY_INSTALL_COMMAND",
    "SLIPWAY_BUILD_COMMAND",
    "SLIPWAY_OUTPUT_DIR",
    "SLIPWAY_STORAGE_URL",
    "SLIPWAY_BUILD_TIMEOUT",
)
VALID = RunnerInputs(
    deployment_id="a" * 20,
    project="site",
    repo_url="file:///tmp/repo",
    storage_url="file:///tmp/storage",
)

line = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=60)
required_line = line.filter(lambda text: text.strip() != "")
number = st.integers(1, MAX_NUMBER)
variable_name = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True).filter(
    lambda name: not is_reserved(name)
)
# Values may span lines (a certificate, say); only NUL and lone surrogates cannot be sent.
variable_value = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\0"))
site_url = st.from_regex(r"https?://[a-z0-9.-]{1,40}(:[0-9]{1,5})?", fullmatch=True)
inputs_strategy = st.builds(
    RunnerInputs,
    deployment_id=st.from_regex(r"[a-z0-9]{20}", fullmatch=True),
    project=st.from_regex(r"[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?", fullmatch=True).filter(
        lambda name: "--" not in name
    ),
    repo_url=required_line,
    storage_url=required_line,
    commit_sha=st.just("") | st.from_regex(r"[0-9a-fA-F]{40}", fullmatch=True),
    ref=st.just("") | st.from_regex(r"[\w./@-]{1,60}", fullmatch=True).filter(valid_branch_name),
    deploy_context=st.sampled_from((None, *DEPLOY_CONTEXTS)),
    root_dir=line,
    install_command=line,
    build_command=line,
    output_dir=line,
    build_timeout=number,
    spa=st.booleans(),
    ignore_command=line,
    build_env=st.dictionaries(variable_name, variable_value, max_size=4),
    sandbox=st.sampled_from(SANDBOX_MODES),
    git_token=line,
    limits=st.builds(
        Limits,
        max_files=number,
        max_total_bytes=number,
        max_file_bytes=number,
        max_processes=st.integers(16, MAX_NUMBER),
        max_workspace_bytes=number,
    ),
    publish_concurrency=number,
    deployment_url=st.just("") | site_url,
    branch_url=st.just("") | site_url,
    production_url=st.just("") | site_url,
)


def test_the_contract_names_are_the_documented_ones() -> None:
    assert tuple(CONTRACT_KEYS.values()) == DOCUMENTED_NAMES
    table = DOCS.read_text().partition("## Inputs")[2].partition("\n## ")[0]
    documented = set(re.findall(r"`(SLIPWAY_[A-Z_]+)`", table))
    assert {*KEYS.values(), *LIMIT_KEYS.values(), BUILD_ENV_NAMES_KEY} == documented


@given(inputs_strategy)
def test_what_the_api_writes_the_runner_reads_back_unchanged(inputs: RunnerInputs) -> None:
    assert RunnerInputs.from_env(inputs.to_env()) == inputs


@given(inputs_strategy)
def test_every_contract_name_is_written_and_nothing_undeclared(inputs: RunnerInputs) -> None:
    env = inputs.to_env()
    assert set(CONTRACT_KEYS.values()) <= set(env)
    declared = {*KEYS.values(), *LIMIT_KEYS.values(), BUILD_ENV_NAMES_KEY, *inputs.build_env}
    assert set(env) <= declared
    assert all("\0" not in key + value for key, value in env.items())  # execve takes them all


def test_the_runner_ignores_the_rest_of_its_environment() -> None:
    env = {**VALID.to_env(), "PATH": "/usr/bin", "UNLISTED": "not a build variable"}
    assert RunnerInputs.from_env(env) == VALID


def test_inputs_read_with_defaults() -> None:
    env = {
        **VALID.to_env(),
        "SLIPWAY_SPA": "true",
        "SLIPWAY_ROOT_DIR": "/apps/web/",
        "SLIPWAY_COMMIT_SHA": " " + "C" * 40,
    }
    inputs = RunnerInputs.from_env(env)
    assert inputs.spa
    assert inputs.root_dir == "apps/web"
    assert inputs.commit_sha == "c" * 40
    assert inputs.sandbox == "auto"
    assert inputs.build_timeout == 900
    assert inputs.deploy_context is None


@pytest.mark.parametrize("context", DEPLOY_CONTEXTS)
def test_the_deploy_context_is_read(context: str) -> None:
    env = {**VALID.to_env(), "SLIPWAY_DEPLOY_CONTEXT": f" {context} "}
    assert RunnerInputs.from_env(env).deploy_context == context


def test_an_empty_deploy_context_is_unknown() -> None:
    env = {**VALID.to_env(), "SLIPWAY_DEPLOY_CONTEXT": ""}
    assert RunnerInputs.from_env(env).deploy_context is None


def test_build_variables_come_from_the_named_list() -> None:
    env = {
        **VALID.to_env(),
        BUILD_ENV_NAMES_KEY: "API_URL, TOKEN",
        "API_URL": "u",
        "TOKEN": "tok3n",
        "OTHER": "not passed",
    }
    inputs = RunnerInputs.from_env(env)
    assert inputs.build_env == {"API_URL": "u", "TOKEN": "tok3n"}
    assert "tok3n" in inputs.secrets


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("deployment_id", "", "SLIPWAY_DEPLOYMENT_ID is not a deployment id", id="no-id"),
        pytest.param("deployment_id", "../x", "SLIPWAY_DEPLOYMENT_ID is not a deployment id", id="id"),
        pytest.param("project", "Bad_Name", "SLIPWAY_PROJECT is not a project name", id="project"),
        pytest.param("repo_url", " ", "SLIPWAY_REPO_URL is required", id="no-repo"),
        pytest.param("repo_url", "file:///r\0", "SLIPWAY_REPO_URL must be one line", id="repo-nul"),
        pytest.param("repo_url", "https://x/" + "r" * 2000, "SLIPWAY_REPO_URL is longer than 2000", id="repo-oversize"),
        pytest.param("storage_url", "s3://b\n?endpoint=x", "SLIPWAY_STORAGE_URL must be one line", id="storage-newline"),
        pytest.param("commit_sha", "g" * 40, "SLIPWAY_COMMIT_SHA must be a full commit sha", id="sha-not-hex"),
        pytest.param("commit_sha", "a" * 39, "SLIPWAY_COMMIT_SHA must be a full commit sha", id="sha-short"),
        pytest.param("commit_sha", "a" * 64, "SLIPWAY_COMMIT_SHA must be a full commit sha", id="sha-long"),
        pytest.param("commit_sha", "a" * 20 + "\n" + "a" * 20, "SLIPWAY_COMMIT_SHA must be a full", id="sha-newline"),
        pytest.param("ref", "feature\nx", "SLIPWAY_REF is not a branch name", id="ref-newline"),
        pytest.param("ref", "b" * 256, "SLIPWAY_REF is not a branch name", id="ref-oversize"),
        pytest.param("ref", "a..b", "SLIPWAY_REF is not a branch name", id="ref-git-refuses"),
        pytest.param("build_command", "npm ci\nrm -rf ~", "SLIPWAY_BUILD_COMMAND must be one line", id="command-newline"),
        pytest.param("install_command", "npm ci\0", "SLIPWAY_INSTALL_COMMAND must be one line", id="command-nul"),
        pytest.param("ignore_command", "true\x1b[2J", "SLIPWAY_IGNORE_COMMAND must be one line", id="command-escape"),
        pytest.param("build_command", "x" * 4097, "SLIPWAY_BUILD_COMMAND is longer than 4096", id="command-oversize"),
        pytest.param("build_command", "echo \udc80", "SLIPWAY_BUILD_COMMAND must be one line", id="surrogate"),
        pytest.param("output_dir", "di\rst", "SLIPWAY_OUTPUT_DIR must be one line", id="dir-cr"),
        pytest.param("git_token", "ghp_x\nHost: evil", "SLIPWAY_GIT_TOKEN must be one line", id="token-newline"),
        pytest.param("sandbox", "docker", "SLIPWAY_SANDBOX must be auto, bubblewrap or none", id="sandbox"),
        pytest.param("deploy_context", "preview", "SLIPWAY_DEPLOY_CONTEXT must be production, deploy-preview or branch-deploy, got 'preview'", id="context"),
        pytest.param("build_timeout", 0, "SLIPWAY_BUILD_TIMEOUT must be between 1 and", id="timeout-zero"),
        pytest.param("publish_concurrency", 2**63, "SLIPWAY_PUBLISH_CONCURRENCY must be between 1 and", id="oversize-number"),
        pytest.param("deployment_url", "http://site-1.localhost/path", "SLIPWAY_DEPLOYMENT_URL must be a site's http(s) URL", id="url-path"),
        pytest.param("branch_url", "javascript:alert(1)", "SLIPWAY_BRANCH_URL must be a site's http(s) URL", id="url-scheme"),
        pytest.param("production_url", "http://site.localhost\nX: y", "SLIPWAY_PRODUCTION_URL must be a site's http(s) URL", id="url-newline"),
        pytest.param("build_env", {"SLIPWAY_STORAGE_URL": "s3://x"}, "invalid build variable name 'SLIPWAY_STORAGE_URL'", id="var-reserved"),
        pytest.param("build_env", {"slipway_x": "1"}, "invalid build variable name 'slipway_x'", id="var-reserved-lowercase"),
        pytest.param("build_env", {"A-B": "1"}, "invalid build variable name 'A-B'", id="var-name"),
        pytest.param("build_env", {"A": "x\0y"}, "build variable A: a NUL", id="var-nul"),
        pytest.param("build_env", {"A": "v" * (MAX_VALUE_BYTES + 1)}, "build variable A is longer than 32 KiB", id="var-oversize"),
    ],
)  # fmt: skip
def test_hostile_values_are_refused_on_both_sides(field: str, value: Any, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):  # the api's side
        replace(VALID, **{field: value})
    env = VALID.to_env()  # the runner's side, from the same value written as text
    if field == "build_env":
        env |= {BUILD_ENV_NAMES_KEY: ",".join(value), **value}
    else:
        env[KEYS[field]] = str(value)
    with pytest.raises(InputError, match=re.escape(message)):
        RunnerInputs.from_env(env)


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        pytest.param("SLIPWAY_BUILD_TIMEOUT", "soon", "must be a whole number, got 'soon'", id="word"),
        pytest.param("SLIPWAY_BUILD_TIMEOUT", "-5", "must be a whole number", id="negative"),
        pytest.param("SLIPWAY_BUILD_TIMEOUT", "1e3", "must be a whole number", id="float"),
        pytest.param("SLIPWAY_MAX_FILES", "9" * 5000, "must be a whole number", id="huge"),
        pytest.param("SLIPWAY_BUILD_MAX_PROCESSES", "15", "must be between 16 and", id="processes"),
        pytest.param("SLIPWAY_MAX_FILE_BYTES", "0", "must be between 1 and", id="zero-limit"),
    ],
)  # fmt: skip
def test_numbers_must_be_whole_and_in_range(key: str, raw: str, message: str) -> None:
    with pytest.raises(InputError, match=f"{key} {message}"):
        RunnerInputs.from_env({**VALID.to_env(), key: raw})
