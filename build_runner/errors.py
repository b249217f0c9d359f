"""The one exception a build step raises to stop the build with a given exit code."""

from __future__ import annotations

from services.core.build_failure import FailureSummary
from services.core.build_protocol import reason_for_exit


class BuildFailure(Exception):
    """Stops the build; `exit_code` is one of `services.core.build_protocol.EXIT_*`.

    A failed command also says which command it was, its own exit code, the lines of its
    output that name the cause, and a hint when that output shows one.
    """

    def __init__(
        self,
        exit_code: int,
        message: str,
        *,
        command: str | None = None,
        command_exit: int | None = None,
        errors: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.message = message
        self.command = command
        self.command_exit = command_exit
        self.errors = errors or []
        self.hint = hint

    def summary(self) -> FailureSummary:
        return FailureSummary(
            step=reason_for_exit(self.exit_code),
            message=self.message,
            command=self.command,
            exit_code=self.command_exit,
            errors=self.errors,
            hint=self.hint,
        )
