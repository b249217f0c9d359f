"""Image tags, ECR login and `docker buildx` commands, built as argv data."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from scripts.deploy.environment import Environment
from scripts.deploy.errors import ConfigError, PrerequisiteError
from scripts.deploy.outputs import StackOutputs
from scripts.deploy.runner import Command, Runner

TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
SHA_LENGTH = 12


@dataclass(frozen=True)
class ImageBuild:
    """One image of a release: which Dockerfile, which repository."""

    name: str
    dockerfile: str
    repository_url: str


def release_images(stack: StackOutputs) -> tuple[ImageBuild, ...]:
    # Both build from the repository root, so each Dockerfile can copy the shared core.
    return (
        ImageBuild("services", "Dockerfile", stack.services_repository_url),
        ImageBuild("builder", "build_runner/Dockerfile", stack.builder_repository_url),
    )


def git_head_command(root: Path) -> Command:
    return Command(("git", "rev-parse", "HEAD"), cwd=root)


def git_status_command(root: Path) -> Command:
    return Command(("git", "status", "--porcelain", "--untracked-files=no"), cwd=root)


def resolve_tag(env: Environment, explicit: str | None, runner: Runner, root: Path) -> str:
    """The release's image tag: `--tag` when given, else what the environment's policy says."""
    if explicit:
        if not TAG.match(explicit):
            raise ConfigError(
                f"--tag {explicit!r} is not a valid image tag",
                hint="letters, digits, '_', '.', '-'; at most 128 characters",
            )
        return explicit
    if env.images.tag_policy == "explicit":
        raise ConfigError(
            f"environment {env.name} has tag_policy explicit", hint="pass TAG=<tag> (--tag)"
        )
    if runner.read(git_status_command(root)).strip():
        raise PrerequisiteError(
            "the working tree has uncommitted changes, so a git-sha tag would not name them",
            hint="commit first, or pass TAG=<tag>",
        )
    return runner.read(git_head_command(root)).strip()[:SHA_LENGTH]


def registry_host(repository_url: str) -> str:
    return repository_url.split("/", 1)[0]


def docker_login_command(registry: str, password: str) -> Command:
    return Command(
        ("docker", "login", "--username", "AWS", "--password-stdin", registry), stdin=password
    )


def docker_build_command(
    image: ImageBuild, *, tag: str, platform: str, revision: str, root: Path
) -> Command:
    return Command(
        (
            "docker",
            "buildx",
            "build",
            "--platform",
            platform,
            "--file",
            image.dockerfile,
            "--tag",
            f"{image.repository_url}:{tag}",
            "--label",
            f"org.opencontainers.image.revision={revision}",
            "--label",
            f"org.opencontainers.image.version={tag}",
            # A plain image manifest: no attestation index for ECR's lifecycle rules to trip on.
            "--provenance=false",
            "--push",
            ".",
        ),
        cwd=root,
        stream=True,
    )


def ecr_login(ecr: Any, runner: Runner, registry: str) -> None:
    """`docker login` to ECR with a token from boto3; the password goes in on stdin only."""
    if not runner.api("ecr", "GetAuthorizationToken", {}):
        runner.run(docker_login_command(registry, "<token>"))
        return
    data = ecr.get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    if user != "AWS" or not password:
        raise PrerequisiteError("ECR answered an authorization token in an unknown form")
    runner.add_secret(password)
    runner.run(docker_login_command(registry, password))


# The push then creates the tag, or fails with docker's own message for a missing repository.
_NOT_THERE = ("ImageNotFoundException", "RepositoryNotFoundException")


def already_in_registry(ecr: Any, image: ImageBuild, tag: str) -> bool:
    """Whether the repository holds `tag`. Tags are immutable in ECR, so such a tag is that
    release's image: releasing the same tag again (after a size change, or a retry) reuses
    it instead of failing on a push ECR refuses."""
    name = image.repository_url.split("/", 1)[1]
    try:
        ecr.describe_images(repositoryName=name, imageIds=[{"imageTag": tag}])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _NOT_THERE:
            return False
        raise
    return True


def build_and_push(
    images: tuple[ImageBuild, ...],
    *,
    tag: str,
    env: Environment,
    revision: str,
    runner: Runner,
    root: Path,
    ecr: Any = None,
) -> None:
    for image in images:
        if ecr is not None and already_in_registry(ecr, image, tag):
            runner.say(f"{image.repository_url}:{tag} is already in the registry; reusing it")
            continue
        runner.run(
            docker_build_command(
                image, tag=tag, platform=env.images.platform, revision=revision, root=root
            )
        )
