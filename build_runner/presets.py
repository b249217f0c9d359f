"""Framework presets: the build command and output directory each framework uses by default.

Detected from the project's dependencies (or, for Hugo and Jekyll, their config files when
their binary is installed). A `build` script in package.json and the project's own settings
always win over a preset's command; the project's output setting wins over its directory.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Preset:
    name: str
    output_dir: str
    # The tool and its arguments, run from the project's dependencies when package.json has
    # no build script (Hugo and Jekyll: run as they are).
    command: tuple[str, ...] = ()


NEXT = Preset("Next.js (static export)", "out", ("next", "build"))
# Order matters: meta-frameworks before the bundlers they are built on.
NODE_PRESETS: tuple[tuple[str, Preset], ...] = (
    ("next", NEXT),
    ("astro", Preset("Astro", "dist", ("astro", "build"))),
    ("@sveltejs/kit", Preset("SvelteKit (static)", "build", ("vite", "build"))),
    ("gatsby", Preset("Gatsby", "public", ("gatsby", "build"))),
    (
        "@docusaurus/core",
        Preset("Docusaurus", "build", ("docusaurus", "build")),
    ),
    ("@11ty/eleventy", Preset("Eleventy", "_site", ("eleventy",))),
    ("react-scripts", Preset("Create React App", "build", ("react-scripts", "build"))),
    ("vite", Preset("Vite", "dist", ("vite", "build"))),
)
HUGO = Preset("Hugo", "public", ("hugo", "--minify"))
JEKYLL = Preset("Jekyll", "_site", ("jekyll", "build"))
STATIC = Preset("plain static", "")
_HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml")


def _dependencies(pkg: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for field in ("dependencies", "devDependencies"):
        value = pkg.get(field)
        if isinstance(value, dict):
            names.update(value)
    return names


def detect_preset(project_dir: Path, pkg: dict[str, Any] | None, path: str) -> Preset:
    if pkg is not None:
        deps = _dependencies(pkg)
        for dependency, preset in NODE_PRESETS:
            if dependency in deps:
                return preset
        return STATIC
    if any((project_dir / c).is_file() for c in _HUGO_CONFIGS) and shutil.which("hugo", path=path):
        return HUGO
    if (project_dir / "_config.yml").is_file() and shutil.which("jekyll", path=path):
        return JEKYLL
    return STATIC
