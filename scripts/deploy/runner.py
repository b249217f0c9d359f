"""The one place external commands run: argv lists, logged with secrets redacted.

Pure functions elsewhere build `Command` values; `Runner.run` executes them (never through a
shell). AWS API calls and Terraform calls are announced through the same runner, so
`--dry-run` prints every command and every call that would change something, and skips it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from scripts.deploy.errors import CommandFailed, PrerequisiteError

REDACTED = "****"
# How much of a failed command's output is shown with its error.
FAILURE_TAIL_LINES = 40


@dataclass(frozen=True)
class Command:
    """One external command as data. `stdin` is sent to the process and never logged."""

    argv: tuple[str, ...]
    stdin: str | None = None
    cwd: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    # Stream output to the terminal (long builds) instead of capturing it.
    stream: bool = False

    def display(self) -> str:
        return shlex.join(self.argv)


def format_call(service: str, operation: str, params: Mapping[str, object]) -> str:
    shown = ", ".join(f"{key}={value!r}" for key, value in params.items())
    return f"{service}.{operation}({shown})"


class Runner:
    """Executes commands and announces API calls; with `dry_run` it only prints them."""

    def __init__(self, *, dry_run: bool = False, out: TextIO | None = None) -> None:
        self.dry_run = dry_run
        self._out = out
        self._secrets: set[str] = set()

    @property
    def out(self) -> TextIO:
        return self._out if self._out is not None else sys.stderr

    def add_secret(self, value: str) -> None:
        if value:
            self._secrets.add(value)

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def say(self, text: str) -> None:
        print(self.redact(text), file=self.out, flush=True)

    def announce(self, text: str) -> bool:
        """Log an action; answer whether to perform it (False in a dry run)."""
        prefix = "would run: " if self.dry_run else "$ "
        self.say(prefix + text)
        return not self.dry_run

    def api(self, service: str, operation: str, params: Mapping[str, object]) -> bool:
        """Log an AWS API call that changes something; answer whether to make it."""
        prefix = "would call: " if self.dry_run else "call: "
        self.say(prefix + format_call(service, operation, params))
        return not self.dry_run

    def read(self, command: Command) -> str:
        """Run a command that changes nothing (git rev-parse): it runs in a dry run too."""
        self.say(f"$ {command.display()}")
        return self.execute(command)

    def run(self, command: Command) -> str:
        """Run `command`; answer its stdout ('' in a dry run or when streamed)."""
        if not self.announce(command.display()):
            return ""
        return self.execute(command)

    def execute(self, command: Command) -> str:
        env = {**os.environ, **command.env} if command.env else None
        capture = not command.stream
        try:
            result = subprocess.run(
                list(command.argv),
                input=command.stdin,
                cwd=command.cwd,
                env=env,
                text=True,
                capture_output=capture,
                check=False,
            )
        except FileNotFoundError:
            raise PrerequisiteError(
                f"{command.argv[0]} is not installed or not on PATH",
                hint="see docs/operators.md, 'What you need'",
            ) from None
        if result.returncode != 0:
            output = "\n".join(p.rstrip("\n") for p in (result.stdout, result.stderr) if p)
            tail = "\n".join(output.splitlines()[-FAILURE_TAIL_LINES:])
            raise CommandFailed(
                f"{command.argv[0]} {_subcommand(command.argv)}failed with exit code "
                f"{result.returncode}",
                details=self.redact(tail),
            )
        return result.stdout or ""


def _subcommand(argv: Sequence[str]) -> str:
    words = [word for word in argv[1:3] if not word.startswith("-")]
    return " ".join(words) + " " if words else ""
