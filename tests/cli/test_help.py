"""`--version`, and help that names arguments the way people type them, not Python types."""

from __future__ import annotations

import re
from importlib.metadata import version
from typing import Any

import pytest
import typer

from scripts.cli.main import app, main

PYTHON_TYPES = re.compile(r"<\w+(\[\w+\])?>|\b(TEXT|INTEGER|BOOLEAN|FLOAT|str|int|list\[)\b")


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += command_paths(sub, (*prefix, name))
    return paths


ALL_COMMANDS = command_paths(typer.main.get_command(app))


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"slipway {version('slipway')}\n"


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "slipway")
def test_help_shows_no_python_types(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"Usage: {' '.join(('slipway', *path))}")
    assert PYTHON_TYPES.search(shown) is None, shown
    assert "{" not in shown.splitlines()[0]


def test_a_commands_arguments_read_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["domains", "add", "--help"]) == 0
    shown = capsys.readouterr().out
    assert shown.splitlines()[0] == "Usage: slipway domains add [OPTIONS] PROJECT HOST..."
    assert "  PROJECT  Project name.  [required]" in shown
