"""`python -m scripts.deploy COMMAND --env NAME`: bootstrap (the state bucket), plan, apply,
destroy, release, rollback.

`main(argv) -> int` has one exit path: known errors become one line on stderr (after any
message of Terraform's own), unknown ones keep their traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import boto3  # type: ignore[import-untyped, unused-ignore]
import botocore.exceptions  # type: ignore[import-untyped, unused-ignore]
import httpx

from scripts.deploy import planfile
from scripts.deploy.environment import Environment, load_environment
from scripts.deploy.errors import CommandFailed, ConfigError, DeployError, PrerequisiteError
from scripts.deploy.release import Tools, release, rollback
from scripts.deploy.runner import Runner
from scripts.deploy.state import ensure_state_bucket
from scripts.deploy.terraform import Terraform, find_terraform
from scripts.deploy.tfvars import write_terraform_inputs

COMMANDS = ("bootstrap", "plan", "apply", "destroy", "release", "rollback")
CREDENTIALS_HINT = (
    "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; docs/operators.md"
)


@dataclass(frozen=True)
class Layout:
    """Where things are, relative to the repository root."""

    root: Path

    @property
    def environments(self) -> Path:
        return self.root / "environments"

    @property
    def terraform(self) -> Path:
        return self.root / "terraform"

    @property
    def stack(self) -> Path:
        return self.terraform / "stacks" / "platform"

    def work(self, env: Environment) -> Path:
        return self.root / "build" / "deploy" / env.name

    def plan_file(self, env: Environment) -> Path:
        return self.work(env) / "tfplan"


# Builds the AWS session for an environment; tests hand in one pointed at moto.
SessionFactory = Callable[[Environment], boto3.session.Session]


def default_session(env: Environment) -> boto3.session.Session:
    return boto3.session.Session(region_name=env.aws.region)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy", description=__doc__)
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--env", default="", help="environment name: environments/<name>.yaml")
    parser.add_argument(
        "--dry-run", action="store_true", help="print every command and API call; change nothing"
    )
    parser.add_argument("--yes", action="store_true", help="destroy without typing the name")
    parser.add_argument("--tag", default=None, help="image tag of the release")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    return parser.parse_args(list(argv))


def check_credentials(session: boto3.session.Session, env: Environment) -> None:
    if session.get_credentials() is None:
        raise PrerequisiteError(
            f"no AWS credentials found for environment {env.name} ({env.aws.region})",
            hint=CREDENTIALS_HINT,
        )
    if env.aws.account_id is not None:
        account = session.client("sts").get_caller_identity()["Account"]
        if account != env.aws.account_id:
            raise PrerequisiteError(
                f"these AWS credentials are for account {account}, "
                f"but environment {env.name} lives in {env.aws.account_id}",
                hint="switch AWS_PROFILE",
            )


class Operator:
    """Runs one command for one environment."""

    def __init__(
        self,
        args: argparse.Namespace,
        *,
        session_factory: SessionFactory,
        stdin: TextIO,
        stdout: TextIO,
        http: httpx.Client | None,
    ) -> None:
        self.args = args
        self.layout = Layout(args.root.resolve())
        self.env = load_environment(args.env, self.layout.environments)
        self.runner = Runner(dry_run=args.dry_run)
        self.session_factory = session_factory
        self.stdin = stdin
        self.stdout = stdout
        self.http = http

    def session(self) -> boto3.session.Session:
        session = self.session_factory(self.env)
        check_credentials(session, self.env)
        return session

    def terraform(self) -> Terraform:
        work = self.layout.work(self.env)
        if not self.layout.stack.is_dir():
            raise PrerequisiteError(f"no Terraform stack at {self.layout.stack}")
        terraform = Terraform(
            self.layout.stack,
            binary=find_terraform(work),
            data_dir=work / ".terraform",
            runner=self.runner,
        )
        terraform.check_version()
        return terraform

    def initialized(self) -> tuple[Terraform, Path]:
        terraform = self.terraform()
        var_file, backend_file = write_terraform_inputs(self.env, self.layout.work(self.env))
        terraform.init(backend_file)
        return terraform, var_file

    def print(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    def bootstrap(self) -> None:
        session = self.session()
        ensure_state_bucket(
            session.client("s3", region_name=self.env.state_region), self.env, self.runner
        )
        self.print(
            f"State bucket {self.env.state.bucket} is ready; next: make plan ENV={self.env.name}"
        )

    def plan(self) -> None:
        self.session()
        terraform, var_file = self.initialized()
        plan_file = self.layout.plan_file(self.env)
        summary = terraform.plan(var_file, plan_file)
        planfile.record(plan_file, self.input_digests())
        for line in summary.lines:
            self.print(line)
        self.print(summary.headline())
        self.print(f"Terraform's full plan: {plan_file.with_suffix('.txt')}")
        self.print(f"Saved {plan_file}; `make apply ENV={self.env.name}` applies exactly it.")

    def apply(self) -> None:
        self.session()
        plan_file = self.layout.plan_file(self.env)
        if not plan_file.is_file():
            raise PrerequisiteError(
                f"no saved plan for {self.env.name}", hint=f"run `make plan ENV={self.env.name}`"
            )
        planfile.check(plan_file, self.input_digests(), self.env.name)
        terraform = self.terraform()
        try:
            terraform.apply(plan_file)
        except CommandFailed as error:
            raise self.apply_failed(error, plan_file) from None
        if self.runner.dry_run:
            return
        planfile.discard(plan_file)
        outputs = terraform.outputs()
        (self.layout.work(self.env) / "outputs.json").write_text(
            json.dumps(outputs, indent=2, sort_keys=True) + "\n"
        )
        self.print(f"Applied. api: {outputs.get('api_url', '?')}")
        self.print(f"Next: `make release ENV={self.env.name}` deploys the services.")

    def input_digests(self) -> dict[str, str]:
        var_file, backend_file = write_terraform_inputs(self.env, self.layout.work(self.env))
        return planfile.digests(var_file, backend_file, self.layout.terraform)

    def apply_failed(self, error: CommandFailed, plan_file: Path) -> CommandFailed:
        """Terraform refused the plan, or stopped part way: the plan cannot be applied again
        either way, and the line names what finishes the change."""
        planfile.discard(plan_file)
        name = self.env.name
        if "Saved plan is stale" in error.details:
            error.message = (
                "Terraform refused the saved plan as stale: its state changed since "
                "`make plan`; nothing was applied"
            )
            error.hint = f"run `make plan ENV={name}` again, then `make apply ENV={name}`"
        else:
            error.hint = (
                "what Terraform applied before it stopped is in its state; once the cause is "
                f"fixed, `make plan ENV={name}` and `make apply ENV={name}` finish the change"
            )
        return error

    def confirm_destroy(self) -> None:
        if self.args.yes or self.runner.dry_run:
            return
        if not self.stdin.isatty():
            raise ConfigError(
                "destroy needs confirmation", hint="run it in a terminal, or pass YES=1 (--yes)"
            )
        print(
            f"This destroys every resource of environment {self.env.name}. "
            "Type its name to go on: ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if self.stdin.readline().strip() != self.env.name:
            raise ConfigError("destroy canceled: the name did not match")

    def destroy(self) -> None:
        self.confirm_destroy()
        self.session()
        terraform, var_file = self.initialized()
        try:
            terraform.destroy(var_file)
        except CommandFailed as error:
            error.hint = (
                "what is left is in Terraform's state; once the cause is fixed, "
                f"`make destroy ENV={self.env.name}` again removes the rest"
            )
            raise

    def outputs(self) -> dict[str, Any]:
        terraform, _ = self.initialized()
        return terraform.outputs()

    def tools(self, session: boto3.session.Session) -> Tools:
        http = self.http or httpx.Client(timeout=10.0, follow_redirects=False)
        return Tools(
            runner=self.runner,
            ecs=session.client("ecs"),
            ecr=session.client("ecr"),
            secretsmanager=session.client("secretsmanager"),
            http=http,
            root=self.layout.root,
        )

    def release(self) -> None:
        session = self.session()
        outputs = self.outputs()
        release(
            self.env,
            outputs,
            self.tools(session),
            tag=self.args.tag,
            work_dir=self.layout.work(self.env),
        )

    def rollback(self) -> None:
        session = self.session()
        outputs = self.outputs()
        rollback(self.env, outputs, self.tools(session))


# Errors that mean "no usable credentials", not "AWS said no to this call".
CREDENTIAL_ERRORS = (
    botocore.exceptions.NoCredentialsError,
    botocore.exceptions.PartialCredentialsError,
    botocore.exceptions.ProfileNotFound,
    botocore.exceptions.SSOError,
    botocore.exceptions.TokenRetrievalError,
    botocore.exceptions.CredentialRetrievalError,
)
REFUSED_CREDENTIALS = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "AuthFailure",
    }
)


def aws_error(error: Exception) -> DeployError:
    if isinstance(error, botocore.exceptions.ClientError):
        info = error.response.get("Error", {})
        operation = getattr(error, "operation_name", "a call")
        line = f"AWS refused {operation}: {info.get('Code')}: {info.get('Message')}"
        if info.get("Code") in REFUSED_CREDENTIALS:
            return PrerequisiteError(line, hint=f"renew the credentials: {CREDENTIALS_HINT}")
        return DeployError(line)
    if isinstance(error, botocore.exceptions.NoCredentialsError):
        return PrerequisiteError("no AWS credentials found", hint=CREDENTIALS_HINT)
    if isinstance(error, CREDENTIAL_ERRORS):
        return PrerequisiteError(f"no usable AWS credentials: {error}", hint=CREDENTIALS_HINT)
    return DeployError(f"AWS call failed: {error}")


def main(
    argv: Sequence[str] | None = None,
    *,
    session_factory: SessionFactory = default_session,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    http: httpx.Client | None = None,
) -> int:
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit_:  # argparse has printed usage and the problem
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        try:
            operator = Operator(
                args,
                session_factory=session_factory,
                stdin=stdin or sys.stdin,
                stdout=stdout or sys.stdout,
                http=http,
            )
            getattr(operator, args.command)()
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
            raise aws_error(error) from error
    except DeployError as error:
        if error.details:
            print(error.details, file=sys.stderr)
        print(f"error: {error.line()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0
