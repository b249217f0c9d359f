"""Whether a command and its environment fit what Linux lets one execve carry.

The kernel refuses ("Argument list too long") one string, argument or `NAME=value`, of
128 KiB or more, and arguments and environment together past `ARG_MAX` (a quarter of the
stack limit, 2 MiB by default), each string counted with its NUL and its pointer. The api
bounds a project's own variables well below this (`services.core.build_variables`), but a
repository's netlify.toml can add more: a build that would not fit fails here, naming the
variable, instead of every command failing to start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from build_runner.errors import BuildFailure
from services.core.build_protocol import EXIT_BUILD

MAX_STRING_BYTES = 128 * 1024  # the kernel's MAX_ARG_STRLEN, NUL included
_POINTER_BYTES = 8


class CannotStart(BuildFailure):
    """The command cannot be executed as it stands; the step that ran it names the failure."""

    def __init__(self, reason: str) -> None:
        super().__init__(EXIT_BUILD, reason)


def exec_budget() -> int:
    """What one command may carry: half of ARG_MAX, the other half left for what the build's
    tools add to the environment of the commands they start in turn."""
    return os.sysconf("SC_ARG_MAX") // 2


def check_fits(argv: Sequence[str], env: Mapping[str, str], budget: int | None = None) -> None:
    """Raise CannotStart when `argv` with `env` could not be executed."""
    strings = [(f"argument {arg[:40]!r}", arg) for arg in argv]
    strings += [(f"variable {name}", f"{name}={value}") for name, value in env.items()]
    total = 0
    for what, text in strings:
        size = len(text.encode(errors="surrogateescape")) + 1
        if size > MAX_STRING_BYTES:
            raise CannotStart(
                f"the {what} takes {size} bytes; a command's one argument or variable "
                f"holds less than {MAX_STRING_BYTES // 1024} KiB"
            )
        total += size + _POINTER_BYTES
    limit = exec_budget() if budget is None else budget
    if total > limit:
        largest = max(env, key=lambda name: len(env[name]), default="")
        raise CannotStart(
            f"the command and its environment take {total} bytes, past the {limit} a build "
            f"command may carry (the largest variable is {largest})"
        )
