"""Every committed environment file planned as `make plan` would plan it.

The deploy scripts load environments/<name>.yaml and render its tfvars; Terraform then
plans the stack with them on the mocked provider (tests/environments.tftest.hcl), so a
profile that the validator accepts but Terraform refuses, or that does not plan, fails.
"""

from __future__ import annotations

import json

import pytest

from scripts.deploy.environment import environment_names, load_environment
from scripts.deploy.tfvars import tfvars
from tests.terraform.test_plan import RunResult, terraform_test
from tests.terraform.tfconfig import ROOT
from tests.terraform.workspace import STACK_NAME, Workspace, in_parallel

ENVIRONMENTS = ROOT / "environments"
NAMES = environment_names(ENVIRONMENTS)
TEST_FILE = "tests/environments.tftest.hcl"


@pytest.fixture(scope="session")
def planned(workspace: Workspace, initialised: dict) -> dict[str, RunResult]:
    assert initialised[STACK_NAME].returncode == 0, initialised[STACK_NAME].stderr
    for name in NAMES:
        rendered = tfvars(load_environment(name, ENVIRONMENTS))
        path = workspace.root / STACK_NAME / f"environment-{name}.tfvars.json"
        path.write_text(json.dumps(rendered, indent=2))

    def plan(name: str) -> RunResult:
        runs = terraform_test(
            workspace, STACK_NAME, var_file=f"environment-{name}.tfvars.json", only=TEST_FILE
        )
        return runs.get("environment_file", RunResult())

    return in_parallel(NAMES, plan)


def test_the_profiles_are_committed_beside_the_example() -> None:
    assert {"example", "small", "ha"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_environment_file_plans(name: str, planned: dict[str, RunResult]) -> None:
    outcome = planned[name]
    assert outcome.status == "pass", f"{outcome.status}:\n" + "\n".join(outcome.diagnostics)
