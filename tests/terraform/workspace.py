"""Real Terraform on a scratch copy of terraform/: init, validate, test and graph.

`terraform init` writes `.terraform/` and `.terraform.lock.hcl` beside the configuration it
initialises, so everything runs on a copy and the repository stays clean. The AWS provider
comes from a filesystem mirror when this machine has one (no network needed), else from
the registry; either way through one plugin cache per test session, so the provider is
installed once and linked into every configuration.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from tests.terraform.tfconfig import STACK, TERRAFORM, terraform_binary, tool_env

AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
# Machines that build this project carry the provider here (unpacked layout).
DEFAULT_MIRROR = Path("/opt/tf-plugins")
LOCK_FILE = ".terraform.lock.hcl"
# The real backend is a partial S3 configuration that needs credentials and a bucket. The
# copy keeps its state locally instead, so that `terraform graph`, which needs an
# initialised backend, works offline.
LOCAL_BACKEND = 'terraform {\n  backend "local" {}\n}\n'
STACK_NAME = STACK.relative_to(TERRAFORM).as_posix()

T = TypeVar("T")


def mirror() -> Path | None:
    """The filesystem mirror holding the AWS provider, if this machine has one."""
    path = Path(os.environ.get("SLIPWAY_TERRAFORM_MIRROR", DEFAULT_MIRROR))
    return path if (path / AWS_PROVIDER).is_dir() else None


def cli_config(plugin_cache: Path, mirror_path: Path | None) -> str:
    """A Terraform CLI configuration: the session's plugin cache, the mirror if any."""
    lines = [f"plugin_cache_dir = {json.dumps(str(plugin_cache))}"]
    if mirror_path is not None:
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f"    path    = {json.dumps(str(mirror_path))}",
            f"    include = [{json.dumps(AWS_PROVIDER)}]",
            "  }",
            "  direct {",
            f"    exclude = [{json.dumps(AWS_PROVIDER)}]",
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Workspace:
    """A copy of terraform/ and the environment Terraform runs with there."""

    root: Path
    env: dict[str, str]

    def run(self, name: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [terraform_binary(), *args],
            cwd=self.root / name,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def init(self, name: str) -> subprocess.CompletedProcess[str]:
        """init; a configuration with a committed lock must install exactly what it records."""
        args = ["init", "-input=false", "-no-color"]
        if (self.root / name / LOCK_FILE).exists():
            args.append("-lockfile=readonly")
        return self.run(name, *args)

    def validate(self, name: str) -> dict[str, Any]:
        result = self.run(name, "validate", "-json", "-no-color")
        report: dict[str, Any] = json.loads(result.stdout)
        return report

    def copy(self, base: Path) -> Workspace:
        """Another copy (to change code in) sharing this one's CLI configuration."""
        root = base / "terraform"
        shutil.copytree(self.root, root, ignore=shutil.ignore_patterns(".terraform"))
        return Workspace(root, self.env)


def create(base: Path) -> Workspace:
    root = base / "terraform"
    for part in ("modules", "stacks"):
        shutil.copytree(
            TERRAFORM / part,
            root / part,
            ignore=shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.backup"),
        )
    (root / STACK_NAME / "backend_override.tf").write_text(LOCAL_BACKEND)
    # Modules get the stack's lock: they are checked with the very provider the stack
    # installs, and Terraform links a cached provider only into a configuration whose
    # lock vouches for it (without one, every init would install it into the cache anew).
    lock = root / STACK_NAME / LOCK_FILE
    if lock.exists():
        for module in (root / "modules").iterdir():
            shutil.copy(lock, module / LOCK_FILE)
    cache = base / "plugin-cache"
    cache.mkdir()
    config = base / "terraform.tfrc"
    config.write_text(cli_config(cache, mirror()))
    return Workspace(root, {**tool_env(), "TF_CLI_CONFIG_FILE": str(config)})


def in_parallel(names: Iterable[str], job: Callable[[str], T]) -> dict[str, T]:
    """job(name) for every name, two at a time (Terraform spends its time loading the provider)."""
    names = list(names)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(names, pool.map(job, names), strict=True))
