"""`main(argv)` end to end: environment file, fake Terraform, moto's ECS, a fake docker."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import httpx
import pytest
import yaml
from moto import mock_aws

from scripts.deploy.cli import aws_error, main
from scripts.deploy.environment import Environment
from scripts.deploy.errors import DeployError, PrerequisiteError
from tests.scripts.conftest import REGION, REPO, FakeTerraform, bootstrap_platform, launcher
from tests.support.gitrepo import GitRepo


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def session(_env: Environment) -> Any:
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A checkout: the example environment, a stack directory, one commit."""
    repo = GitRepo(tmp_path / "checkout")
    (repo.path / "environments").mkdir()
    shutil.copy(REPO / "environments" / "example.yaml", repo.path / "environments")
    repo.commit({"terraform/stacks/platform/main.tf": "# the stack\n"}, "stack")
    return repo.path


def run(root: Path, *args: str, **kwargs: Any) -> int:
    return main([*args, "--env", "example", "--root", str(root)], session_factory=session, **kwargs)


def test_plan_renders_inputs_and_prints_the_summary(
    root: Path, fake_terraform: FakeTerraform, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(root, "plan") == 0
    work = root / "build" / "deploy" / "example"
    out = capsys.readouterr().out
    assert "Plan: 2 to add, 1 to change, 2 to destroy." in out
    assert "  + module.cluster.aws_ecs_cluster.this" in out
    assert f"Saved {work / 'tfplan'}; `make apply ENV=example` applies exactly it." in out
    assert (work / "tfplan.txt").read_text() == "Plan: 2 to add, 1 to change, 2 to destroy.\n"
    assert [argv[0] for argv in fake_terraform.argvs()] == ["version", "init", "plan", "show"]
    assert fake_terraform.argvs()[1] == [
        "init", "-no-color", "-reconfigure", "-input=false",
        f"-backend-config={work / 'backend.s3.tfbackend'}",
    ]  # fmt: skip
    assert (work / "backend.s3.tfbackend").read_text() == (
        'bucket = "example-slipway-tfstate"\n'
        'key = "slipway/example/terraform.tfstate"\n'
        'region = "eu-west-1"\n'
        "encrypt = true\n"
        "use_lockfile = true\n"
    )
    tfvars = json.loads((work / "example.tfvars.json").read_text())
    assert tfvars["name"] == "slipway-example"
    assert tfvars["proxy"] == {
        "cpu": 256,
        "memory": 512,
        "desired_count": 2,
        "min_count": 2,
        "max_count": 6,
    }
    assert {call["tf_data_dir"] for call in fake_terraform.calls()} == {str(work / ".terraform")}


def test_apply_applies_the_saved_plan_once(
    root: Path,
    fake_terraform: FakeTerraform,
    outputs: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_terraform.set_outputs(outputs)
    work = root / "build" / "deploy" / "example"
    assert run(root, "plan") == 0
    assert run(root, "apply") == 0
    assert fake_terraform.argvs()[-2:] == [
        ["apply", "-no-color", "-input=false", str(work / "tfplan")],
        ["output", "-no-color", "-json"],
    ]
    assert not (work / "tfplan").exists()
    assert not (work / "tfplan.txt").exists()
    assert json.loads((work / "outputs.json").read_text()) == outputs
    assert "Applied. api: https://api.sites.example.com" in capsys.readouterr().out
    assert run(root, "apply") == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: no saved plan for example (run `make plan ENV=example`)"
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize(
    ("change", "what"),
    [
        pytest.param(
            lambda root: edit(
                root / "environments" / "example.yaml",
                "proxy: {cpu: 256, memory: 512, desired_count: 2",
                "proxy: {cpu: 256, memory: 512, desired_count: 3",
            ),
            "the environment file's Terraform variables",
            id="environment-file",
        ),
        pytest.param(
            lambda root: edit(
                root / "environments" / "example.yaml",
                "bucket: example-slipway-tfstate",
                "bucket: example-slipway-tfstate\n  key: elsewhere/terraform.tfstate",
            ),
            "the state backend",
            id="state-backend",
        ),
        pytest.param(
            lambda root: edit(
                root / "terraform" / "stacks" / "platform" / "main.tf",
                "# the stack\n",
                "# the stack, changed\n",
            ),
            "the Terraform code in terraform/",
            id="terraform-code",
        ),
    ],
)
def test_a_plan_made_for_other_inputs_is_not_applied(
    root: Path,
    fake_terraform: FakeTerraform,
    outputs: dict[str, Any],
    change: Any,
    what: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_terraform.set_outputs(outputs)
    assert run(root, "plan") == 0
    change(root)
    capsys.readouterr()
    assert run(root, "apply") == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: the saved plan for example was made for other inputs: {what} changed since "
        "`make plan`; nothing was applied "
        "(run `make plan ENV=example` again, then `make apply ENV=example`)"
    ]
    assert "apply" not in [argv[0] for argv in fake_terraform.argvs()]
    assert run(root, "plan") == 0
    assert run(root, "apply") == 0


def test_a_plan_terraform_calls_stale_is_discarded_with_the_command_to_run(
    root: Path, fake_terraform: FakeTerraform, capsys: pytest.CaptureFixture[str]
) -> None:
    work = root / "build" / "deploy" / "example"
    assert run(root, "plan") == 0
    fake_terraform.fail("apply", "Saved plan is stale")
    capsys.readouterr()
    assert run(root, "apply") == 1
    err = capsys.readouterr().err.splitlines()
    assert "\u2502 Error: Saved plan is stale" in err  # Terraform's own message first
    assert err[-1] == (
        "error: Terraform refused the saved plan as stale: its state changed since "
        "`make plan`; nothing was applied "
        "(run `make plan ENV=example` again, then `make apply ENV=example`)"
    )
    assert sorted(path.name for path in work.glob("tfplan*")) == []


def test_an_apply_that_stops_part_way_names_what_finishes_it(
    root: Path,
    fake_terraform: FakeTerraform,
    outputs: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(root, "plan") == 0
    fake_terraform.fail("apply", "creating RDS DB Instance: InvalidParameterCombination")
    assert run(root, "apply") == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: terraform apply failed with exit code 1 (what Terraform applied before it "
        "stopped is in its state; once the cause is fixed, `make plan ENV=example` and "
        "`make apply ENV=example` finish the change)"
    )
    # Exactly what it says: plan again, apply, done.
    monkeypatch.delenv("FAKE_TERRAFORM_FAIL")
    fake_terraform.set_outputs(outputs)
    assert run(root, "apply") == 1  # the refused plan is gone
    assert run(root, "plan") == 0
    assert run(root, "apply") == 0


def test_a_destroy_that_stops_part_way_says_to_run_it_again(
    root: Path, fake_terraform: FakeTerraform, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_terraform.fail("destroy", "deleting S3 Bucket: BucketNotEmpty")
    assert run(root, "destroy", "--yes") == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: terraform destroy failed with exit code 1 (what is left is in Terraform's "
        "state; once the cause is fixed, `make destroy ENV=example` again removes the rest)"
    )


def test_terraform_own_error_reaches_the_user(
    root: Path, fake_terraform: FakeTerraform, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_terraform.fail("plan")
    assert run(root, "plan") == 1
    err = capsys.readouterr().err.splitlines()
    assert "\u2502 Error: plan failed: Invalid value for variable" in err
    assert err[-1] == "error: terraform plan failed with exit code 1"


def test_destroy_wants_the_name_typed(
    root: Path, fake_terraform: FakeTerraform, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(root, "destroy", stdin=io.StringIO("")) == 1
    assert capsys.readouterr().err.strip() == (
        "error: destroy needs confirmation (run it in a terminal, or pass YES=1 (--yes))"
    )
    assert run(root, "destroy", stdin=Tty("prod\n")) == 1
    assert "error: destroy canceled: the name did not match" in capsys.readouterr().err
    assert fake_terraform.argvs() == []
    assert run(root, "destroy", stdin=Tty("example\n")) == 0
    assert run(root, "destroy", "--yes", stdin=io.StringIO("")) == 0
    work = root / "build" / "deploy" / "example"
    destroys = [argv for argv in fake_terraform.argvs() if argv[0] == "destroy"]
    assert destroys == 2 * [
        [
            "destroy",
            "-no-color",
            "-auto-approve",
            "-input=false",
            f"-var-file={work / 'example.tfvars.json'}",
        ]
    ]


@pytest.mark.parametrize(
    ("yaml_text", "line"),
    [
        pytest.param(
            "services:\n  api:\n    cpu: 512\n    memroy: 1024\n",
            "services.api.memroy: unknown key",
            id="unknown-key",
        ),
        pytest.param(
            "services:\n  proxy:\n    cpu: 256\n    memory: 4096\n",
            "services.proxy: memory 4096 does not fit cpu 256",
            id="fargate-pair",
        ),
        pytest.param(
            "log_retention_days: 10\n", "log_retention_days: must be one of", id="retention"
        ),
        pytest.param(
            "dns:\n  base_domain: Sites.Example.com\n  hosted_zone_id: Z1\n",
            "dns.base_domain: String should match pattern",
            id="domain",
        ),
    ],
)
def test_bad_environment_files_name_the_key(
    root: Path, yaml_text: str, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = root / "environments" / "example.yaml"
    # The example without the sections the case writes (a key given twice is an error).
    example = yaml.safe_load(path.read_text())
    for key in yaml.safe_load(yaml_text):
        del example[key]
    path.write_text(yaml.safe_dump(example) + yaml_text)
    assert run(root, "plan") == 1
    (only,) = capsys.readouterr().err.splitlines()
    assert only.startswith(f"error: {path}: ")
    assert line in only


@pytest.mark.parametrize(
    ("content", "line"),
    [
        pytest.param(
            b"aws:\n  region: eu-west-1\n  region: us-east-1\n",
            "line 3 is not valid YAML (key 'region' given twice)",
            id="key-given-twice",
        ),
        pytest.param(b"aws: [1\n", "line 2 is not valid YAML (expected ',' or ']'", id="yaml"),
        pytest.param(b"\xff\xfeaws: 1\n", "is not UTF-8 text", id="not-utf8"),
        pytest.param(b"- aws\n", "expected a mapping of keys at the top level", id="a-list"),
        pytest.param(b"", "expected a mapping of keys at the top level", id="empty"),
    ],
)
def test_unreadable_environment_files_are_one_line(
    root: Path,
    fake_terraform: FakeTerraform,
    content: bytes,
    line: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = root / "environments" / "example.yaml"
    path.write_bytes(content)
    for command in ("plan", "apply", "release"):
        assert run(root, command) == 1
        (only,) = capsys.readouterr().err.splitlines()
        assert only.startswith(f"error: {path}: {line}")
    assert fake_terraform.argvs() == []


@pytest.mark.parametrize(
    ("profile", "line"),
    [
        pytest.param(
            None, "no AWS credentials found for environment example (eu-west-1)", id="none"
        ),
        pytest.param(
            "nosuch",
            "no usable AWS credentials: The config profile (nosuch) could not be found",
            id="unknown-profile",
        ),
    ],
)
def test_unusable_credentials_are_one_line_for_every_command(
    root: Path,
    fake_terraform: FakeTerraform,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    profile: str | None,
    line: str,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    if profile is not None:
        monkeypatch.setenv("AWS_PROFILE", profile)
    for command in ("plan", "apply", "release", "rollback"):
        assert main([command, "--env", "example", "--root", str(root)]) == 1
        assert capsys.readouterr().err.splitlines() == [
            f"error: {line} "
            "(set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; docs/operators.md)"
        ]
    assert fake_terraform.argvs() == []


def refused(code: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": "no"}}, "DescribeSecret"
    )


@pytest.mark.parametrize(
    ("error", "kind", "line"),
    [
        pytest.param(
            refused("ExpiredTokenException"),
            PrerequisiteError,
            "AWS refused DescribeSecret: ExpiredTokenException: no (renew the credentials: "
            "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; docs/operators.md)",
            id="expired",
        ),
        pytest.param(
            refused("AccessDeniedException"),
            DeployError,
            "AWS refused DescribeSecret: AccessDeniedException: no",
            id="denied",
        ),
        pytest.param(
            botocore.exceptions.UnauthorizedSSOTokenError(),
            PrerequisiteError,
            "no usable AWS credentials: The SSO session associated with this profile has "
            "expired or is otherwise invalid.",
            id="sso-expired",
        ),
    ],
)
def testaws_errors_become_one_line(error: Exception, kind: type, line: str) -> None:
    translated = aws_error(error)
    assert type(translated) is kind
    assert translated.line().startswith(line)


@pytest.fixture
def moto_platform(
    monkeypatch: pytest.MonkeyPatch, outputs: dict[str, Any], example_env: Environment
) -> Iterator[None]:
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "2")
    with mock_aws():
        bootstrap_platform(boto3.client("ecs", region_name=REGION), example_env, outputs)
        yield


def test_release_then_rollback_through_main(
    root: Path,
    fake_terraform: FakeTerraform,
    outputs: dict[str, Any],
    moto_platform: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_terraform.set_outputs(outputs)
    docker_log = tmp_path / "docker.jsonl"
    bin_dir = launcher(
        tmp_path / "dockerbin", "docker", Path(__file__).with_name("fake_docker.py")
    ).parent
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(docker_log))
    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200)))
    head = GitRepo.__new__(GitRepo)
    head.path = root

    assert run(root, "release", http=http) == 0, capsys.readouterr().err
    tag = head.git("rev-parse", "HEAD")[:12]
    calls = [json.loads(line) for line in docker_log.read_text().splitlines()]
    assert [call["argv"][:2] for call in calls] == [
        ["login", "--username"],
        ["buildx", "build"],
        ["buildx", "build"],
    ]
    assert calls[0]["stdin"] == "123456789012-auth-token"
    assert f"{outputs['services_repository_url']}:{tag}" in calls[1]["argv"]
    err = capsys.readouterr().err
    assert "123456789012-auth-token" not in err
    assert f"released {tag} to example: https://api.sites.example.com" in err
    ecs = boto3.client("ecs", region_name=REGION)
    api = ecs.describe_services(
        cluster=outputs["cluster_name"], services=[outputs["api_service_name"]]
    )["services"][0]
    assert api["taskDefinition"].endswith("slipway-example-api:2")

    assert run(root, "release", "--tag", "next", http=http) == 0
    assert run(root, "rollback", http=http) == 0
    api = ecs.describe_services(
        cluster=outputs["cluster_name"], services=[outputs["api_service_name"]]
    )["services"][0]
    assert api["taskDefinition"].endswith("slipway-example-api:2")
    assert "api: slipway-example-api:3 -> slipway-example-api:2" in capsys.readouterr().err


def test_credentials_for_another_account_are_refused(
    root: Path, fake_terraform: FakeTerraform, capsys: pytest.CaptureFixture[str]
) -> None:
    path = root / "environments" / "example.yaml"
    path.write_text(
        path.read_text().replace(
            "region: eu-west-1", 'region: eu-west-1\n  account_id: "999999999999"'
        )
    )
    with mock_aws():  # STS answers account 123456789012
        assert run(root, "plan") == 1
    assert capsys.readouterr().err.splitlines() == [
        "error: these AWS credentials are for account 123456789012, but environment example "
        "lives in 999999999999 (switch AWS_PROFILE)"
    ]
    assert fake_terraform.argvs() == []


def test_usage_errors_return_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy-everything"]) == 2
    assert "invalid choice: 'deploy-everything'" in capsys.readouterr().err
