"""Check parsed resource and data blocks against the AWS provider schema extract."""

from __future__ import annotations

from typing import Any

from tests.terraform.tfconfig import META_ARGUMENTS

Schema = dict[str, Any]


def _is_block_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value) and bool(value)


def check_body(where: str, body: dict[str, Any], schema: Schema, top: bool) -> list[str]:
    """Problems of one block body: unknown names, missing required arguments and blocks."""
    problems: list[str] = []
    arguments = set(schema.get("required", [])) | set(schema.get("optional", []))
    blocks: dict[str, Schema] = schema.get("blocks", {})
    present: set[str] = set()
    for key, value in body.items():
        if top and key in META_ARGUMENTS:
            continue
        if key == "dynamic":
            for dynamic in value:
                for name, spec in dynamic.items():
                    present.add(name)
                    if name not in blocks:
                        problems.append(f"{where}: dynamic block {name!r} is not a block")
                        continue
                    for content in spec.get("content", []):
                        problems += check_body(f"{where}.{name}", content, blocks[name], False)
            continue
        present.add(key)
        if key in blocks and _is_block_list(value):
            for item in value:
                problems += check_body(f"{where}.{key}", item, blocks[key], False)
        elif key in blocks:
            # Attribute syntax for a nested attribute (e.g. `x = {…}` or an expression).
            continue
        elif key not in arguments:
            problems.append(f"{where}: unknown argument or block {key!r}")
    for name in schema.get("required", []):
        if name not in present:
            problems.append(f"{where}: required argument {name!r} is not set")
    for name, block in blocks.items():
        if block.get("min") and name not in present:
            problems.append(f"{where}: required block {name!r} is missing")
    return problems


def check_block(
    kind: str, rtype: str, name: str, body: dict[str, Any], schema: Schema
) -> list[str]:
    section = schema["resource" if kind == "resource" else "data"]
    label = f"{'data.' if kind == 'data' else ''}{rtype}.{name}"
    if rtype not in section:
        return [f"{label}: {kind} type {rtype!r} does not exist in the AWS provider"]
    return check_body(label, body, section[rtype], True)
