"""Exit codes of `slipway` and the one error type its commands raise."""

from __future__ import annotations

EXIT_FAILED = 1  # the deployment failed or was canceled; an unexpected error
EXIT_USAGE = 2  # bad arguments, or input the API rejected as invalid
EXIT_UNREACHABLE = 3  # the API could not be reached
EXIT_AUTH = 4  # no token, or the API refused it
EXIT_NOT_FOUND = 5  # no such project, deployment, variable or domain
EXIT_CONFLICT = 6  # the request conflicts with the current state (already final, not ready)
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A known failure: shown as one line (and a hint), never as a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.hint = hint
