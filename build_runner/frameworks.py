"""What a detected framework runs and where it writes, from the project's own files.

Read through `build_runner.framework_config`:

- the preset, the package.json script to run (`build`, else the framework's own, such as
  `docs:build`), the preset's command with this project's arguments (VitePress's root,
  Sphinx's source), and a Python project's install;
- the output directory the framework's config names (angular.json, mkdocs.yml, `outDir`
  in astro.config.mjs, …), or its default when that is not one name at the project's top.
  Read only when neither the project nor netlify.toml / vercel.json set one. Nothing is
  run: a setting written as code, or a file that cannot be read, leaves the default, with
  a note for the build log.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from build_runner import presets as p
from build_runner.angular import angular_output
from build_runner.confined import Refused, Root
from build_runner.errors import BuildFailure
from build_runner.framework_config import (
    ProjectFiles,
    inside_project,
    js_literal,
    js_settings,
    one_setting,
    without_comments,
    yaml_setting,
)
from services.core.build_protocol import EXIT_OUTPUT

_JS = ("ts", "mts", "cts", "js", "mjs", "cjs")
VITE_CONFIGS = tuple(f"vite.config.{ext}" for ext in _JS)
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


@dataclass(frozen=True)
class _Project:
    files: ProjectFiles
    preset: p.Preset
    scripts: dict[str, str]
    deps: dict[str, str]

    def script(self) -> str | None:
        """`build`, else the framework's own static build script."""
        for name in ("build", self.preset.script):
            if name and name in self.scripts:
                return name
        return None

    def config(self, names: tuple[str, ...], default: str) -> tuple[str, str] | None:
        """The first of `names` that exists, with its code (comments removed)."""
        name = self.files.first(names)
        text = self.files.text(name, default) if name else None
        return (name, without_comments(text)) if name and text is not None else None


def _project(files: ProjectFiles, pkg: dict[str, Any] | None, path: str) -> _Project:
    raw = pkg.get("scripts") if pkg else None
    scripts = {k: v for k, v in raw.items() if isinstance(v, str)} if isinstance(raw, dict) else {}
    deps = p.dependencies(pkg) if pkg else {}
    return _Project(files, p.preset_for(files, pkg, path), scripts, deps)


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
        output = _output(project) if find_output else ""
        return replace(found, output_dir=output, notes=(*found.notes, *files.notes))

    try:
        with Root(checkout, "repository") as repo:
            return work(ProjectFiles(repo, repo.parts_of(project_dir)))
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"the project cannot be read: {exc}") from None


def _output(project: _Project) -> str:
    """The directory the framework's files name, else its default when that is not one name
    at the top; "": look for the preset's directory among the conventional ones."""
    rule = _OUTPUTS.get(project.preset)
    found = rule(project) if rule else None
    default = project.preset.output_dir
    return found or (default if "/" in default else "")


# ---- commands -------------------------------------------------------------------------


def _commands(project: _Project) -> Detected:
    return Detected(project.preset, project.script(), project.preset.command)


def _nuxt_commands(project: _Project) -> Detected:
    build = project.scripts.get("build")
    if build is None or not _NUXT_SERVER_BUILD.fullmatch(build.strip()):
        return _commands(project)
    script = "generate" if "generate" in project.scripts else None
    note = (
        f"package.json's build script (`{build}`) makes a server app: running "
        f"{'its generate script' if script else '`nuxt generate`'} instead, for static files"
    )
    return Detected(project.preset, script, project.preset.command, notes=(note,))


def _docs_root(project: _Project, tool: str, config_dir: str) -> str:
    """The directory a VitePress or VuePress site lives in: the script's argument, else
    `docs` when it holds the config directory, else the project itself."""
    script = project.script()
    words = _words(project.scripts[script]) if script else []
    for index in range(len(words) - 1):
        if words[index : index + 2] == [tool, "build"]:
            root = words[index + 2] if index + 2 < len(words) else "."
            return "." if root.startswith("-") else posixpath.normpath(root)
    return "docs" if project.files.has_dir(f"docs/{config_dir}") else "."


def _docs_commands(project: _Project) -> Detected:
    tool, config_dir = project.preset.command[0], _DOCS[project.preset][0]
    root = _docs_root(project, tool, config_dir)
    return Detected(project.preset, project.script(), (*project.preset.command, root))


