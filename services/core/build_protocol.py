"""What the dispatcher and the build runner agree on: exit codes, failure reasons, cache prefixes.

The inputs are one type of their own: `services.core.runner_inputs.RunnerInputs`.
"""

from __future__ import annotations

from typing import Final, Literal

Reason = Literal[
    "clone", "install", "build", "output", "publish", "timeout", "internal", "canceled", "skipped"
]

# Exit code of `python -m build_runner` → the deployment's reason. 0 is success.
EXIT_CLONE: Final = 10
EXIT_INSTALL: Final = 11
EXIT_BUILD: Final = 12
EXIT_OUTPUT: Final = 13
EXIT_PUBLISH: Final = 14
EXIT_TIMEOUT: Final = 15
EXIT_SKIPPED: Final = 16
EXIT_INTERNAL: Final = 1

EXIT_REASONS: Final[dict[int, Reason]] = {
    EXIT_CLONE: "clone",
    EXIT_INSTALL: "install",
    EXIT_BUILD: "build",
    EXIT_OUTPUT: "output",
    EXIT_PUBLISH: "publish",
    EXIT_TIMEOUT: "timeout",
    EXIT_SKIPPED: "skipped",
    EXIT_INTERNAL: "internal",
}


def reason_for_exit(code: int) -> Reason:
    return EXIT_REASONS.get(code, "internal")


def cache_prefix(project: str, context: str | None) -> str:
    """Where a build's package cache lives: one prefix per project and trust level.

    Production builds (`context == "production"`) keep `cache/<project>/production/`; every
    other context, and a build not told its context, `cache/<project>/preview/`. The runner
    reads and writes there, and on ECS the api scopes each build's credentials to it.
    """
    return f"cache/{project}/{trust_level(context)}/"


def trust_level(context: str | None) -> str:
    """`production` only when the api said so; anything else is treated as a preview."""
    return "production" if context == "production" else "preview"
