"""The one exception a build step raises to stop the build with a given exit code."""

from __future__ import annotations


class BuildFailure(Exception):
    """Stops the build; `exit_code` is one of `services.core.build_protocol.EXIT_*`."""

    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.message = message
