"""What a starter does to its project after the generator: the post-generation steps.

Each step says in one line what it does (`describe`), so the table of starters reads as the
steps a developer would take by hand after running the generator.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scripts.prompt_defaults import Answers, run_with_default_answers

COMMAND_SECONDS = 900  # the slowest generator or step, an install, within this


def run_command(
    argv: tuple[str, ...], cwd: Path, env: Mapping[str, str], asks: bool, answers: Answers = ()
) -> None:
    if asks:
        run_with_default_answers(argv, cwd, env, COMMAND_SECONDS, answers)
    else:
        subprocess.run(
            argv,
            cwd=cwd,
            env=dict(env),
            check=True,
            stdin=subprocess.DEVNULL,
            timeout=COMMAND_SECONDS,
        )


class Step(Protocol):
    def describe(self) -> str: ...

    def apply(self, app: Path, env: Mapping[str, str]) -> None: ...


@dataclass(frozen=True)
class Run:
    """A command run in the project; `asks`: it has no non-interactive form and only asks
    on a terminal, so each question is answered with its default."""

    argv: tuple[str, ...]
    asks: bool = False
    answers: Answers = ()  # the questions whose default would not do (prompt_defaults.py)

    def describe(self) -> str:
        answered = ", every question answered with its default" if self.asks else ""
        return "`" + " ".join(self.argv) + "`" + answered

    def apply(self, app: Path, env: Mapping[str, str]) -> None:
        run_command(self.argv, app, env, self.asks, self.answers)


@dataclass(frozen=True)
class Write:
    """A file written whole (a new one, or one the generator's output lacks)."""

    path: str
    text: str
    why: str = ""

    def describe(self) -> str:
        return f"write {self.path}" + (f": {self.why}" if self.why else "")

    def apply(self, app: Path, env: Mapping[str, str]) -> None:
        target = app / self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.text)


@dataclass(frozen=True)
class Edit:
    """A change to a generated file; `old` must be there exactly once, so a generator that
    changes its output fails here instead of building something else."""

    path: str
    old: str
    new: str
    why: str

    def describe(self) -> str:
        return f"in {self.path}: {self.why}"

    def apply(self, app: Path, env: Mapping[str, str]) -> None:
        target = app / self.path
        text = target.read_text()
        if text.count(self.old) != 1:
            raise RuntimeError(f"{self.path} no longer holds {self.old!r} once: {self.why}")
        target.write_text(text.replace(self.old, self.new))
