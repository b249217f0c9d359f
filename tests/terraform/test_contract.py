"""What the deploy scripts and the docs rely on: output names, tfvars keys, module docs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

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


def test_services_listen_on_the_contract_ports_with_healthz() -> None:
    stack = load_cached(STACK)
    assert stack.modules["api"]["container_port"] == 8000
    assert stack.modules["proxy"]["container_port"] == 8080
    service = load_cached(TERRAFORM / "modules" / "service")
    assert service.variables["health_check_path"]["default"] == "/healthz"
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


@pytest.mark.parametrize("path", [*module_dirs(), STACK], ids=lambda p: p.name)
def test_readme_tables_are_current(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(TERRAFORM / "tools" / "module_docs.py"), "--check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
