"""A checkout that `python -m scripts.deploy` drives against emulated AWS.

A git repository holding a copy of terraform/ (tests.terraform.workspace makes it, with the
provider from the machine's mirror) and the example environment, and three kinds of
test-only override files in the copy, never in terraform/ itself:

- `provider_override.tf`: the AWS provider's endpoints point at the emulator;
- `backend_override.tf`: the S3 state backend does too (state and lock live in its S3);
- `tests/aws/overrides/**`: what the emulator cannot create, each file saying why
  (docs/terraform.md, "Applied against emulated AWS").
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.gitrepo import GitRepo
from tests.terraform.tfconfig import ROOT
from tests.terraform.workspace import STACK_NAME, Workspace, create

OVERRIDES = Path(__file__).with_name("overrides")
EXAMPLE = ROOT / "environments" / "example.yaml"
EXAMPLE_ZONE = "hosted_zone_id: Z0123456789EXAMPLE"
# A roll-out or health check that does not succeed here fails in seconds, not in 15 minutes.
IMPATIENT = {
    "rollout_timeout_seconds: 900": "rollout_timeout_seconds: 90",
    "attempts: 30": "attempts: 3",
}
# Every service the stack's resources and data sources call.
PROVIDER_SERVICES = (
    "acm",
    "appautoscaling",
    "cloudwatch",
    "ec2",
    "ecr",
    "ecs",
    "elbv2",
    "iam",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "sts",
)
# The emulator has no instance metadata and checks no credentials before IAM is enforced.
SKIPS = ("skip_credentials_validation", "skip_metadata_api_check", "skip_requesting_account_id")


def _lines(indent: str, pairs: list[tuple[str, str]]) -> str:
    return "".join(f"{indent}{name} = {value}\n" for name, value in pairs)


def provider_override(endpoint: str) -> str:
    url = json.dumps(endpoint)
    settings = [(name, "true") for name in (*SKIPS, "s3_use_path_style")]
    return (
        'provider "aws" {\n'
        + _lines("  ", settings)
        + "\n  endpoints {\n"
        + _lines("    ", [(name, url) for name in PROVIDER_SERVICES])
        + "  }\n}\n"
    )


def backend_override(endpoint: str) -> str:
    # Bucket, key, region and use_lockfile still come from the scripts' -backend-config.
    url = json.dumps(endpoint)
    settings = [(name, "true") for name in (*SKIPS, "use_path_style")]
    settings.append(("endpoints", f"{{ s3 = {url}, sts = {url} }}"))
    return 'terraform {\n  backend "s3" {\n' + _lines("    ", settings) + "  }\n}\n"


def environment_file(zone_id: str) -> str:
    """The example environment, in the hosted zone the emulator made (AWS picks zone ids),
    impatient."""
    text = EXAMPLE.read_text()
    for old, new in {EXAMPLE_ZONE: f"hosted_zone_id: {zone_id}", **IMPATIENT}.items():
        if old not in text:
            raise AssertionError(f"{EXAMPLE} no longer says {old!r}")
        text = text.replace(old, new)
    return text


def checkout(base: Path, endpoint: str, zone_id: str) -> tuple[GitRepo, Workspace]:
    repo = GitRepo(base / "checkout")
    workspace = create(repo.path)
    stack = workspace.root / STACK_NAME
    (stack / "provider_override.tf").write_text(provider_override(endpoint))
    (stack / "backend_override.tf").write_text(backend_override(endpoint))
    shutil.copytree(OVERRIDES, workspace.root, dirs_exist_ok=True)
    repo.commit(
        {
            # The workspace's plugin cache and CLI configuration, and the scripts' work.
            ".gitignore": "/plugin-cache/\n/terraform.tfrc\n/build/\n",
            "environments/example.yaml": environment_file(zone_id),
        },
        "the example environment on emulated AWS",
    )
    return repo, workspace
