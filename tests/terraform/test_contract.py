"""What the deploy scripts and the docs rely on: output names, tfvars keys, module docs."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from tests.terraform.tfconfig import STACK, TERRAFORM, load_cached, module_dirs

DEPLOY_SCRIPT_OUTPUTS = {
    "region", "cluster_name", "cluster_arn", "api_service_name", "proxy_service_name",
    "api_task_family", "proxy_task_family", "builder_task_family", "services_repository_url",
    "builder_repository_url", "artifacts_bucket", "alb_dns_name", "api_url", "base_domain",
    "task_execution_role_arn", "api_task_role_arn", "proxy_task_role_arn",
    "builder_task_role_arn", "api_log_group", "proxy_log_group", "builder_log_group",
    "builder_subnet_ids", "builder_security_group_id", "database_secret_arn",
    "database_endpoint", "webhook_secret_arn", "api_token_secret_arn",
    "github_token_secret_arn",
}  # fmt: skip


def test_stack_exposes_every_output_the_deploy_scripts_read() -> None:
    missing = DEPLOY_SCRIPT_OUTPUTS - set(load_cached(STACK).outputs)
    assert not missing


def test_services_listen_on_the_contract_ports_and_are_checked_for_liveness() -> None:
    stack = load_cached(STACK)
    assert stack.modules["api"]["container_port"] == 8000
    assert stack.modules["proxy"]["container_port"] == 8080
    service = load_cached(TERRAFORM / "modules" / "service")
    # /livez, never /healthz: a dependency's outage must not get healthy tasks replaced.
    assert service.variables["health_check_path"]["default"] == "/livez"
    for call in ("api", "proxy"):
        assert "health_check_path" not in stack.modules[call]


def test_example_tfvars_sets_only_declared_variables_and_every_required_one() -> None:
    example = json.loads((STACK / "example.tfvars.json").read_text())
    variables = load_cached(STACK).variables
    assert set(example) <= set(variables), set(example) - set(variables)
    required = {name for name, body in variables.items() if "default" not in body}
    assert required <= set(example)
    for name, body in variables.items():
        if name in example and str(body["type"]).startswith("${object("):
            # Object variables: every key must be an attribute of the object type.
            attributes = set(re.findall(r'"([a-z_]+)":', body["type"]))
            assert set(example[name]) <= attributes, f"{name}: {set(example[name]) - attributes}"


def _module_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "module_docs", TERRAFORM / "tools" / "module_docs.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODULE_DOCS = _module_docs()


@pytest.mark.parametrize("path", [*module_dirs(), STACK], ids=lambda p: p.name)
def test_readme_tables_are_current(path: Path) -> None:
    readme = path / "README.md"
    wanted = MODULE_DOCS.update(readme, MODULE_DOCS.render(path))
    assert readme.read_text() == wanted, f"{readme} is stale: run `make terraform-docs`"


def test_readme_check_notices_a_missing_variable(tmp_path: Path) -> None:
    for name in ("variables.tf", "outputs.tf", "README.md"):
        (tmp_path / name).write_text((STACK / name).read_text())
    with (tmp_path / "variables.tf").open("a") as handle:
        handle.write('\nvariable "added" {\n  description = "New."\n  type        = string\n}\n')
    readme = tmp_path / "README.md"
    assert readme.read_text() != MODULE_DOCS.update(readme, MODULE_DOCS.render(tmp_path))
