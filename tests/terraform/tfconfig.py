"""Load the Terraform code as data (python-hcl2) and find what its expressions reference."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "terraform"
MODULES = TERRAFORM / "modules"
STACK = TERRAFORM / "stacks" / "platform"
SCHEMA = TERRAFORM / "tools" / "aws-provider-schema.json.gz"
TOOLS = ROOT / ".tools"

META_ARGUMENTS = {"count", "for_each", "depends_on", "provider", "providers", "lifecycle"}
MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}

Ref = tuple[str, ...]


@dataclass
class Config:
    """One Terraform module directory (a reusable module or the stack)."""

    path: Path
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    blocks_by_file: dict[str, set[str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.relative_to(TERRAFORM).as_posix()


def parse_file(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return hcl2.load(handle)


def load(path: Path) -> Config:
    config = Config(path)
    for tf in sorted(path.glob("*.tf")):
        parsed = parse_file(tf)
        config.files[tf.name] = parsed
        config.blocks_by_file[tf.name] = set(parsed)
        for item in parsed.get("variable", []):
            config.variables.update(item)
        for item in parsed.get("output", []):
            config.outputs.update(item)
        for item in parsed.get("locals", []):
            config.locals.update(item)
        for item in parsed.get("module", []):
            config.modules.update(item)
        for kind, target in (("resource", config.resources), ("data", config.data)):
            for item in parsed.get(kind, []):
                for rtype, named in item.items():
                    for rname, body in named.items():
                        target[(rtype, rname)] = body
    return config


@cache
def load_cached(path: Path) -> Config:
    return load(path)


def module_dirs() -> list[Path]:
    return sorted(p for p in MODULES.iterdir() if p.is_dir())


def all_configs() -> list[Config]:
    return [load_cached(p) for p in [*module_dirs(), STACK]]


def tf_files() -> list[Path]:
    return sorted(TERRAFORM.rglob("*.tf"))


# --- expressions -----------------------------------------------------------------------


def strings(value: Any) -> Iterator[str]:
    """Every string inside a parsed value (keys of blocks excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def expressions(text: str) -> Iterator[str]:
    """The `${...}` parts of a template string, braces balanced."""
    start = text.find("${")
    while start != -1:
        depth, i = 0, start + 1
        while i < len(text):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        yield text[start + 2 : i]
        start = text.find("${", i)


_DATA = re.compile(r"(?<![\w.])data\.([a-z][a-z0-9_]*)\.([a-z_][a-z0-9_-]*)")
_VAR = re.compile(r"(?<![\w.])var\.([a-z_][a-z0-9_]*)")
_LOCAL = re.compile(r"(?<![\w.])local\.([a-z_][a-z0-9_]*)")
_MODULE = re.compile(r"(?<![\w.])module\.([a-z_][a-z0-9_]*)(?:\[[^\]]*\])?\.([a-z_][a-z0-9_]*)")
_MODULE_SPLAT = re.compile(r"(?<![\w.])module\.([a-z_][a-z0-9_]*)\[\*\]\.([a-z_][a-z0-9_]*)")
_RESOURCE = re.compile(r"(?<![\w.])(aws_[a-z0-9_]+)\.([a-z_][a-z0-9_-]*)")


def references(value: Any) -> set[Ref]:
    """References made by the expressions in a parsed value.

    ("var", name), ("local", name), ("module", call, output), ("data", type, name),
    ("resource", type, name).
    """
    found: set[Ref] = set()
    for text in strings(value):
        for expr in expressions(text):
            without_data = _DATA.sub(" ", expr)
            found.update(("data", t, n) for t, n in _DATA.findall(expr))
            found.update(("var", n) for n in _VAR.findall(expr))
            found.update(("local", n) for n in _LOCAL.findall(expr))
            found.update(("module", m, o) for m, o in _MODULE.findall(expr))
            found.update(("module", m, o) for m, o in _MODULE_SPLAT.findall(expr))
            found.update(("resource", t, n) for t, n in _RESOURCE.findall(without_data))
    return found


def config_references(config: Config) -> set[Ref]:
    found: set[Ref] = set()
    for parsed in config.files.values():
        for kind in ("resource", "data", "module", "output", "locals", "provider"):
            found |= references(parsed.get(kind, []))
        for item in parsed.get("variable", []):  # validations refer to their own variable
            found |= references(item)
    return found


def module_source(config: Config, call: str) -> Path:
    return (config.path / config.modules[call]["source"]).resolve()


# --- tools -----------------------------------------------------------------------------


def terraform_binary() -> str:
    """terraform from PATH, else the launcher `make terraform-tools` writes into .tools/bin."""
    found = shutil.which("terraform") or shutil.which("terraform", path=str(TOOLS / "bin"))
    if not found:
        raise AssertionError("no terraform binary: run `make terraform-tools` first")
    return found


def checkov_binary() -> str:
    found = TOOLS / "checkov" / "bin" / "checkov"
    if not found.exists():
        raise AssertionError("no checkov in .tools/checkov: run `make terraform-tools` first")
    return str(found)


def tool_env() -> dict[str, str]:
    """Environment for Terraform runs: no user CLI config, no telemetry, no input."""
    env = dict(os.environ)
    env.update(
        TF_CLI_CONFIG_FILE=os.devnull,
        CHECKPOINT_DISABLE="1",
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
    )
    return env


@cache
def aws_schema() -> dict[str, Any]:
    with gzip.open(SCHEMA, "rt") as handle:
        return json.load(handle)


def version_satisfies(version: str, constraint: str) -> bool:
    """Whether a version meets a Terraform constraint made of `>=`, `>`, `<=`, `<`, `=` terms."""

    def parts(text: str) -> tuple[int, ...]:
        numbers = [int(p) for p in text.split(".")]
        return tuple(numbers + [0] * (3 - len(numbers)))

    compare = {
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<=": lambda a, b: a <= b,
        "<": lambda a, b: a < b,
        "=": lambda a, b: a == b,
    }
    for term in constraint.split(","):
        op, _, bound = term.strip().partition(" ")
        if op not in compare:
            raise ValueError(f"unsupported constraint term {term.strip()!r}")
        if not compare[op](parts(version), parts(bound.strip())):
            return False
    return True
