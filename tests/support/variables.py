"""Build variables of an exact size, for tests of the limits."""

from __future__ import annotations

from services.core.build_variables import MAX_VALUE_BYTES, entry_bytes


def variables_of_total(total: int, prefix: str = "V") -> dict[str, str]:
    """Variables whose `NAME=value` sizes add up to exactly `total` bytes, each value its own."""
    variables: dict[str, str] = {}
    left, n = total, 0
    while left:
        name = f"{prefix}{n:03d}"
        size = min(MAX_VALUE_BYTES, left - len(name) - 1)
        variables[name] = (f"{name}-" * size)[:size]
        left -= entry_bytes(name, variables[name])
        n += 1
    return variables
