"""`terraform test`: real plans of the stack (and of modules with tests) on a mocked AWS provider.

The run blocks live in terraform/**/tests/*.tftest.hcl; the stack's start from
example.tfvars.json. A mocked resource leaves its computed attributes unknown during a
plan, as AWS does before a resource exists, so a for_each or count that needs an id
fails here as it would in the first `make plan` of a fresh account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import hcl2
import pytest

from tests.terraform.tfconfig import TERRAFORM
from tests.terraform.workspace import STACK_NAME, Workspace, in_parallel

EXAMPLE_VARS = "example.tfvars.json"


@dataclass
class RunResult:
    status: str = "not reported"
    diagnostics: list[str] = field(default_factory=list)


def tftest_files() -> list[Path]:
    return sorted(TERRAFORM.glob("**/tests/*.tftest.hcl"))


def run_names(path: Path) -> list[str]:
    with path.open() as handle:
        parsed = hcl2.load(handle)
    return [name for block in parsed.get("run", []) for name in block]


def config_of(path: Path) -> str:
    return path.parent.parent.relative_to(TERRAFORM).as_posix()


RUNS = [
    pytest.param(config_of(path), run, id=f"{config_of(path)}:{run}")
    for path in tftest_files()
    for run in run_names(path)
]


def terraform_test(
    workspace: Workspace, name: str, *, var_file: str = EXAMPLE_VARS, only: str | None = None
) -> dict[str, RunResult]:
    """Every run's status and diagnostics, from `terraform test -json`.

    `var_file` is used when the configuration has it; `only` names one test file to run.
    """
    args = ["test", "-json", "-no-color"]
    if (workspace.root / name / var_file).exists():
        args.append(f"-var-file={var_file}")
    if only is not None:
        args.append(f"-filter={only}")
    result = workspace.run(name, *args)
    runs: dict[str, RunResult] = {}
    for line in result.stdout.splitlines():
        message = json.loads(line)
        run = message.get("@testrun")
        if run is None:
            continue
        entry = runs.setdefault(run, RunResult())
        if message.get("type") == "test_run" and "status" in message["test_run"]:
            entry.status = message["test_run"]["status"]
        if message.get("type") == "diagnostic":
            d = message["diagnostic"]
            entry.diagnostics.append(f"{d['severity']}: {d['summary']}: {d.get('detail', '')}")
    assert runs, f"terraform test reported no run:\n{result.stdout}\n{result.stderr}"
    return runs


@pytest.fixture(scope="session")
def results(workspace: Workspace, initialised: dict) -> dict[str, dict[str, RunResult]]:
    configs = sorted({config for config, _ in (p.values for p in RUNS)})
    for config in configs:
        assert initialised[config].returncode == 0, initialised[config].stderr
    return in_parallel(configs, lambda name: terraform_test(workspace, name))


def test_the_stack_is_planned_for_the_example_and_its_variations() -> None:
    stack_runs = [run for config, run in (p.values for p in RUNS) if config == STACK_NAME]
    assert len(stack_runs) >= 6, stack_runs


@pytest.mark.parametrize(("config", "run"), RUNS)
def test_plan_run_passes(config: str, run: str, results: dict[str, dict[str, RunResult]]) -> None:
    outcome = results[config].get(run, RunResult())
    assert outcome.status == "pass", f"{outcome.status}:\n" + "\n".join(outcome.diagnostics)


def test_a_for_each_keyed_by_ids_unknown_until_apply_fails_the_plan(
    workspace: Workspace, tmp_path: Path
) -> None:
    # The database's ingress rules were once keyed by the api's security group id, which
    # does not exist before the first apply. Put that back and the example plan must fail.
    copy = workspace.copy(tmp_path)
    main = copy.root / "modules" / "database" / "main.tf"
    keyed_by_name = "for_each = var.allowed_security_groups"
    assert keyed_by_name in main.read_text()
    main.write_text(
        main.read_text().replace(
            keyed_by_name, "for_each = toset(values(var.allowed_security_groups))"
        )
    )
    assert copy.init(STACK_NAME).returncode == 0
    outcome = terraform_test(copy, STACK_NAME)["example_environment"]
    assert outcome.status != "pass"
    assert any("Invalid for_each argument" in d for d in outcome.diagnostics), outcome.diagnostics
