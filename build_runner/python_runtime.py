"""The Python a Python site generator (MkDocs, Sphinx) builds with, in an environment of its own.

The version comes from the project's `PYTHON_VERSION` variable, `.python-version` or
`runtime.txt` (`python-3.12.1`, Netlify's form); without one, the newest the builder has.
Interpreters are the builder's real binaries (`python3.N` in the system directories and on
PATH, links resolved), never a version manager's shim, whose target a sandbox cannot see.
Each build gets a fresh virtual environment outside its checkout, first on PATH, so `pip`,
`mkdocs` and `sphinx-build` are the project's own and nothing is installed on the builder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from build_runner.confined import Refused, Root
from build_runner.errors import BuildFailure
from services.core.build_protocol import EXIT_INSTALL

PYTHON_VERSION_VARIABLE = "PYTHON_VERSION"
VERSION_FILES = (".python-version", "runtime.txt")
MAX_VERSION_FILE_BYTES = 4096
SYSTEM_BIN_DIRS = ("/usr/local/bin", "/usr/bin")
_INTERPRETER = re.compile(r"python3\.(\d+)")
_REQUEST = re.compile(r"(?:python-)?3\.(\d+)(?:\.\d+)?")

MinorVersion = tuple[int, int]


@dataclass(frozen=True)
class Interpreter:
    version: MinorVersion
    path: Path

    def describe(self) -> str:
        return f"Python {self.version[0]}.{self.version[1]} ({self.path})"

    @property
    def prefix(self) -> Path:
        """Where its standard library lives beside its `bin` (for the sandbox to mount)."""
        return self.path.parent.parent


def is_version_manager_shim_dir(entry: str) -> bool:
    """pyenv, rbenv, asdf and mise keep shims in `…/shims`, volta in `~/.volta/bin`: each
    runs a manager that a sandbox does not have, so such a directory never reaches a build."""
    path = Path(entry)
    return path.name == "shims" or path.parts[-2:] == (".volta", "bin")


def without_shims(path_value: str) -> str:
    return ":".join(e for e in path_value.split(":") if e and not is_version_manager_shim_dir(e))


def requested_python(
    project_dir: Path, checkout: Path, project_env: Mapping[str, str]
) -> tuple[str, str] | None:
    """(version, where it came from), or None when the project does not say."""
    setting = project_env.get(PYTHON_VERSION_VARIABLE, "").strip()
    if setting:
        return setting, f"the {PYTHON_VERSION_VARIABLE} variable"
    for filename in VERSION_FILES:
        try:
            with Root(checkout, "repository") as repo:
                data = repo.read(filename, MAX_VERSION_FILE_BYTES, repo.parts_of(project_dir))
        except Refused as exc:
            raise BuildFailure(EXIT_INSTALL, f"{filename}: {exc}") from None
        lines = (data or b"")[:MAX_VERSION_FILE_BYTES].decode(errors="replace").split()
        if lines:
            return lines[0], filename
    return None


def interpreters(path_value: str, usable: Callable[[Path], bool]) -> list[Interpreter]:
    """The builder's real `python3.N` binaries that `usable` accepts, one per version."""
    found: dict[MinorVersion, Interpreter] = {}
    for directory in (*SYSTEM_BIN_DIRS, *without_shims(path_value).split(":")):
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            match = _INTERPRETER.fullmatch(name)
            if not match:
                continue
            real = Path(os.path.realpath(os.path.join(directory, name)))
            version = (3, int(match[1]))
            if version in found or not os.access(real, os.X_OK) or not usable(real):
                continue
            found[version] = Interpreter(version, real)
    return sorted(found.values(), key=lambda i: i.version)


def choose_python(request: tuple[str, str] | None, available: list[Interpreter]) -> Interpreter:
    if not available:
        raise BuildFailure(
            EXIT_INSTALL,
            "this project builds with Python but this builder has no python3: "
            "install python3 (with its venv module) on the builder",
        )
    have = ", ".join(f"{i.version[0]}.{i.version[1]}" for i in available)
    if request is None:
        return available[-1]
    spec, source = request
    match = _REQUEST.fullmatch(spec)
    if match is None:
        raise BuildFailure(
            EXIT_INSTALL,
            f"cannot read the Python version {spec!r} ({source}): write a version such as "
            f"{have.split(', ')[-1]}",
        )
    wanted = (3, int(match[1]))
    for interpreter in available:
        if interpreter.version == wanted:
            return interpreter
    raise BuildFailure(
        EXIT_INSTALL,
        f"the project asks for Python 3.{wanted[1]} ({source}) but this builder has {have}: "
        f"change it to one of those",
    )


def python_env_command(python: Interpreter, venv: Path) -> list[str]:
    """Make the build's environment, with pip from the interpreter's own bundled copy."""
    return [str(python.path), "-m", "venv", str(venv)]


def environment_variables(venv: Path, cache_dir: Path) -> dict[str, str]:
    """What the build's commands see once the environment exists (PATH is prepended apart)."""
    return {
        "VIRTUAL_ENV": str(venv),
        "PIP_CACHE_DIR": str(cache_dir / "pip"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PIP_PROGRESS_BAR": "off",
    }