def _sphinx_source_and_output(files: ProjectFiles) -> tuple[str, str]:
    """The source sphinx-quickstart wrote and where its Makefile builds HTML."""
    source = p.sphinx_source(files) or "."
    if posixpath.basename(source) == "source":  # the separate source and build layout
        return source, posixpath.join(posixpath.dirname(source), "build", "html")
    return source, posixpath.normpath(posixpath.join(source, "_build", "html"))


def _python_install(files: ProjectFiles, package: str) -> tuple[str, ...]:
    for requirements in ("requirements.txt", "docs/requirements.txt"):
        if files.has_file(requirements):
            return ("pip", "install", "-r", requirements)
    if files.has_file("pyproject.toml"):
        return ("pip", "install", ".")
    return ("pip", "install", package)


def _mkdocs_commands(project: _Project) -> Detected:
    install = _python_install(project.files, "mkdocs")
    return Detected(project.preset, project.script(), project.preset.command, install)


def _sphinx_commands(project: _Project) -> Detected:
    source, output = _sphinx_source_and_output(project.files)
    command = (*project.preset.command, source, output)
    install = _python_install(project.files, "sphinx")
    return Detected(project.preset, project.script(), command, install)


_COMMANDS: dict[p.Preset, Callable[[_Project], Detected]] = {
    p.NUXT: _nuxt_commands,
    p.VITEPRESS: _docs_commands,
    p.VUEPRESS: _docs_commands,
    p.MKDOCS: _mkdocs_commands,
    p.SPHINX: _sphinx_commands,
}


# ---- output directories ---------------------------------------------------------------


def _words(script: str) -> list[str]:
    try:
        return shlex.split(script)
    except ValueError:  # an unclosed quote: the script fails on its own
        return script.split()


def _setting(project: _Project, names: tuple[str, ...], key: str, base: str = ".") -> str | None:
    """A plain-string `key` in the first config file of `names`, as a directory relative to
    the project (`base`: what the framework resolves it from)."""
    default = project.preset.output_dir
    found = project.config(names, default)
    if found is None:
        return None
    name, code = found
    value = one_setting(project.files, js_settings(code, key), f"{name} {key}", default)
    if value is None:
        return None
    return inside_project(value, f"{name} {key}", default, base)


def _nuxt_output(project: _Project) -> str | None:
    version = project.deps.get("nuxt", "")
    return "dist" if re.match(r"[\^~=v]*2\.", version) else None  # Nuxt 2 generates dist/


def _spa_output(project: _Project, configs: tuple[str, ...], what: str) -> str | None:
    """React Router and Remix: `build/client`, a static site only when `ssr: false`."""
    found = project.config(configs, "build/client")
    if found is None or "false" not in js_literal(found[1], "ssr"):
        where = found[0] if found else configs[0]
        project.files.notes.append(
            f"{where} does not set `ssr: false`: {what} builds a server app, and "
            "build/client holds only the pages it prerenders; set `ssr: false` for a static SPA"
        )
    directory = _setting(project, configs, "buildDirectory")
    return posixpath.join(directory, "client") if directory else None


def _react_router_output(project: _Project) -> str | None:
    configs = tuple(f"react-router.config.{ext}" for ext in _JS)
    return _spa_output(project, configs, "React Router")


def _remix_output(project: _Project) -> str | None:
    return _spa_output(project, VITE_CONFIGS, "Remix")


def _astro_output(project: _Project) -> str | None:
    configs = tuple(f"astro.config.{ext}" for ext in _JS)
    found = project.config(configs, "dist")
    if found and "server" in js_settings(found[1], "output"):
        project.files.notes.append(
            f"{found[0]} sets output: 'server': only prerendered pages are static files"
        )
    return _setting(project, configs, "outDir")


def _sveltekit_output(project: _Project) -> str | None:
    if "@sveltejs/adapter-static" not in project.deps:
        project.files.notes.append(
            "SvelteKit writes static files only with @sveltejs/adapter-static: add it "
            "(`npx sv add sveltekit-adapter=adapter:static`) and use it in the config"
        )
    svelte_configs = tuple(f"svelte.config.{ext}" for ext in ("js", "mjs", "ts"))
    return _setting(project, svelte_configs, "pages") or _setting(project, VITE_CONFIGS, "pages")


