"""Framework presets: the build command and output directory each framework uses by default.

Detected from the project's dependencies, meta-frameworks before the bundlers they are built
on; a project with no package.json (or one with no dependencies) by its files: MkDocs and
Sphinx, then Hugo and Jekyll when their binary is installed. The commands and directories a
project's own files change are worked out in `build_runner.frameworks`; docs/frameworks.md
is the table.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from build_runner.confined import Refused, Root
from build_runner.errors import BuildFailure
from build_runner.framework_config import ProjectFiles
from services.core.build_protocol import EXIT_OUTPUT


@dataclass(frozen=True)
class Preset:
    name: str
    # Relative to the project. A default that is not one name at the top (`build/client`)
    # is the plan's output directory, found exactly; one name is looked for with the others.
    output_dir: str
    # The tool and its arguments, run from the project's dependencies when package.json has
    # no build script (standalone and Python tools: run as they are, from PATH).
    command: tuple[str, ...] = ()
    # The project needs a Python environment: the runner makes one (its bin first on PATH)
    # before the install, which is `pip install …`.
    python: bool = False
    standalone: bool = False  # the command is a program on PATH (Hugo, Jekyll)
    script: str = ""  # the framework's own script for a static build, after `build`


NEXT = Preset("Next.js (static export)", "out", ("next", "build"))
NUXT = Preset("Nuxt", ".output/public", ("nuxt", "generate"), script="generate")
GATSBY = Preset("Gatsby", "public", ("gatsby", "build"))
REACT_ROUTER = Preset("React Router (SPA)", "build/client", ("react-router", "build"))
REMIX = Preset("Remix (SPA)", "build/client", ("remix", "vite:build"))
ASTRO = Preset("Astro", "dist", ("astro", "build"))
SVELTEKIT = Preset("SvelteKit (static)", "build", ("vite", "build"))
SOLID_START = Preset("SolidStart (static)", ".output/public", ("vinxi", "build"))
QWIK_CITY = Preset("Qwik City (static)", "dist", ("qwik", "build"))
DOCUSAURUS = Preset("Docusaurus", "build", ("docusaurus", "build"))
VITEPRESS = Preset("VitePress", "docs/.vitepress/dist", ("vitepress", "build"), script="docs:build")
VUEPRESS = Preset("VuePress", "docs/.vuepress/dist", ("vuepress", "build"), script="docs:build")
ANGULAR = Preset("Angular", "dist", ("ng", "build"))
EMBER = Preset("Ember", "dist", ("ember", "build", "--environment=production"))
HEXO = Preset("Hexo", "public", ("hexo", "generate"))
ELEVENTY = Preset("Eleventy", "_site", ("eleventy",))
CREATE_REACT_APP = Preset("Create React App", "build", ("react-scripts", "build"))
VITE = Preset("Vite", "dist", ("vite", "build"))
# Order matters: the first whose dependency the project has wins.
NODE_PRESETS: tuple[tuple[tuple[str, ...], Preset], ...] = (
    (("next",), NEXT),
    (("nuxt", "nuxt3"), NUXT),
    (("gatsby",), GATSBY),
    (("@react-router/dev",), REACT_ROUTER),
    (("@remix-run/dev",), REMIX),
    (("astro",), ASTRO),
    (("@sveltejs/kit",), SVELTEKIT),
    (("@solidjs/start",), SOLID_START),
    (("@builder.io/qwik-city", "@qwik.dev/router"), QWIK_CITY),
    (("@docusaurus/core",), DOCUSAURUS),
    (("vitepress",), VITEPRESS),
    (("vuepress", "vuepress-vite", "vuepress-webpack"), VUEPRESS),
    (("@angular/cli", "@angular/core"), ANGULAR),
    (("ember-cli", "ember-source"), EMBER),
    (("hexo",), HEXO),
    (("@11ty/eleventy",), ELEVENTY),
    (("react-scripts",), CREATE_REACT_APP),
    (("vite",), VITE),
)
MKDOCS = Preset("MkDocs", "site", ("mkdocs", "build"), python=True)
SPHINX = Preset("Sphinx", "_build/html", ("sphinx-build", "-b", "html"), python=True)
HUGO = Preset("Hugo", "public", ("hugo", "--minify"), standalone=True)
JEKYLL = Preset("Jekyll", "_site", ("jekyll", "build"), standalone=True)
STATIC = Preset("plain static", "")
MKDOCS_CONFIGS = ("mkdocs.yml", "mkdocs.yaml")
SPHINX_SOURCES = (".", "docs", "docs/source", "source")  # where conf.py is looked for
_HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml")


def dependencies(pkg: dict[str, Any]) -> dict[str, str]:
    """The project's dependencies and devDependencies, name to version range."""
    found: dict[str, str] = {}
    for section in ("dependencies", "devDependencies"):
        value = pkg.get(section)
        if isinstance(value, dict):
            found.update({k: v if isinstance(v, str) else "" for k, v in value.items()})
    return found


def sphinx_source(files: ProjectFiles) -> str | None:
    """The directory holding Sphinx's conf.py, relative to the project."""
    return next((d for d in SPHINX_SOURCES if files.has_file(f"{d}/conf.py")), None)


def preset_for(files: ProjectFiles, pkg: dict[str, Any] | None, path: str) -> Preset:
    deps = dependencies(pkg) if pkg is not None else {}
    for names, preset in NODE_PRESETS:
        if any(name in deps for name in names):
            return preset
    if deps:  # a Node project, whatever other files lie in it
        return STATIC
    if files.first(MKDOCS_CONFIGS):
        return MKDOCS
    if sphinx_source(files) is not None:
        return SPHINX
    if pkg is not None:
        return STATIC
    if files.first(_HUGO_CONFIGS) and shutil.which("hugo", path=path):
        return HUGO
    if files.has_file("_config.yml") and shutil.which("jekyll", path=path):
        return JEKYLL
    return STATIC


def detect_preset(
    project_dir: Path, pkg: dict[str, Any] | None, path: str, within: Path | None = None
) -> Preset:
    """The project's preset; its files are read inside `within` (the checkout)."""
    try:
        with Root(within or project_dir, "repository") as repo:
            return preset_for(ProjectFiles(repo, repo.parts_of(project_dir)), pkg, path)
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"the project cannot be read: {exc}") from None
