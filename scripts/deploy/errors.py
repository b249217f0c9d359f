"""The errors the deploy tooling knows how to explain in one line."""

from __future__ import annotations


class DeployError(Exception):
    """A failure the operator can act on: printed as one line, with an optional hint."""

    def __init__(self, message: str, *, hint: str = "", details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # Longer text shown before the one-line message (for example Terraform's own error).
        self.details = details

    def line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(DeployError):
    """The environment file is missing or invalid."""


class PrerequisiteError(DeployError):
    """Something the command needs is missing: credentials, a tool, a plan file."""


class CommandFailed(DeployError):
    """An external command (terraform, docker) exited non-zero."""


class RolloutError(DeployError):
    """ECS did not reach the release, or the health check failed."""
