"""How much a project's build variables may hold: checked when they are set, so every build
can receive them.

Each command of a build gets the variables through its environment, and Linux caps one
execve at about 2 MiB of arguments and environment together (a quarter of the stack limit)
and one string (`NAME=value`) at 128 KiB. A total of 64 KiB for what one build receives (as
Vercel's) stays far inside both, leaving room for the runner's own variables and whatever
the build's tools add and pass on. Sizes are UTF-8 bytes of `NAME=value`.

On ECS the variables travel in RunTask's container overrides, which AWS caps at 8192
characters of JSON for all of a task's inputs, the runner's own and the build's storage
credentials included: there the variables may take at most 4096 of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

MAX_VARIABLES = 200
MAX_VALUE_BYTES = 32 * 1024
MAX_TOTAL_BYTES = 64 * 1024
ECS_OVERRIDES_MAX_CHARS = 8192
ECS_MAX_VARIABLE_CHARS = 4096
# What a shell accepts as a variable name; the runner's own inputs take the SLIPWAY_ prefix.
NAME_CHARS = r"[A-Za-z_][A-Za-z0-9_]*"
MAX_NAME_LENGTH = 128
RESERVED_PREFIX = "SLIPWAY_"


def is_variable_name(name: str) -> bool:
    # fullmatch: a pattern's `$` would also take a name ending in a newline.
    return len(name) <= MAX_NAME_LENGTH and re.fullmatch(NAME_CHARS, name) is not None


def is_reserved(name: str) -> bool:
    """Names the runner keeps for itself, in any case."""
    return name.upper().startswith(RESERVED_PREFIX)


def entry_bytes(name: str, value: str) -> int:
    """The size of `NAME=value` in an environment, without its terminating NUL."""
    return len(name.encode()) + 1 + len(value.encode())


def total_bytes(variables: Mapping[str, str]) -> int:
    return sum(entry_bytes(name, value) for name, value in variables.items())


def override_chars(environment: Mapping[str, str]) -> int:
    """The characters `environment` takes in ECS container overrides, as RunTask's JSON."""
    entries = [{"name": name, "value": value} for name, value in environment.items()]
    return len(json.dumps(entries, separators=(",", ":")))


def limit_problem(variables: Mapping[str, str], what: str, builder: str = "local") -> str | None:
    """Why `variables` (described as `what`) cannot all reach a build run by `builder`
    (`local` or `ecs`); None when they can."""
    for name, value in variables.items():
        if len(value.encode()) > MAX_VALUE_BYTES:
            return f"build variable {name} is longer than {MAX_VALUE_BYTES // 1024} KiB"
    if len(variables) > MAX_VARIABLES:
        return f"{what}: at most {MAX_VARIABLES} build variables"
    total = total_bytes(variables)
    if total > MAX_TOTAL_BYTES:
        return (
            f"{what} take {total} bytes as NAME=value; a build receives at most "
            f"{MAX_TOTAL_BYTES} bytes ({MAX_TOTAL_BYTES // 1024} KiB) of variables"
        )
    if builder == "ecs" and (chars := override_chars(variables)) > ECS_MAX_VARIABLE_CHARS:
        return (
            f"{what} take {chars} characters of ECS's task overrides; builds on ECS receive "
            f"at most {ECS_MAX_VARIABLE_CHARS} (AWS allows {ECS_OVERRIDES_MAX_CHARS} for all "
            "of a build's inputs)"
        )
    return None
