"""Package managers, framework presets and the commands a plan runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from build_runner.errors import BuildFailure
from build_runner.failure_hints import install_hint
from build_runner.package_managers import detect_package_manager, install_args, read_package_json
from build_runner.plan import make_plan
from build_runner.presets import detect_preset
from services.core.build_protocol import EXIT_INSTALL
from tests.build_runner.corpus import YARN_BERRY_LOCK, YARN_CLASSIC_LOCK
from tests.build_runner.support import COREPACK_BIN, SYSTEM_PATH

PATH = f"{COREPACK_BIN}:{SYSTEM_PATH}"


def layout(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "name", "berry", "install"),
    [
        pytest.param({"package-lock.json": "{}"}, "npm", False, ["install"], id="npm-lock"),
        pytest.param({"npm-shrinkwrap.json": "{}"}, "npm", False, ["install"], id="shrinkwrap"),
        pytest.param({}, "npm", False, ["install"], id="no-lockfile"),
        pytest.param(
            {"pnpm-lock.yaml": ""}, "pnpm", False, ["install", "--frozen-lockfile"], id="pnpm"
        ),
        pytest.param(
            {"yarn.lock": YARN_CLASSIC_LOCK},
            "yarn",
            False,
            ["install", "--non-interactive", "--frozen-lockfile"],
            id="yarn-classic",
        ),
        pytest.param(
            {"yarn.lock": YARN_BERRY_LOCK}, "yarn", True, ["install", "--immutable"], id="berry"
        ),
        pytest.param(
            {"yarn.lock": "", ".yarnrc.yml": "nodeLinker: node-modules\n"},
            "yarn",
            True,
            ["install", "--immutable"],
            id="berry-by-yarnrc",
        ),
        pytest.param({"bun.lockb": ""}, "bun", False, ["install"], id="bun"),
    ],
)
def test_lockfiles(
    tmp_path: Path, files: dict[str, str], name: str, berry: bool, install: list[str]
) -> None:
    layout(tmp_path, files)
    pm = detect_package_manager(tmp_path, tmp_path, {})
    assert (pm.name, pm.berry) == (name, berry)
    assert install_args(pm) == install


def test_package_manager_field_wins_over_lockfiles(tmp_path: Path) -> None:
    layout(tmp_path, {"package-lock.json": "{}", "pnpm-lock.yaml": ""})
    pm = detect_package_manager(tmp_path, tmp_path, {"packageManager": "pnpm@9.15.9+sha512.ab"})
    assert (pm.name, pm.version) == ("pnpm", "9.15.9")
    assert pm.lockfile == tmp_path / "pnpm-lock.yaml"


def test_yarn_version_decides_berry(tmp_path: Path) -> None:
    assert detect_package_manager(tmp_path, tmp_path, {"packageManager": "yarn@4.12.0"}).berry
    assert not detect_package_manager(tmp_path, tmp_path, {"packageManager": "yarn@1.22.22"}).berry


def test_lockfile_found_at_the_workspace_root(tmp_path: Path) -> None:
    layout(tmp_path, {"pnpm-lock.yaml": "", "apps/web/package.json": "{}"})
    pm = detect_package_manager(tmp_path / "apps/web", tmp_path, {})
    assert pm.workspace_root == tmp_path


def test_unsupported_package_manager(tmp_path: Path) -> None:
    with pytest.raises(BuildFailure) as failure:
        detect_package_manager(tmp_path, tmp_path, {"packageManager": "cargo@1.0.0"})
    assert failure.value.exit_code == EXIT_INSTALL


def test_invalid_package_json(tmp_path: Path) -> None:
    layout(tmp_path, {"package.json": "{not json"})
    with pytest.raises(BuildFailure, match=r"package\.json is not valid JSON"):
        read_package_json(tmp_path)


def test_a_package_json_nested_past_the_parsers_depth_is_one_sentence(tmp_path: Path) -> None:
    layout(tmp_path, {"package.json": "[" * 100_000 + "]" * 100_000})
    with pytest.raises(BuildFailure, match=r"^package\.json is nested too deeply to read"):
        read_package_json(tmp_path)


@pytest.mark.parametrize(
    ("deps", "preset", "output"),
    [
        pytest.param({"next": "15"}, "Next.js (static export)", "out", id="next"),
        pytest.param({"astro": "5"}, "Astro", "dist", id="astro"),
        pytest.param({"@sveltejs/kit": "2", "vite": "6"}, "SvelteKit (static)", "build", id="kit"),
        pytest.param({"gatsby": "5"}, "Gatsby", "public", id="gatsby"),
        pytest.param({"@docusaurus/core": "3"}, "Docusaurus", "build", id="docusaurus"),
        pytest.param({"@11ty/eleventy": "3"}, "Eleventy", "_site", id="eleventy"),
        pytest.param({"react-scripts": "5"}, "Create React App", "build", id="cra"),
        pytest.param({"vite": "6"}, "Vite", "dist", id="vite"),
        pytest.param({"nuxt": "4", "vue": "3"}, "Nuxt", ".output/public", id="nuxt"),
        pytest.param(
            {"@react-router/dev": "7", "vite": "6"}, "React Router (SPA)", "build/client", id="rr"
        ),
        pytest.param(
            {"@remix-run/dev": "2", "vite": "5"}, "Remix (SPA)", "build/client", id="remix"
        ),
        pytest.param(
            {"@solidjs/start": "1"}, "SolidStart (static)", ".output/public", id="solid-start"
        ),
        pytest.param({"@builder.io/qwik-city": "1"}, "Qwik City (static)", "dist", id="qwik"),
        pytest.param({"vitepress": "1", "vue": "3"}, "VitePress", "docs/.vitepress/dist", id="vp"),
        pytest.param({"vuepress": "2"}, "VuePress", "docs/.vuepress/dist", id="vuepress"),
        pytest.param({"@angular/cli": "20"}, "Angular", "dist", id="angular"),
        pytest.param({"ember-cli": "6", "vite": "6"}, "Ember", "dist", id="ember"),
        pytest.param({"hexo": "7"}, "Hexo", "public", id="hexo"),
        pytest.param({"left-pad": "1"}, "plain static", "", id="plain"),
    ],
)
def test_presets(tmp_path: Path, deps: dict[str, str], preset: str, output: str) -> None:
    found = detect_preset(tmp_path, {"devDependencies": deps}, PATH)
    assert (found.name, found.output_dir) == (preset, output)


def test_python_generators_only_without_node_dependencies(tmp_path: Path) -> None:
    layout(tmp_path, {"mkdocs.yml": "site_name: x\n", "docs/conf.py": ""})
    assert detect_preset(tmp_path, None, PATH).name == "MkDocs"
    assert detect_preset(tmp_path, {"name": "docs"}, PATH).name == "MkDocs"
    assert detect_preset(tmp_path, {"dependencies": {"left-pad": "1"}}, PATH).name == (
        "plain static"
    )
    (tmp_path / "mkdocs.yml").unlink()
    assert detect_preset(tmp_path, None, PATH).name == "Sphinx"


def test_hugo_and_jekyll_only_when_installed(tmp_path: Path) -> None:
    layout(tmp_path, {"hugo.toml": "", "_config.yml": ""})
    assert detect_preset(tmp_path, None, str(tmp_path / "empty-path")).name == "plain static"
    bin_dir = tmp_path / "bin"
    layout(bin_dir, {"jekyll": "#!/bin/sh\n"})
    (bin_dir / "jekyll").chmod(0o755)
    assert detect_preset(tmp_path, None, str(bin_dir)).name == "Jekyll"


def plan_for(tmp_path: Path, pkg: dict[str, object], **settings: str) -> list[list[str] | None]:
    layout(tmp_path, {"package.json": json.dumps(pkg), "package-lock.json": "{}"})
    plan = make_plan(
        tmp_path,
        root_dir=settings.get("root_dir", ""),
        install_command=settings.get("install_command", ""),
        build_command=settings.get("build_command", ""),
        path=PATH,
    )
    return [
        plan.install.argv if plan.install else None,
        plan.build.argv if plan.build else None,
    ]


def test_build_script_runs_through_the_package_manager(tmp_path: Path) -> None:
    pkg = {"scripts": {"build": "vite build"}, "devDependencies": {"vite": "6"}}
    assert plan_for(tmp_path, pkg) == [["npm", "install"], ["npm", "run", "build"]]


def test_preset_command_when_there_is_no_build_script(tmp_path: Path) -> None:
    pkg = {"devDependencies": {"astro": "5"}}
    assert plan_for(tmp_path, pkg)[1] == ["npm", "exec", "--no", "--", "astro", "build"]


def test_project_settings_win(tmp_path: Path) -> None:
    pkg = {"scripts": {"build": "vite build"}}
    install, build = plan_for(
        tmp_path, pkg, install_command="npm i --legacy-peer-deps", build_command="make site"
    )
    assert install == ["sh", "-c", "npm i --legacy-peer-deps"]
    assert build == ["sh", "-c", "make site"]


def test_no_install_without_lockfile_or_dependencies(tmp_path: Path) -> None:
    layout(tmp_path, {"package.json": json.dumps({"scripts": {"build": "node b.js"}})})
    plan = make_plan(tmp_path, root_dir="", install_command="", build_command="", path=PATH)
    assert plan.install is None
    assert plan.build is not None


def test_root_dir_must_stay_inside(tmp_path: Path) -> None:
    with pytest.raises(BuildFailure, match="leaves the repository"):
        make_plan(
            tmp_path, root_dir="../elsewhere", install_command="", build_command="", path=PATH
        )


@pytest.mark.parametrize(
    ("files", "pkg", "message"),
    [
        pytest.param(
            {"package-lock.json": "{}"},
            {"packageManager": "pnpm@9.15.9"},
            "package-lock.json is npm's lockfile, but this project installs with pnpm "
            "(package.json's packageManager is 'pnpm@9.15.9'): delete package-lock.json, or "
            "make npm the project's package manager",
            id="declared-other",
        ),
        pytest.param(
            {"yarn.lock": YARN_CLASSIC_LOCK, "package-lock.json": "{}"},
            {},
            "package-lock.json is npm's lockfile, but this project installs with yarn "
            "(yarn.lock is found first): delete package-lock.json, or make npm the project's "
            "package manager",
            id="two-lockfiles",
        ),
    ],
)
def test_a_lockfile_of_another_manager_is_one_sentence(
    tmp_path: Path, files: dict[str, str], pkg: dict[str, object], message: str
) -> None:
    layout(tmp_path, files)
    pm = detect_package_manager(tmp_path, tmp_path, pkg)
    assert pm.other_lockfile == message
    assert install_hint(pm, ["npm error something else entirely"]) == message


def test_one_lockfile_of_the_projects_manager_says_nothing(tmp_path: Path) -> None:
    layout(tmp_path, {"pnpm-lock.yaml": ""})
    pm = detect_package_manager(tmp_path, tmp_path, {})
    assert pm.other_lockfile is None
    assert install_hint(pm, ["ERR_PNPM_FETCH_404"]) is None
