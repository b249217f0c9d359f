"""Image tags, ECR login and docker commands, checked as argv (no Docker engine here)."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.deploy import images
from scripts.deploy.environment import Environment
from scripts.deploy.errors import ConfigError, PrerequisiteError
from scripts.deploy.outputs import StackOutputs
from tests.scripts.conftest import RecordingRunner


def test_build_command_argv(outputs: dict[str, Any], tmp_path: Path) -> None:
    services, builder = images.release_images(StackOutputs.read(outputs))
    command = images.docker_build_command(
        builder, tag="abc", platform="linux/arm64", revision="f" * 40, root=tmp_path
    )
    assert command.argv == (
        "docker", "buildx", "build",
        "--platform", "linux/arm64",
        "--file", "build_runner/Dockerfile",
        "--tag", f"{outputs['builder_repository_url']}:abc",
        "--label", f"org.opencontainers.image.revision={'f' * 40}",
        "--label", "org.opencontainers.image.version=abc",
        "--provenance=false",
        "--push",
        ".",
    )  # fmt: skip
    assert command.cwd == tmp_path
    assert services.dockerfile == "Dockerfile"


def test_ecr_login_sends_the_password_on_stdin_and_never_logs_it() -> None:
    class Ecr:
        def get_authorization_token(self) -> dict[str, Any]:
            token = base64.b64encode(b"AWS:s3cr3t-token").decode()
            return {"authorizationData": [{"authorizationToken": token}]}

    runner = RecordingRunner()
    images.ecr_login(Ecr(), runner, "123456789012.dkr.ecr.eu-west-1.amazonaws.com")
    (login,) = runner.commands
    assert login.argv == (
        "docker", "login", "--username", "AWS", "--password-stdin",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    )  # fmt: skip
    assert login.stdin == "s3cr3t-token"
    runner.say("token was s3cr3t-token")
    assert "s3cr3t-token" not in runner.log.getvalue()
    assert "token was ****" in runner.log.getvalue()


def test_git_sha_policy_tags_with_the_head_commit(example_env: Environment, tmp_path: Path) -> None:
    runner = RecordingRunner(head="0123456789abcdef" * 2 + "01234567")
    assert images.resolve_tag(example_env, None, runner, tmp_path) == "0123456789ab"


def test_git_sha_policy_refuses_a_dirty_tree(example_env: Environment, tmp_path: Path) -> None:
    with pytest.raises(PrerequisiteError, match="uncommitted changes"):
        images.resolve_tag(example_env, None, RecordingRunner(dirty=True), tmp_path)


def test_explicit_policy_needs_a_tag(example_env: Environment, tmp_path: Path) -> None:
    env = example_env.model_copy(
        update={"images": example_env.images.model_copy(update={"tag_policy": "explicit"})}
    )
    with pytest.raises(ConfigError, match="tag_policy explicit"):
        images.resolve_tag(env, None, RecordingRunner(), tmp_path)
    assert images.resolve_tag(env, "v1.2.3", RecordingRunner(), tmp_path) == "v1.2.3"


@pytest.mark.parametrize("tag", ["-leading-dash", "has space", "x" * 129, "semi;colon"])
def test_bad_tags_are_refused(example_env: Environment, tmp_path: Path, tag: str) -> None:
    with pytest.raises(ConfigError, match="not a valid image tag"):
        images.resolve_tag(example_env, tag, RecordingRunner(), tmp_path)


def test_a_tag_already_in_the_immutable_registry_is_reused_not_pushed_again(
    example_env: Environment, outputs: dict[str, Any], moto_endpoint: str, tmp_path: Path
) -> None:
    ecr = boto3.client("ecr", endpoint_url=moto_endpoint, region_name="eu-west-1")
    prefix = f"slipway-{uuid.uuid4().hex[:6]}"
    urls = {}
    for name in ("services", "builder"):
        repo = ecr.create_repository(
            repositoryName=f"{prefix}-{name}", imageTagMutability="IMMUTABLE"
        )["repository"]
        urls[name] = repo["repositoryUri"]
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"digest": "sha256:" + "0" * 64, "size": 1},
            "layers": [],
        }
    )
    ecr.put_image(repositoryName=f"{prefix}-builder", imageManifest=manifest, imageTag="abc")
    stack = StackOutputs.read(
        outputs
        | {"services_repository_url": urls["services"], "builder_repository_url": urls["builder"]}
    )
    builds = images.release_images(stack)
    runner = RecordingRunner()
    images.build_and_push(
        builds, tag="abc", env=example_env, revision="f" * 40, runner=runner, root=tmp_path, ecr=ecr
    )
    # Only the image the registry lacks is built and pushed; the other tag is reused as is.
    (build,) = runner.commands
    assert f"{urls['services']}:abc" in build.argv
    assert f"{urls['builder']}:abc is already in the registry; reusing it" in runner.log.getvalue()
