"""Render a module's aws_iam_policy_document blocks with Terraform itself, offline.

The module's locals and policy statements are copied into a scratch configuration in
Terraform's JSON syntax (where every string is a template, as in the module). Variables
get test values; references to data sources and resources get fixture values. Terraform
then evaluates every expression (interpolation, functions, for-expressions) exactly as
it would in a plan, with no provider. The statements are assembled into IAM JSON the way
the aws_iam_policy_document data source does, and a small evaluator answers "is this
action on this resource allowed?".
"""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.terraform.tfconfig import Config, terraform_binary, tool_env

_REF = re.compile(r"(?<![\w.])((?:data\.)?aws_[a-z0-9_]+\.[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)")


def _substitute(value: Any, fixtures: dict[str, Any], used: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, fixtures, used) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, fixtures, used) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value

    def replace(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref not in fixtures:
            raise KeyError(f"no fixture for {ref}")
        used.setdefault(ref, f"fixture_{len(used)}")
        return f"local.{used[ref]}"

    return _REF.sub(replace, value)


def evaluate(
    config: Config,
    variables: dict[str, Any],
    fixtures: dict[str, Any],
    outputs: dict[str, Any],
    workdir: Path,
) -> dict[str, Any]:
    """Evaluate expressions (strings as in the module, e.g. "${local.x}") with Terraform."""
    used: dict[str, str] = {}
    substituted = {name: _substitute(value, fixtures, used) for name, value in outputs.items()}
    config_json = {
        "variable": {
            name: {"default": variables.get(name, body.get("default"))}
            for name, body in config.variables.items()
        },
        "locals": _substitute(config.locals, fixtures, used),
        "output": {name: {"value": value} for name, value in substituted.items()},
    }
    config_json["locals"].update({local: fixtures[ref] for ref, local in used.items()})
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf.json").write_text(json.dumps(config_json, indent=1))
    tf = terraform_binary()
    for argv in (
        [tf, "init", "-input=false", "-backend=false", "-no-color"],
        [tf, "apply", "-auto-approve", "-input=false", "-no-color"],
    ):
        result = subprocess.run(
            argv, cwd=workdir, env=tool_env(), capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, f"{argv[1]} failed:\n{result.stdout}\n{result.stderr}"
    result = subprocess.run(
        [tf, "output", "-json"],
        cwd=workdir,
        env=tool_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return {k: v["value"] for k, v in json.loads(result.stdout).items()}


def render(
    config: Config, variables: dict[str, Any], fixtures: dict[str, Any], workdir: Path
) -> dict[str, dict[str, Any] | None]:
    """IAM policy JSON per aws_iam_policy_document name (None where count is 0)."""
    docs = {n: b for (t, n), b in config.data.items() if t == "aws_iam_policy_document"}
    outputs: dict[str, Any] = {}
    for name, body in docs.items():
        outputs[f"doc_{name}"] = body.get("statement", [])
        outputs[f"count_{name}"] = body.get("count", 1)
    values = evaluate(config, variables, fixtures, outputs, workdir)
    return {
        name: policy_json(values[f"doc_{name}"]) if values[f"count_{name}"] else None
        for name in docs
    }


def policy_json(statements: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON aws_iam_policy_document produces for these statement blocks."""
    out = []
    for s in statements:
        item: dict[str, Any] = {"Effect": s.get("effect", "Allow")}
        if s.get("sid"):
            item["Sid"] = s["sid"]
        for key, field in (("actions", "Action"), ("not_actions", "NotAction")):
            if s.get(key):
                item[field] = sorted(s[key])
        for key, field in (("resources", "Resource"), ("not_resources", "NotResource")):
            if s.get(key):
                item[field] = sorted(s[key])
        for p in s.get("principals", []):
            item.setdefault("Principal", {})[p["type"]] = p["identifiers"]
        for c in s.get("condition", []):
            item.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = c["values"]
        out.append(item)
    return {"Version": "2012-10-17", "Statement": out}


# --- evaluation ------------------------------------------------------------------------


def _glob(pattern: str, value: str, case: bool) -> bool:
    if not case:
        pattern, value = pattern.lower(), value.lower()
    # IAM wildcards: * and ?; fnmatch's [] classes do not exist in IAM, so escape them.
    pattern = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(value, pattern)


def _condition_holds(test: str, key: str, values: list[str], context: dict[str, Any]) -> bool:
    if test == "Null":  # "true": the key is absent from the request; "false": present
        return (key not in context) == (values[0].lower() == "true")
    if key not in context:
        return False
    actual = context[key]
    actual_values = actual if isinstance(actual, list) else [actual]
    for a in actual_values:
        a = str(a)
        if test in ("StringEquals", "ArnEquals") and a in values:
            return True
        if test in ("StringLike", "ArnLike") and any(_glob(v, a, True) for v in values):
            return True
        if test == "Bool" and a.lower() in [v.lower() for v in values]:
            return True
        if test == "NumericLessThan" and any(float(a) < float(v) for v in values):
            return True
    return False


def _matches(statement: dict[str, Any], action: str, resource: str, context: dict) -> bool:
    if "Action" in statement and not any(_glob(a, action, False) for a in statement["Action"]):
        return False
    if "NotAction" in statement and any(_glob(a, action, False) for a in statement["NotAction"]):
        return False
    if "Resource" in statement and not any(_glob(r, resource, True) for r in statement["Resource"]):
        return False
    for test, pairs in statement.get("Condition", {}).items():
        for key, values in pairs.items():
            if not _condition_holds(test, key, values, context):
                return False
    return True


def allowed(
    policies: list[dict[str, Any] | None],
    action: str,
    resource: str,
    context: dict[str, Any] | None = None,
) -> bool:
    """Identity-policy evaluation: some Allow matches and no Deny does."""
    context = context or {}
    statements = [s for p in policies if p for s in p["Statement"]]
    if any(s["Effect"] == "Deny" and _matches(s, action, resource, context) for s in statements):
        return False
    return any(
        s["Effect"] == "Allow" and _matches(s, action, resource, context) for s in statements
    )
