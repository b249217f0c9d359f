"""The image registry stand-in: `docker` pushes to the emulator's ECR, Fargate pulls from it.

No Docker engine runs here. `python -m tests.aws.registry` stands in for `docker`: `login`
checks the password against ECR's own token, and `buildx build --tag REPO:TAG --push` puts an
image manifest into that ECR repository. The manifest names the Dockerfile it came from, so
whoever pulls the image (tests.aws.fargate) knows what the container runs: the Dockerfile's
ENTRYPOINT and CMD, started from this checkout instead of from the image's layers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import boto3

DOCKERFILE = "org.slipway.dockerfile"
# What the images' ENTRYPOINT starts first: tini, PID 1 in the container. Here the command
# runs directly, in a process group of its own.
INIT = ("/usr/bin/tini", "--")


def split_image(image: str) -> tuple[str, str, str]:
    """`<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` → (region, repository, tag)."""
    registry, _, rest = image.partition("/")
    repository, _, tag = rest.rpartition(":")
    return registry.split(".")[3], repository, tag


def manifest(dockerfile: str, revision: str) -> str:
    config = hashlib.sha256(f"{dockerfile}@{revision}".encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": f"sha256:{config}",
                "size": 0,
            },
            "layers": [],
            "annotations": {DOCKERFILE: dockerfile},
        }
    )


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def _ecr(region: str) -> Any:
    # The operator's credentials and the emulator's endpoint come from the environment.
    return boto3.client("ecr", region_name=region)


def login(argv: list[str], password: str) -> None:
    registry = argv[-1]
    token = _ecr(registry.split(".")[3]).get_authorization_token()["authorizationData"][0]
    if base64.b64decode(token["authorizationToken"]).decode() != f"AWS:{password}":
        raise SystemExit("Error response from daemon: login attempt failed: unauthorized")
    print("Login Succeeded")


def build_and_push(argv: list[str]) -> None:
    if "--push" not in argv:
        raise SystemExit("the stand-in only pushes: --push is missing")
    region, repository, tag = split_image(_option(argv, "--tag"))
    revision = next(
        (
            label.partition("=")[2]
            for label in argv
            if label.startswith("org.opencontainers.image.revision=")
        ),
        "",
    )
    _ecr(region).put_image(
        repositoryName=repository,
        imageManifest=manifest(_option(argv, "--file"), revision),
        imageManifestMediaType="application/vnd.oci.image.manifest.v1+json",
        imageTag=tag,
    )
    print(f"pushed {repository}:{tag}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["login"]:
        login(argv, sys.stdin.read().strip())
    elif argv[:2] == ["buildx", "build"]:
        build_and_push(argv)
    else:
        raise SystemExit(f"the docker stand-in does not know {shlex.join(argv)}")
    return 0


def dockerfile_command(dockerfile: Path) -> tuple[list[str], list[str]]:
    """The final stage's ENTRYPOINT and CMD (exec form), without the init in front."""
    entrypoint: list[str] = []
    cmd: list[str] = []
    for line in dockerfile.read_text().splitlines():
        word, _, rest = line.partition(" ")
        if word == "FROM":  # a new stage: what came before is not the final image's
            entrypoint, cmd = [], []
        elif word == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        elif word == "CMD":
            cmd = json.loads(rest)
    if tuple(entrypoint[: len(INIT)]) == INIT:
        entrypoint = entrypoint[len(INIT) :]
    return entrypoint, cmd


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
