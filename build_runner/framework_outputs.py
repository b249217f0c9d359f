"""Where each framework writes its site, from the config files the project commits.

Each rule reads what the framework itself would (angular.json, mkdocs.yml, `outDir` in
astro.config.mjs, …) as text through `build_runner.framework_config`, and returns the
directory relative to the project, or None for the framework's default. A rule also notes
what keeps a framework from writing static files (SvelteKit without adapter-static, React
Router without `ssr: false`). Nothing is run.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable

from build_runner import presets as p
from build_runner.angular import angular_output
from build_runner.framework_config import (
    Project,
    ProjectFiles,
    inside_project,
    js_literal,
    js_settings,
    one_setting,
    yaml_setting,
)

_JS = ("ts", "mts", "cts", "js", "mjs", "cjs")
VITE_CONFIGS = tuple(f"vite.config.{ext}" for ext in _JS)
# VitePress and VuePress: their config directory, the key and the flag naming the output.
DOCS = {
    p.VITEPRESS: (".vitepress", "outDir", "--outDir"),
    p.VUEPRESS: (".vuepress", "dest", "--dest"),
}


def output_of(project: Project) -> str:
    """The directory the framework's files name, else its default when that is not one name
    at the top; "": look for the preset's directory among the conventional ones."""
    rule = _OUTPUTS.get(project.preset)
    found = rule(project) if rule else None
    default = project.preset.output_dir
    return found or (default if "/" in default else "")


def script_words(script: str) -> list[str]:
    try:
        return shlex.split(script)
    except ValueError:  # an unclosed quote: the script fails on its own
        return script.split()


def docs_root(project: Project, tool: str, config_dir: str) -> str:
    """The directory a VitePress or VuePress site lives in: the script's argument, else
    `docs` when it holds the config directory, else the project itself."""
    script = project.script()
    words = script_words(project.scripts[script]) if script else []
    for index in range(len(words) - 1):
        if words[index : index + 2] == [tool, "build"]:
            root = words[index + 2] if index + 2 < len(words) else "."
            return "." if root.startswith("-") else posixpath.normpath(root)
    return "docs" if project.files.has_dir(f"docs/{config_dir}") else "."


def sphinx_layout(files: ProjectFiles) -> tuple[str, str]:
    """The source sphinx-quickstart wrote and where its Makefile builds HTML."""
    source = p.sphinx_source(files) or "."
    if posixpath.basename(source) == "source":  # the separate source and build layout
        return source, posixpath.join(posixpath.dirname(source), "build", "html")
    return source, posixpath.normpath(posixpath.join(source, "_build", "html"))


def _setting(project: Project, names: tuple[str, ...], key: str, base: str = ".") -> str | None:
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


def _nuxt_output(project: Project) -> str | None:
    version = project.deps.get("nuxt", "")
    return "dist" if re.match(r"[\^~=v]*2\.", version) else None  # Nuxt 2 generates dist/


def _spa_output(project: Project, configs: tuple[str, ...], what: str) -> str | None:
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


def _react_router_output(project: Project) -> str | None:
    configs = tuple(f"react-router.config.{ext}" for ext in _JS)
    return _spa_output(project, configs, "React Router")


def _remix_output(project: Project) -> str | None:
    return _spa_output(project, VITE_CONFIGS, "Remix")


def _astro_output(project: Project) -> str | None:
    configs = tuple(f"astro.config.{ext}" for ext in _JS)
    found = project.config(configs, "dist")
    if found and "server" in js_settings(found[1], "output"):
        project.files.notes.append(
            f"{found[0]} sets output: 'server': only prerendered pages are static files"
        )
    return _setting(project, configs, "outDir")


def _sveltekit_output(project: Project) -> str | None:
    if "@sveltejs/adapter-static" not in project.deps:
        project.files.notes.append(
            "SvelteKit writes static files only with @sveltejs/adapter-static: add it "
            "(`npx sv add sveltekit-adapter=adapter:static`) and use it in the config"
        )
    svelte_configs = tuple(f"svelte.config.{ext}" for ext in ("js", "mjs", "ts"))
    return _setting(project, svelte_configs, "pages") or _setting(project, VITE_CONFIGS, "pages")


def _solid_start_output(project: Project) -> str | None:
    configs = (*(f"app.config.{ext}" for ext in _JS), *VITE_CONFIGS)
    found = project.config(configs, ".output/public")
    if found is None or "static" not in js_settings(found[1], "preset"):
        project.files.notes.append(
            "SolidStart writes static files only with the static preset: set "
            "`server: { preset: 'static' }` in app.config.ts"
        )
    return None


def _qwik_city_output(project: Project) -> str | None:
    if not project.files.first(tuple(f"adapters/static/vite.config.{ext}" for ext in _JS)):
        project.files.notes.append(
            "Qwik City writes static pages only with its static adapter: "
            "run `npm run qwik add static` and commit adapters/static/"
        )
    return None


def _docs_output(project: Project) -> str:
    """VitePress's and VuePress's `<root>/.vitepress/dist`, or what their config says:
    VitePress resolves `outDir` from its root, VuePress `dest` from the project."""
    config_dir, key, flag = DOCS[project.preset]
    tool = project.preset.command[0]
    root = docs_root(project, tool, config_dir)
    default = posixpath.normpath(posixpath.join(root, config_dir, "dist"))
    script = project.script()
    words = script_words(project.scripts[script]) if script else []
    for index, word in enumerate(words):
        value = words[index + 1] if word == flag and index + 1 < len(words) else None
        value = word.removeprefix(f"{flag}=") if word.startswith(f"{flag}=") else value
        if value:
            return inside_project(value, f"the {script} script's {flag}", default)
    configs = tuple(posixpath.join(root, config_dir, f"config.{ext}") for ext in _JS)
    base = root if project.preset is p.VITEPRESS else "."
    return _setting(project, configs, key, base) or default


def _eleventy_output(project: Project) -> str | None:
    configs = ("eleventy.config.js", "eleventy.config.mjs", "eleventy.config.cjs", ".eleventy.js")
    found = project.config(configs, "_site")
    directories = re.search(r"(?<![\w$.])dir\s*:\s*\{([^{}]*)\}", found[1]) if found else None
    if found is None or directories is None:
        return None
    where = f"{found[0]} dir.output"
    value = one_setting(project.files, js_settings(directories.group(1), "output"), where, "_site")
    return inside_project(value, where, "_site") if value else None


def _vite_output(project: Project) -> str | None:
    """`build.outDir`, resolved from Vite's `root` as Vite does; `dist` is below that root."""
    root = _setting(project, VITE_CONFIGS, "root")
    out_dir = _setting(project, VITE_CONFIGS, "outDir", root or ".")
    return out_dir or (posixpath.join(root, "dist") if root else None)


def _yaml_output(project: Project, names: tuple[str, ...], key: str) -> str | None:
    default = project.preset.output_dir
    name = project.files.first(names)
    text = project.files.text(name, default) if name else None
    if name is None or text is None:
        return None
    value = one_setting(project.files, yaml_setting(text, key), f"{name} {key}", default)
    return inside_project(value, f"{name} {key}", default) if value else None


_OUTPUTS: dict[p.Preset, Callable[[Project], str | None]] = {
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
    p.SPHINX: lambda project: sphinx_layout(project.files)[1],
}