def _solid_start_output(project: _Project) -> str | None:
    configs = (*(f"app.config.{ext}" for ext in _JS), *VITE_CONFIGS)
    found = project.config(configs, ".output/public")
    if found is None or "static" not in js_settings(found[1], "preset"):
        project.files.notes.append(
            "SolidStart writes static files only with the static preset: set "
            "`server: { preset: 'static' }` in app.config.ts"
        )
    return None


def _qwik_city_output(project: _Project) -> str | None:
    if not project.files.first(tuple(f"adapters/static/vite.config.{ext}" for ext in _JS)):
        project.files.notes.append(
            "Qwik City writes static pages only with its static adapter: "
            "run `npm run qwik add static` and commit adapters/static/"
        )
    return None


_DOCS = {
    p.VITEPRESS: (".vitepress", "outDir", "--outDir"),
    p.VUEPRESS: (".vuepress", "dest", "--dest"),
}


def _docs_output(project: _Project) -> str:
    """VitePress's and VuePress's `<root>/.vitepress/dist`, or what their config says:
    VitePress resolves `outDir` from its root, VuePress `dest` from the project."""
    config_dir, key, flag = _DOCS[project.preset]
    tool = project.preset.command[0]
    root = _docs_root(project, tool, config_dir)
    default = posixpath.normpath(posixpath.join(root, config_dir, "dist"))
    script = project.script()
    words = _words(project.scripts[script]) if script else []
    for index, word in enumerate(words):
        value = words[index + 1] if word == flag and index + 1 < len(words) else None
        value = word.removeprefix(f"{flag}=") if word.startswith(f"{flag}=") else value
        if value:
            return inside_project(value, f"the {script} script's {flag}", default)
    configs = tuple(posixpath.join(root, config_dir, f"config.{ext}") for ext in _JS)
    base = root if project.preset is p.VITEPRESS else "."
    return _setting(project, configs, key, base) or default


def _eleventy_output(project: _Project) -> str | None:
    configs = ("eleventy.config.js", "eleventy.config.mjs", "eleventy.config.cjs", ".eleventy.js")
    found = project.config(configs, "_site")
    directories = re.search(r"(?<![\w$.])dir\s*:\s*\{([^{}]*)\}", found[1]) if found else None
    if found is None or directories is None:
        return None
    where = f"{found[0]} dir.output"
    value = one_setting(project.files, js_settings(directories.group(1), "output"), where, "_site")
    return inside_project(value, where, "_site") if value else None


def _vite_output(project: _Project) -> str | None:
    root = _setting(project, VITE_CONFIGS, "root")
    return _setting(project, VITE_CONFIGS, "outDir", root or ".")


def _yaml_output(project: _Project, names: tuple[str, ...], key: str) -> str | None:
    default = project.preset.output_dir
    name = project.files.first(names)
    text = project.files.text(name, default) if name else None
    if name is None or text is None:
        return None
    value = one_setting(project.files, yaml_setting(text, key), f"{name} {key}", default)
    return inside_project(value, f"{name} {key}", default) if value else None


def _sphinx_output(project: _Project) -> str:
    return _sphinx_source_and_output(project.files)[1]


_OUTPUTS: dict[p.Preset, Callable[[_Project], str | None]] = {
    p.NUXT: _nuxt_output,
    p.REACT_ROUTER: _react_router_output,
    p.REMIX: _remix_output,
    p.ASTRO: _astro_output,
    p.SVELTEKIT: _sveltekit_output,
    p.SOLID_START: _solid_start_output,
    p.QWIK_CITY: _qwik_city_output,
    p.VITEPRESS: _docs_output,
    p.VUEPRESS: _docs_output,
    p.ANGULAR: lambda project: angular_output(project.files),
    p.HEXO: lambda project: _yaml_output(project, ("_config.yml",), "public_dir"),
    p.ELEVENTY: _eleventy_output,
    p.VITE: _vite_output,
    p.MKDOCS: lambda project: _yaml_output(project, p.MKDOCS_CONFIGS, "site_dir"),
    p.SPHINX: _sphinx_output,
}
