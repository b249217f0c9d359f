"""What a newcomer sees: `make plan ENV=example` with no AWS credentials at all."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.scripts.conftest import REPO


def outside_make() -> dict[str, str]:
    """This environment without a parent make's flags (`make test` runs these tests)."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def test_make_plan_without_credentials_says_what_is_missing_in_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),  # no ~/.aws
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        # Not an EC2 instance: skip botocore's one-second metadata probe (same message).
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        # -o: the venv is installed already; do not reinstall it if pyproject.toml is newer.
        ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "plan", "ENV=example"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    ours = [line for line in result.stderr.splitlines() if not line.startswith("make: ***")]
    assert ours == [
        "error: no AWS credentials found for environment example (eu-west-1) "
        "(set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; docs/operators.md)"
    ]


def test_make_plan_without_env_lists_the_environments() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "plan"],
        cwd=REPO,
        env=outside_make(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == (
        "error: no environment given (pass ENV=<name>; environments: example, ha, small)"
    )


def test_make_variables_become_flags() -> None:
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", ".venv/.installed-stamp",
         "release", "ENV=prod", "DRY_RUN=1", "TAG=v1.2", "YES=1"],
        cwd=REPO, env=outside_make(), capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.splitlines()[-1] == (
        '.venv/bin/python -m scripts.deploy release --env "prod" --dry-run --yes --tag "v1.2"'
    )
