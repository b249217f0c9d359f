"""Task definition requests rendered by Terraform itself, without an apply.

terraform/modules/task_definition renders each family's RegisterTaskDefinition request
from variables alone, so `terraform console` evaluates its `request` output offline (the
AWS provider is installed, from the machine's mirror when it has one, but never called).
Tests of the release scripts use these as the stack's `task_definitions` output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.terraform.tfconfig import MODULES, terraform_binary, tool_env
from tests.terraform.workspace import cli_config, mirror


def render_requests(calls: Mapping[str, Mapping[str, Any]], workdir: Path) -> dict[str, Any]:
    """`module.<name>.request` for each module call name => its arguments."""
    shutil.copytree(MODULES / "task_definition", workdir / "task_definition")
    root = workdir / "root"
    root.mkdir()
    modules = {name: {"source": "../task_definition", **args} for name, args in calls.items()}
    (root / "main.tf.json").write_text(json.dumps({"module": modules}))
    config = workdir / "terraform.tfrc"
    (workdir / "plugins").mkdir()
    config.write_text(cli_config(workdir / "plugins", mirror()))
    env = {**tool_env(), "TF_CLI_CONFIG_FILE": str(config)}

    def terraform(*args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [terraform_binary(), *args],
            cwd=root,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr or result.stdout
        return result.stdout

    terraform("init", "-input=false", "-no-color")
    expression = "jsonencode({" + ", ".join(f"{n} = module.{n}.request" for n in calls) + "})"
    # The console prints the JSON as a quoted string, whose escapes JSON shares.
    printed = terraform("console", "-no-color", stdin=expression + "\n").strip()
    requests: dict[str, Any] = json.loads(json.loads(printed))
    return requests
