"""Decide what to run: install and build commands, where, and which output to expect."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from build_runner.confined import Leaves, Missing, Refused, Root
from build_runner.errors import BuildFailure
from build_runner.frameworks import detect_framework
from build_runner.netlify_config import (
    NETLIFY_TOML,
    UNKNOWN_TARGET,
    DeployTarget,
    NetlifyConfig,
    publish_directory,
    read_netlify_config,
)
from build_runner.node_version import requested_node
from build_runner.package_managers import (
    PackageManager,
    detect_package_manager,
    install_args,
    read_package_json,
    tool_prefix,
)
from build_runner.presets import Preset
from build_runner.serving import has_config_file
from build_runner.vercel_config import VERCEL, VERCEL_JSON, VercelConfig, read_vercel_config
from services.core.build_protocol import EXIT_OUTPUT


@dataclass(frozen=True)
class Command:
    argv: list[str]
    cwd: Path

    def describe(self) -> str:
        return " ".join(self.argv)

    def shown(self) -> str:
        """The command as the project wrote it: a setting run by `sh -c` is its script."""
        if len(self.argv) == 3 and self.argv[:2] == ["sh", "-c"]:
            return self.argv[2]
        return self.describe()


@dataclass(frozen=True)
class BuildPlan:
    project_dir: Path
    package_json: dict[str, Any] | None
    package_manager: PackageManager | None
    preset: Preset
    install: Command | None
    build: Command | None
    node_request: tuple[str, str] | None
    # The project's setting, else netlify.toml's or vercel.json's, else what the framework's
    # own config names or a default of it below the top (`build/client`); empty: look for
    # the preset's directory among the conventional ones (build_runner.output).
    output_dir: str
    netlify: NetlifyConfig | None  # None: the project has no netlify.toml
    vercel: VercelConfig | None = None  # None: the project has no vercel.json
    notes: tuple[str, ...] = ()  # what detection could not read or use, for the build log

    @property
    def expected_output(self) -> str:
        """The output directory this plan expects ("": the project itself, plain static)."""
        return self.output_dir or self.preset.output_dir

    @property
    def config_file(self) -> NetlifyConfig | VercelConfig | None:
        """The project's netlify.toml or vercel.json (never both), for its rules."""
        return self.netlify or self.vercel


def _shell(command: str, cwd: Path) -> Command:
    return Command(["sh", "-c", command], cwd)


def _exec_args(pm: PackageManager, tool: tuple[str, ...]) -> list[str]:
    """Run a dependency's binary through the project's package manager."""
    if pm.name == "npm":
        return ["exec", "--no", "--", *tool]
    if pm.name == "pnpm":
        return ["exec", *tool]
    if pm.name == "yarn":
        return ["run", *tool]
    return ["x", *tool]  # bun


def _has_dependencies(pkg: dict[str, Any] | None) -> bool:
    if not pkg:
        return False
    return any(isinstance(pkg.get(f), dict) and pkg[f] for f in ("dependencies", "devDependencies"))


def project_directory(checkout: Path, root_dir: str) -> Path:
    """The project's directory: `root_dir` resolved inside the checkout, links inside followed."""
    try:
        with Root(checkout, "repository") as repo:
            found = repo.resolve(root_dir)
    except Leaves:
        raise BuildFailure(
            EXIT_OUTPUT, f"root directory {root_dir!r} leaves the repository"
        ) from None
    except Missing:
        raise BuildFailure(EXIT_OUTPUT, f"root directory {root_dir!r} does not exist") from None
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"root directory {root_dir!r}: {exc}") from None
    if not found.is_dir:
        raise BuildFailure(EXIT_OUTPUT, f"root directory {root_dir!r} does not exist")
    return checkout.joinpath(*found.parts)


def make_plan(
    checkout: Path,
    *,
    root_dir: str,
    install_command: str,
    build_command: str,
    path: str,
    output_dir: str = "",
    target: DeployTarget = UNKNOWN_TARGET,
) -> BuildPlan:
    """Precedence: the project's settings, then netlify.toml or vercel.json, then package.json's
    `build` script, then the framework's own script (`docs:build`, Nuxt's `generate`), then
    the preset's command; the output directory likewise, the framework's config last."""
    project_dir = project_directory(checkout, root_dir)
    _refuse_both_config_files(project_dir, checkout)
    netlify = read_netlify_config(project_dir, target, within=checkout)
    vercel = read_vercel_config(project_dir, within=checkout)
    skip_install = False
    if vercel is not None:
        build_command = build_command or vercel.build_command
        if not output_dir and vercel.output_directory:
            output_dir = VERCEL.inside_checkout(
                vercel.output_directory, project_dir, checkout, "outputDirectory"
            )
        skip_install = not install_command and vercel.install_command == ""
        install_command = install_command or vercel.install_command or ""
    if netlify is not None:
        build_command = build_command or netlify.command
        if not output_dir and netlify.publish:
            output_dir = publish_directory(
                netlify.publish, project_dir, checkout, netlify.publish_key
            )
    pkg = read_package_json(project_dir, within=checkout)
    found = detect_framework(project_dir, checkout, pkg, path, find_output=not output_dir)
    preset = found.preset
    pm = detect_package_manager(project_dir, checkout, pkg) if pkg is not None else None

    install: Command | None = None
    if install_command:
        install = _shell(install_command, project_dir)
    elif skip_install:
        install = None
    elif found.install:  # a Python project: into the environment the runner made for it
        install = Command(list(found.install), project_dir)
    elif pm is not None and (pm.lockfile is not None or _has_dependencies(pkg)):
        install = Command(
            [*tool_prefix(pm, path), *install_args(pm)], pm.workspace_root or project_dir
        )

    build: Command | None = None
    if build_command:
        build = _shell(build_command, project_dir)
    elif pm is not None and found.script:
        build = Command([*tool_prefix(pm, path), "run", found.script], project_dir)
    elif (preset.python or preset.standalone) and found.command:
        build = Command(list(found.command), project_dir)
    elif pm is not None and found.command:
        build = Command([*tool_prefix(pm, path), *_exec_args(pm, found.command)], project_dir)

    return BuildPlan(
        project_dir=project_dir,
        package_json=pkg,
        package_manager=pm,
        preset=preset,
        install=install,
        build=build,
        node_request=requested_node(project_dir, pkg, within=checkout) if pkg is not None else None,
        output_dir=output_dir or found.output_dir,
        netlify=netlify,
        vercel=vercel,
        notes=found.notes,
    )


def _refuse_both_config_files(project_dir: Path, checkout: Path) -> None:
    """Two files describing one site would have to be merged by guesswork: keep one."""
    if has_config_file(project_dir, NETLIFY_TOML, checkout) and has_config_file(
        project_dir, VERCEL_JSON, checkout
    ):
        raise BuildFailure(
            EXIT_OUTPUT,
            f"the project has both {NETLIFY_TOML} and {VERCEL_JSON}: "
            "keep the one that describes the site and remove the other",
        )
