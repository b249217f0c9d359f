"""What a detected framework runs, and where it writes, from the project's own files.

The preset (`build_runner.presets`); the package.json script to run (`build`, else the
framework's own, such as `docs:build`, and Nuxt's `generate` in place of a `nuxt build`
that makes a server); else the preset's command with this project's arguments (VitePress's
root, Sphinx's source); a Python project's install; and, only when neither the project nor
netlify.toml / vercel.json set one, the output directory (`build_runner.framework_outputs`).
Files are read through `build_runner.framework_config`; nothing is run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from build_runner import presets as p
from build_runner.confined import Refused, Root
from build_runner.errors import BuildFailure
from build_runner.framework_config import Project, ProjectFiles
from build_runner.framework_outputs import DOCS, docs_root, output_of, sphinx_layout
from services.core.build_protocol import EXIT_OUTPUT

# `nuxt build` makes a server app; `nuxt generate` the static site.
_NUXT_SERVER_BUILD = re.compile(r"(?:npx\s+)?nux[ti]\s+build")


@dataclass(frozen=True)
class Detected:
    preset: p.Preset
    script: str | None = None  # the package.json script to run
    command: tuple[str, ...] = ()  # else this: the preset's command for this project
    install: tuple[str, ...] = ()  # a Python project's install
    # From the framework's files, or its default when that is not one name at the top;
    # "": the preset's directory, looked for among the conventional ones.
    output_dir: str = ""
    notes: tuple[str, ...] = ()  # for the build log


def _project(files: ProjectFiles, pkg: dict[str, Any] | None, path: str) -> Project:
    raw = pkg.get("scripts") if pkg else None
    scripts = {k: v for k, v in raw.items() if isinstance(v, str)} if isinstance(raw, dict) else {}
    deps = p.dependencies(pkg) if pkg else {}
    return Project(files, p.preset_for(files, pkg, path), scripts, deps)


def detect_framework(
    project_dir: Path,
    checkout: Path,
    pkg: dict[str, Any] | None,
    path: str,
    *,
    find_output: bool = True,
) -> Detected:
    """The framework and its commands; with `find_output`, the output directory too."""

    def work(files: ProjectFiles) -> Detected:
        project = _project(files, pkg, path)
        found = _COMMANDS.get(project.preset, _commands)(project)
        output = output_of(project) if find_output else ""
        return replace(found, output_dir=output, notes=(*found.notes, *files.notes))

    try:
        with Root(checkout, "repository") as repo:
            return work(ProjectFiles(repo, repo.parts_of(project_dir)))
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"the project cannot be read: {exc}") from None


def _commands(project: Project) -> Detected:
    return Detected(project.preset, project.script(), project.preset.command)


def _nuxt_commands(project: Project) -> Detected:
    build = project.scripts.get("build")
    if build is None or not _NUXT_SERVER_BUILD.fullmatch(build.strip()):
        return _commands(project)
    script = "generate" if "generate" in project.scripts else None
    note = (
        f"package.json's build script (`{build}`) makes a server app: running "
        f"{'its generate script' if script else '`nuxt generate`'} instead, for static files"
    )
    return Detected(project.preset, script, project.preset.command, notes=(note,))


def _docs_commands(project: Project) -> Detected:
    tool, config_dir = project.preset.command[0], DOCS[project.preset][0]
    root = docs_root(project, tool, config_dir)
    return Detected(project.preset, project.script(), (*project.preset.command, root))


def _python_install(files: ProjectFiles, package: str) -> tuple[str, ...]:
    for requirements in ("requirements.txt", "docs/requirements.txt"):
        if files.has_file(requirements):
            return ("pip", "install", "-r", requirements)
    if files.has_file("pyproject.toml"):
        return ("pip", "install", ".")
    return ("pip", "install", package)


def _mkdocs_commands(project: Project) -> Detected:
    install = _python_install(project.files, "mkdocs")
    return Detected(project.preset, project.script(), project.preset.command, install)


def _sphinx_commands(project: Project) -> Detected:
    source, output = sphinx_layout(project.files)
    command = (*project.preset.command, source, output)
    install = _python_install(project.files, "sphinx")
    return Detected(project.preset, project.script(), command, install)


_COMMANDS: dict[p.Preset, Callable[[Project], Detected]] = {
    p.NUXT: _nuxt_commands,
    p.VITEPRESS: _docs_commands,
    p.VUEPRESS: _docs_commands,
    p.MKDOCS: _mkdocs_commands,
    p.SPHINX: _sphinx_commands,
}
