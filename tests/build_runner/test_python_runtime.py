"""Which Python a Python site generator builds with: asked for, found among real binaries."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from build_runner.buildenv import build_environment
from build_runner.errors import BuildFailure
from build_runner.python_runtime import (
    Interpreter,
    choose_python,
    interpreters,
    requested_python,
    without_shims,
)

REAL = Path(os.path.realpath("/usr/bin/python3"))


def test_the_variable_wins_then_python_version_then_runtime_txt(tmp_path: Path) -> None:
    (tmp_path / "runtime.txt").write_text("python-3.10.4\n")
    assert requested_python(tmp_path, tmp_path, {}) == ("python-3.10.4", "runtime.txt")
    (tmp_path / ".python-version").write_text("3.12\n# pyenv allows comments after\n")
    assert requested_python(tmp_path, tmp_path, {}) == ("3.12", ".python-version")
    assert requested_python(tmp_path, tmp_path, {"PYTHON_VERSION": "3.11"}) == (
        "3.11",
        "the PYTHON_VERSION variable",
    )


def test_a_version_file_that_leaves_the_checkout_is_not_read(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (tmp_path / "secret").write_text("3.99\n")
    (checkout / ".python-version").symlink_to(tmp_path / "secret")
    with pytest.raises(BuildFailure, match=r"^\.python-version: .*leaves the repository"):
        requested_python(checkout, checkout, {})


def test_interpreters_are_real_binaries_never_shims(tmp_path: Path) -> None:
    shims = tmp_path / ".pyenv" / "shims"
    shims.mkdir(parents=True)
    (shims / "python3.99").write_text('#!/bin/sh\nexec pyenv exec python3.99 "$@"\n')
    (shims / "python3.99").chmod(0o755)
    linked = tmp_path / "bin"
    linked.mkdir()
    (linked / "python3.98").symlink_to(REAL)
    found = interpreters(f"{shims}:{linked}", usable=lambda path: True)
    assert all(i.path == Path(os.path.realpath(i.path)) for i in found)
    assert (3, 99) not in [i.version for i in found]
    assert Interpreter((3, 98), REAL) in found
    assert interpreters(str(linked), usable=lambda path: False) == []


def test_shim_directories_never_reach_a_build(tmp_path: Path) -> None:
    path = "/root/.pyenv/shims:/root/.volta/bin:/home/u/.asdf/shims:/usr/local/bin:/usr/bin"
    assert without_shims(path) == "/usr/local/bin:/usr/bin"
    env = build_environment(
        {"PATH": path},
        home=tmp_path,
        cache_dir=tmp_path / "cache",
        project_env={},
        commit_sha="0" * 40,
        ref="main",
    )
    # Only the prepared package managers (a source checkout's .tools) may come first.
    assert env["PATH"].split(":")[-2:] == ["/usr/local/bin", "/usr/bin"]
    assert "shims" not in env["PATH"]
    assert ".volta" not in env["PATH"]


AVAILABLE = [Interpreter((3, 11), Path("/usr/bin/python3.11")), Interpreter((3, 12), Path("/x"))]


@pytest.mark.parametrize(
    ("request_", "chosen"),
    [
        pytest.param(None, (3, 12), id="newest-by-default"),
        pytest.param(("3.11", ".python-version"), (3, 11), id="minor"),
        pytest.param(("3.11.7", ".python-version"), (3, 11), id="patch-ignored"),
        pytest.param(("python-3.11.2", "runtime.txt"), (3, 11), id="netlify-form"),
    ],
)
def test_choices(request_: tuple[str, str] | None, chosen: tuple[int, int]) -> None:
    assert choose_python(request_, AVAILABLE).version == chosen


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        pytest.param(
            ("3.8", ".python-version"),
            "the project asks for Python 3.8 (.python-version) but this builder has 3.11, "
            "3.12: change it to one of those",
            id="missing",
        ),
        pytest.param(
            ("pypy3.10", ".python-version"),
            "cannot read the Python version 'pypy3.10' (.python-version): write a version "
            "such as 3.12",
            id="unreadable",
        ),
    ],
)
def test_what_cannot_be_met_is_one_sentence(request_: tuple[str, str], message: str) -> None:
    with pytest.raises(BuildFailure) as failed:
        choose_python(request_, AVAILABLE)
    assert failed.value.message == message


def test_no_python_at_all_names_the_fix() -> None:
    with pytest.raises(BuildFailure, match="install python3 \\(with its venv module\\)"):
        choose_python(None, [])
