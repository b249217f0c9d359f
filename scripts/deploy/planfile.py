"""A saved plan is applied only for the inputs it was made from.

Terraform applies a saved plan as it was made: a change to the environment file (its
tfvars), the state backend or the Terraform code after `make plan` would be silently left
out. So `make plan` records a digest of each input beside the plan, and `make apply`
refuses a plan whose inputs have changed since, before Terraform runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from scripts.deploy.errors import PrerequisiteError

# What each recorded input is, for the message that names the changed ones.
INPUTS = {
    "tfvars": "the environment file's Terraform variables",
    "backend": "the state backend",
    "terraform": "the Terraform code in terraform/",
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _code_files(terraform_root: Path) -> list[Path]:
    """What Terraform reads: everything under terraform/ except its data directories,
    module tests and documentation."""
    found = []
    for path in sorted(terraform_root.rglob("*")):
        parts = path.relative_to(terraform_root).parts
        if not path.is_file() or ".terraform" in parts or "tests" in parts:
            continue
        if path.suffix == ".md" or path.name.endswith(".tftest.hcl"):
            continue
        found.append(path)
    return found


def digests(var_file: Path, backend_file: Path, terraform_root: Path) -> dict[str, str]:
    code = hashlib.sha256()
    for path in _code_files(terraform_root):
        code.update(str(path.relative_to(terraform_root)).encode() + b"\0")
        code.update(_sha256(path.read_bytes()).encode())
    return {
        "tfvars": _sha256(var_file.read_bytes()),
        "backend": _sha256(backend_file.read_bytes()),
        "terraform": code.hexdigest(),
    }


def record_path(plan_file: Path) -> Path:
    return plan_file.with_suffix(".inputs.json")


def record(plan_file: Path, inputs: Mapping[str, str]) -> None:
    record_path(plan_file).write_text(json.dumps(dict(inputs), indent=2, sort_keys=True) + "\n")


def check(plan_file: Path, inputs: Mapping[str, str], env_name: str) -> None:
    """Refuse `plan_file` unless it was made from exactly `inputs`."""
    again = f"run `make plan ENV={env_name}` again, then `make apply ENV={env_name}`"
    try:
        recorded = json.loads(record_path(plan_file).read_text())
    except (OSError, json.JSONDecodeError):
        raise PrerequisiteError(
            f"the saved plan for {env_name} has no record of the inputs it was made from",
            hint=again,
        ) from None
    changed = [what for key, what in INPUTS.items() if recorded.get(key) != inputs.get(key)]
    if changed:
        raise PrerequisiteError(
            f"the saved plan for {env_name} was made for other inputs: "
            f"{', '.join(changed)} changed since `make plan`; nothing was applied",
            hint=again,
        )


def discard(plan_file: Path) -> None:
    """The plan, its text and its record: once applied, or once Terraform refused it."""
    for path in (plan_file, plan_file.with_suffix(".txt"), record_path(plan_file)):
        path.unlink(missing_ok=True)
