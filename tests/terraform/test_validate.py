"""`terraform init` and `terraform validate`, for real, on every module and the stack.

The AWS provider is the real one (5.100 from the machine's mirror, or the registry): an
argument, block or attribute the provider lacks, a type error or a wrong reference fails
here, as it would in the first `make plan`.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.terraform.tfconfig import STACK, all_configs, version_satisfies
from tests.terraform.workspace import AWS_PROVIDER, LOCK_FILE, Workspace

CONFIG_NAMES = sorted(c.name for c in all_configs())


def diagnostics(report: dict[str, Any]) -> list[str]:
    found = []
    for d in report["diagnostics"]:
        where = d.get("range", {})
        place = f"{where.get('filename', '?')}:{where.get('start', {}).get('line', '?')}"
        found.append(f"{d['severity']}: {d['summary']} ({place}) {d.get('detail', '')}")
    return found


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_init_installs_the_aws_provider(
    name: str, initialised: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    result = initialised[name]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "hashicorp/aws" in result.stdout


@pytest.mark.parametrize("name", CONFIG_NAMES)
def test_terraform_validate_finds_no_error_and_no_warning(
    name: str, validations: dict[str, dict[str, Any]]
) -> None:
    assert name in validations, f"{name}: terraform init failed (see the init test)"
    report = validations[name]
    found = diagnostics(report)
    assert not found, "\n".join(found)
    assert report["valid"]


def lock_entry() -> dict[str, Any]:
    with (STACK / LOCK_FILE).open() as handle:
        parsed = hcl2.load(handle)
    (provider,) = parsed["provider"]
    return dict(provider[AWS_PROVIDER])


def test_the_stack_lock_records_an_admitted_aws_provider_with_its_hash() -> None:
    entry = lock_entry()
    (terraform,) = hcl2.loads((STACK / "versions.tf").read_text())["terraform"]
    (providers,) = terraform["required_providers"]
    assert version_satisfies(entry["version"], providers["aws"]["version"])
    assert any(h.startswith("h1:") for h in entry["hashes"]), entry["hashes"]


def test_validate_rejects_an_attribute_the_provider_does_not_have(
    workspace: Workspace, tmp_path: Path
) -> None:
    # The kind of mistake only the provider's schema knows of (`data.aws_region.current.region`
    # exists in provider 6.x only, and broke five modules on 5.100).
    copy = workspace.copy(tmp_path)
    main = copy.root / "modules" / "cluster" / "main.tf"
    main.write_text(
        main.read_text()
        + '\ndata "aws_region" "current" {}\n\n'
        + 'output "region" {\n  value = data.aws_region.current.regionn\n}\n'
    )
    assert copy.init("modules/cluster").returncode == 0
    report = copy.validate("modules/cluster")
    assert not report["valid"]
    assert any("Unsupported attribute" in d for d in diagnostics(report))
