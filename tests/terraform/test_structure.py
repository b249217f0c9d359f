"""Every module is the same four files plus a README, and the wiring between them holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.terraform.tfconfig import (
    MODULE_META,
    STACK,
    TERRAFORM,
    Config,
    all_configs,
    config_references,
    load_cached,
    module_dirs,
    module_source,
    parse_file,
    references,
    tf_files,
)

REQUIRED_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")

CONFIGS = {c.name: c for c in all_configs()}
CONFIG_IDS = sorted(CONFIGS)


def by_name(name: str) -> Config:
    return CONFIGS[name]


@pytest.mark.parametrize("path", tf_files(), ids=lambda p: p.relative_to(TERRAFORM).as_posix())
def test_every_tf_file_parses(path: Path) -> None:
    assert isinstance(parse_file(path), dict)


def test_there_are_modules_for_each_concern() -> None:
    names = {p.name for p in module_dirs()}
    expected = {
        "network", "artifacts", "registry", "cluster", "service", "builder",
        "edge", "dns", "database", "secrets", "task_roles", "logs", "alarms",
    }  # fmt: skip
    assert expected <= names


@pytest.mark.parametrize("name", CONFIG_IDS)
def test_module_has_the_standard_files(name: str) -> None:
    config = by_name(name)
    missing = [f for f in REQUIRED_FILES if not (config.path / f).is_file()]
    assert not missing, f"{name} lacks {missing}"


@pytest.mark.parametrize("name", CONFIG_IDS)
def test_blocks_live_in_their_files(name: str) -> None:
    config = by_name(name)
    for filename, kinds in config.blocks_by_file.items():
        if "variable" in kinds:
            assert filename == "variables.tf", f"{name}/{filename} declares variables"
        if "output" in kinds:
            assert filename == "outputs.tf", f"{name}/{filename} declares outputs"
        if "terraform" in kinds:
            assert filename == "versions.tf", f"{name}/{filename} has a terraform block"


@pytest.mark.parametrize("name", [n for n in CONFIG_IDS if n.startswith("modules/")])
def test_modules_declare_no_provider_or_backend(name: str) -> None:
    config = by_name(name)
    for filename, parsed in config.files.items():
        assert "provider" not in parsed, f"{name}/{filename} configures a provider"
        for block in parsed.get("terraform", []):
            assert "backend" not in block, f"{name}/{filename} configures a backend"


def test_stack_has_partial_s3_backend_and_one_provider() -> None:
    versions = by_name("stacks/platform").files["versions.tf"]
    (terraform,) = versions["terraform"]
    assert terraform["backend"] == [{"s3": {}}], "backend must be a partial s3 configuration"
    assert [next(iter(p)) for p in versions["provider"]] == ["aws"]


@pytest.mark.parametrize("name", CONFIG_IDS)
def test_variables_have_description_and_type(name: str) -> None:
    config = by_name(name)
    for var, body in config.variables.items():
        assert str(body.get("description", "")).strip(), f"{name}: var.{var} has no description"
        assert "type" in body, f"{name}: var.{var} has no type"
        assert "any" not in str(body["type"]), f"{name}: var.{var} is typed `any`"
        for validation in body.get("validation", []):
            assert validation.get("error_message"), f"{name}: var.{var} validation unexplained"


@pytest.mark.parametrize("name", CONFIG_IDS)
def test_outputs_have_descriptions(name: str) -> None:
    config = by_name(name)
    for out, body in config.outputs.items():
        assert str(body.get("description", "")).strip(), f"{name}: output {out} undescribed"


@pytest.mark.parametrize("name", CONFIG_IDS)
def test_references_resolve(name: str) -> None:
    config = by_name(name)
    problems = []
    for ref in sorted(config_references(config)):
        kind = ref[0]
        if kind == "var" and ref[1] not in config.variables:
            problems.append(f"var.{ref[1]} is not declared")
        elif kind == "local" and ref[1] not in config.locals:
            problems.append(f"local.{ref[1]} is not defined")
        elif kind == "data" and (ref[1], ref[2]) not in config.data:
            problems.append(f"data.{ref[1]}.{ref[2]} does not exist")
        elif kind == "resource" and (ref[1], ref[2]) not in config.resources:
            problems.append(f"{ref[1]}.{ref[2]} does not exist")
        elif kind == "module":
            if ref[1] not in config.modules:
                problems.append(f"module.{ref[1]} is not called")
            elif ref[2] not in load_cached(module_source(config, ref[1])).outputs:
                problems.append(f"module.{ref[1]}.{ref[2]} is not an output of that module")
    assert not problems, f"{name}: " + "; ".join(problems)


@pytest.mark.parametrize("name", CONFIG_IDS)
def test_every_variable_is_used(name: str) -> None:
    config = by_name(name)
    used: set[str] = set()
    for parsed in config.files.values():
        for kind in ("resource", "data", "module", "output", "locals", "provider"):
            used |= {ref[1] for ref in references(parsed.get(kind, [])) if ref[0] == "var"}
    unused = set(config.variables) - used
    assert not unused, f"{name}: variables declared but never used: {sorted(unused)}"


def module_calls() -> list[tuple[str, str]]:
    return [(c.name, call) for c in all_configs() for call in sorted(c.modules)]


@pytest.mark.parametrize(("name", "call"), module_calls(), ids=lambda v: v)
def test_module_call_matches_module_variables(name: str, call: str) -> None:
    config = by_name(name)
    target = load_cached(module_source(config, call))
    args = {k for k in config.modules[call] if k not in MODULE_META}
    unknown = args - set(target.variables)
    required = {v for v, body in target.variables.items() if "default" not in body}
    missing = required - args
    assert not unknown, f"module.{call} passes unknown variables {sorted(unknown)}"
    assert not missing, f"module.{call} misses required variables {sorted(missing)}"


def test_every_module_is_used_by_the_stack() -> None:
    """Directly or through a module the stack calls (task_definition, by service and builder)."""
    used: set[Path] = set()
    calling = [load_cached(STACK)]
    while calling:
        config = calling.pop()
        for call in config.modules:
            source = module_source(config, call)
            if source not in used:
                used.add(source)
                calling.append(load_cached(source))
    assert {p.name for p in used} == {p.name for p in module_dirs()}
