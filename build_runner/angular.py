"""Where `ng build` writes, read from angular.json without running the Angular CLI.

The application builder (`@angular/build:application`, Angular 17 and later) writes the
site to `<outputPath>/browser` (`dist/<project>/browser` by default; `outputPath` may be
`{ "base": …, "browser": … }`, and `"browser": ""` puts it in the base itself). The older
browser builders (`…:browser`, `…:browser-esbuild`) write it to `outputPath` itself. The
build target's default configuration (`production` in a generated workspace) may set its
own `outputPath`. angular.json may hold comments and trailing commas, as the CLI allows.
"""

from __future__ import annotations

import posixpath
from typing import Any

from build_runner.framework_config import ProjectFiles, inside_project, jsonc_object

ANGULAR_JSON = "angular.json"
DEFAULT = "dist"  # the preset's: locating the output looks for it among the conventional ones


def angular_output(files: ProjectFiles) -> str | None:
    text = files.text(ANGULAR_JSON, DEFAULT)
    if text is None:
        return None
    data = jsonc_object(text)
    projects = data.get("projects") if data else None
    if not isinstance(projects, dict):
        files.fallback(f"{ANGULAR_JSON} has no projects", DEFAULT)
        return None
    chosen = _application(files, projects)
    if chosen is None:
        return None
    name, project = chosen
    targets = project.get("architect") or project.get("targets")
    build = targets.get("build") if isinstance(targets, dict) else None
    if not isinstance(build, dict):
        files.fallback(f"{ANGULAR_JSON} project {name} has no build target", DEFAULT)
        return None
    return _output_path(files, name, build)


def _application(files: ProjectFiles, projects: dict[str, Any]) -> tuple[str, Any] | None:
    """The application `ng build` builds: the only one, else the one at the workspace root."""
    apps = [
        (name, project)
        for name, project in projects.items()
        if isinstance(project, dict) and project.get("projectType") == "application"
    ]
    if not apps:
        files.fallback(f"{ANGULAR_JSON} has no application project", DEFAULT)
        return None
    if len(apps) == 1:
        return apps[0]
    chosen = next((app for app in apps if app[1].get("root") == ""), apps[0])
    files.notes.append(
        f"{ANGULAR_JSON} has {len(apps)} applications ({', '.join(n for n, _ in apps)}): "
        f"publishing {chosen[0]}; set the output directory to publish another"
    )
    return chosen


def _output_path(files: ProjectFiles, name: str, build: dict[str, Any]) -> str | None:
    where = f"{ANGULAR_JSON} projects.{name}.architect.build"
    builder = build.get("builder")
    kind = builder.rpartition(":")[2] if isinstance(builder, str) else ""
    if "application" not in kind and "browser" not in kind:
        files.fallback(f"{where} uses the builder {builder!r}, whose output is not known", DEFAULT)
        return None
    value, key = _configured(build, where)
    application = "application" in kind
    default = f"dist/{name}/browser" if application else f"dist/{name}"
    if value is None:
        value = f"dist/{name}"
    if isinstance(value, dict) and application:
        base, browser = value.get("base"), value.get("browser", "browser")
        if not isinstance(base, str) or not isinstance(browser, str):
            files.fallback(f"{key} is not a base and browser directory", DEFAULT)
            return None
        base = inside_project(base, f"{key}.base", default)
        if not browser:
            return base
        return inside_project(browser, f"{key}.browser", default, base)
    if not isinstance(value, str):
        files.fallback(f"{key} is not a directory", DEFAULT)
        return None
    if not application:
        return inside_project(value, key, default)
    base = inside_project(value, key, default)
    return posixpath.join(base, "browser")


def _configured(build: dict[str, Any], where: str) -> tuple[object, str]:
    """`outputPath` of the default configuration, else of the options; and where it is."""
    configuration = build.get("defaultConfiguration")
    configurations = build.get("configurations")
    if isinstance(configuration, str) and isinstance(configurations, dict):
        chosen = configurations.get(configuration)
        if isinstance(chosen, dict) and "outputPath" in chosen:
            return chosen["outputPath"], f"{where}.configurations.{configuration}.outputPath"
    options = build.get("options")
    value = options.get("outputPath") if isinstance(options, dict) else None
    return value, f"{where}.options.outputPath"
