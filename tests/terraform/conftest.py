"""One scratch copy of terraform/ per session, initialised once for every test that runs Terraform."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.terraform.tfconfig import all_configs
from tests.terraform.workspace import STACK_NAME, Workspace, create, in_parallel


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return create(tmp_path_factory.mktemp("terraform"))


@pytest.fixture(scope="session")
def initialised(workspace: Workspace) -> dict[str, subprocess.CompletedProcess[str]]:
    """`terraform init` of every module and the stack, by name (modules/network, ...)."""
    # The stack first: it fills the plugin cache, which the others then only link from.
    results = {STACK_NAME: workspace.init(STACK_NAME)}
    modules = [c.name for c in all_configs() if c.name != STACK_NAME]
    results.update(in_parallel(modules, workspace.init))
    return results


@pytest.fixture(scope="session")
def validations(
    workspace: Workspace, initialised: dict[str, subprocess.CompletedProcess[str]]
) -> dict[str, dict[str, Any]]:
    """`terraform validate -json` of every configuration whose init succeeded."""
    ready = [name for name, result in initialised.items() if result.returncode == 0]
    return in_parallel(ready, workspace.validate)
