"""Each framework's generated project, planned: its name, install, build and output.

The projects under tests/build_runner/frameworks/ are the small files real generators wrote
(each folder's README.md says which, and which version); node_modules and lockfiles are
left out, so a Node project installs with `npm install`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from build_runner.package_managers import install_args
from build_runner.plan import BuildPlan, make_plan
from tests.build_runner.support import COREPACK_BIN, SYSTEM_PATH

FIXTURES = Path(__file__).parent / "frameworks"
PATH = f"{COREPACK_BIN}:{SYSTEM_PATH}"
RUN_BUILD = ["npm", "run", "build"]


def plan_of(tmp_path: Path, fixture: str, **settings: str) -> BuildPlan:
    checkout = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, checkout)
    bin_dir = tmp_path / "bin"  # Hugo and Jekyll are detected only where they are installed
    bin_dir.mkdir(exist_ok=True)
    for tool in ("hugo", "jekyll"):
        (bin_dir / tool).write_text("#!/bin/sh\n")
        (bin_dir / tool).chmod(0o755)
    return make_plan(
        checkout,
        root_dir="",
        install_command=settings.get("install_command", ""),
        build_command=settings.get("build_command", ""),
        output_dir=settings.get("output_dir", ""),
        path=f"{bin_dir}:{PATH}",
    )


def row(fixture: str, framework: str, build: list[str] | None, output: str) -> object:
    return pytest.param(fixture, framework, build, output, id=fixture)


NODE_ROWS = [
    *(
        row(f"vite-{template}", "Vite", RUN_BUILD, "dist")
        for template in ("vanilla", "react", "vue", "svelte", "preact", "lit", "solid", "qwik")
    ),
    row("astro", "Astro", RUN_BUILD, "dist"),
    row("sveltekit", "SvelteKit (static)", RUN_BUILD, "build"),
    row("sveltekit-svelte-config", "SvelteKit (static)", RUN_BUILD, "build"),
    row("next-export", "Next.js (static export)", RUN_BUILD, "out"),
    # Without `output: 'export'` the runner names the line to add when no out/ appears.
    row("next-server", "Next.js (static export)", RUN_BUILD, "out"),
    row("nuxt", "Nuxt", ["npm", "run", "generate"], ".output/public"),
    row("gatsby", "Gatsby", RUN_BUILD, "public"),
    row("react-router-spa", "React Router (SPA)", RUN_BUILD, "build/client"),
    row("remix-spa", "Remix (SPA)", RUN_BUILD, "build/client"),
    row("solid-start", "SolidStart (static)", RUN_BUILD, ".output/public"),
    row("qwik-city", "Qwik City (static)", RUN_BUILD, "dist"),
    row("docusaurus", "Docusaurus", RUN_BUILD, "build"),
    row("vitepress", "VitePress", ["npm", "run", "docs:build"], "docs/.vitepress/dist"),
    row("vuepress", "VuePress", ["npm", "run", "docs:build"], "docs/.vuepress/dist"),
    row("eleventy", "Eleventy", ["npm", "exec", "--no", "--", "eleventy"], "_site"),
    row("hexo", "Hexo", RUN_BUILD, "public"),
    row("angular", "Angular", RUN_BUILD, "dist/angular-app/browser"),
    row("angular-browser-builder", "Angular", RUN_BUILD, "dist/angular-16"),
    row("create-react-app", "Create React App", RUN_BUILD, "build"),
    row("ember", "Ember", RUN_BUILD, "dist"),
]


@pytest.mark.parametrize(("fixture", "framework", "build", "output"), NODE_ROWS)
def test_a_generated_node_project_is_planned_as_its_framework_builds_it(
    tmp_path: Path, fixture: str, framework: str, build: list[str], output: str
) -> None:
    plan = plan_of(tmp_path, fixture)
    assert plan.preset.name == framework
    assert plan.package_manager is not None
    assert plan.install is not None
    assert plan.install.argv == ["npm", *install_args(plan.package_manager)]
    assert plan.build is not None
    assert plan.build.argv == build
    assert plan.expected_output == output


def sphinx(fixture: str, source: str, output: str) -> object:
    build = ["sphinx-build", "-b", "html", source, output]
    return pytest.param(fixture, "Sphinx", ["pip", "install", "sphinx"], build, output, id=fixture)


@pytest.mark.parametrize(
    ("fixture", "framework", "install", "build", "output"),
    [
        pytest.param(
            "mkdocs",
            "MkDocs",
            ["pip", "install", "mkdocs"],
            ["mkdocs", "build"],
            "site",
            id="mkdocs",
        ),
        sphinx("sphinx", ".", "_build/html"),
        sphinx("sphinx-separate-source", "source", "build/html"),
        sphinx("sphinx-docs", "docs", "docs/_build/html"),
        pytest.param("hugo", "Hugo", None, ["hugo", "--minify"], "public", id="hugo"),
        pytest.param("jekyll", "Jekyll", None, ["jekyll", "build"], "_site", id="jekyll"),
        pytest.param("plain-html", "plain static", None, None, "", id="plain-html"),
    ],
)
def test_a_project_without_package_json_is_planned_by_its_files(
    tmp_path: Path,
    fixture: str,
    framework: str,
    install: list[str] | None,
    build: list[str] | None,
    output: str,
) -> None:
    plan = plan_of(tmp_path, fixture)
    assert plan.preset.name == framework
    assert plan.package_json is None
    assert (plan.install.argv if plan.install else None) == install
    assert (plan.build.argv if plan.build else None) == build
    assert plan.expected_output == output
    assert plan.preset.python == (framework in ("MkDocs", "Sphinx"))


@pytest.mark.parametrize("fixture", sorted(d.name for d in FIXTURES.iterdir() if d.is_dir()))
def test_a_generated_project_leaves_nothing_to_report_but_nuxts_server_build(
    tmp_path: Path, fixture: str
) -> None:
    plan = plan_of(tmp_path, fixture)
    if fixture == "nuxt":
        assert plan.notes == (
            "package.json's build script (`nuxt build`) makes a server app: running its "
            "generate script instead, for static files",
        )
    else:
        assert plan.notes == ()


# ---- precedence ------------------------------------------------------------------------


def rewrite_package(checkout: Path, change: dict[str, object]) -> None:
    pkg = json.loads((checkout / "package.json").read_text())
    for key, value in change.items():
        if value is None:
            pkg.pop(key, None)
        else:
            pkg[key] = value
    (checkout / "package.json").write_text(json.dumps(pkg))


def replan(tmp_path: Path, fixture: str, change: dict[str, object]) -> BuildPlan:
    plan_of(tmp_path, fixture)  # copies the fixture
    rewrite_package(tmp_path / fixture, change)
    return make_plan(
        tmp_path / fixture, root_dir="", install_command="", build_command="", path=PATH
    )


def test_the_projects_settings_win_over_everything_detected(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        "mkdocs",
        install_command="pip install -r docs.txt",
        build_command="mkdocs build -d out",
        output_dir="out",
    )
    assert plan.install is not None
    assert plan.install.argv == ["sh", "-c", "pip install -r docs.txt"]
    assert plan.build is not None
    assert plan.build.argv == ["sh", "-c", "mkdocs build -d out"]
    assert plan.output_dir == "out"


def test_netlify_toml_wins_over_the_frameworks_script_and_output(tmp_path: Path) -> None:
    plan_of(tmp_path, "vitepress")
    checkout = tmp_path / "vitepress"
    (checkout / "netlify.toml").write_text('[build]\ncommand = "make"\npublish = "site"\n')
    plan = make_plan(checkout, root_dir="", install_command="", build_command="", path=PATH)
    assert plan.build is not None
    assert plan.build.argv == ["sh", "-c", "make"]
    assert plan.output_dir == "site"


def test_a_build_script_wins_over_the_frameworks_own_script(tmp_path: Path) -> None:
    scripts = {"build": "vitepress build docs", "docs:build": "vitepress build ./docs"}
    plan = replan(tmp_path, "vitepress", {"scripts": scripts})
    assert plan.build is not None
    assert plan.build.argv == RUN_BUILD
    assert plan.expected_output == "docs/.vitepress/dist"


def test_without_scripts_the_frameworks_command_runs_from_the_dependencies(
    tmp_path: Path,
) -> None:
    plan = replan(tmp_path, "vitepress", {"scripts": None})
    assert plan.build is not None
    assert plan.build.argv == ["npm", "exec", "--no", "--", "vitepress", "build", "docs"]
    assert plan.expected_output == "docs/.vitepress/dist"


def test_the_docs_scripts_root_names_the_output(tmp_path: Path) -> None:
    plan = replan(tmp_path, "vuepress", {"scripts": {"docs:build": "vuepress build site"}})
    assert plan.expected_output == "site/.vuepress/dist"


def test_nuxt_generate_runs_when_the_build_script_makes_a_server(tmp_path: Path) -> None:
    plan = replan(tmp_path, "nuxt", {"scripts": {"build": "nuxt build"}})
    assert plan.build is not None
    assert plan.build.argv == ["npm", "exec", "--no", "--", "nuxt", "generate"]
    assert plan.expected_output == ".output/public"


def test_a_nuxt_build_script_of_the_projects_own_is_kept(tmp_path: Path) -> None:
    plan = replan(tmp_path, "nuxt", {"scripts": {"build": "nuxt generate --dotenv .env.site"}})
    assert plan.build is not None
    assert plan.build.argv == RUN_BUILD
    assert plan.notes == ()


def test_nuxt_2_generates_into_dist(tmp_path: Path) -> None:
    plan = replan(tmp_path, "nuxt", {"dependencies": {"nuxt": "^2.18.1"}})
    assert plan.expected_output == "dist"


def test_a_node_project_with_a_stray_mkdocs_yml_stays_node(tmp_path: Path) -> None:
    plan_of(tmp_path, "vite-react")
    checkout = tmp_path / "vite-react"
    shutil.copy(FIXTURES / "mkdocs" / "mkdocs.yml", checkout)
    plan = make_plan(checkout, root_dir="", install_command="", build_command="", path=PATH)
    assert plan.preset.name == "Vite"


def test_a_package_json_without_dependencies_does_not_hide_mkdocs(tmp_path: Path) -> None:
    plan_of(tmp_path, "mkdocs")
    checkout = tmp_path / "mkdocs"
    (checkout / "package.json").write_text('{"name": "docs", "private": true}')
    plan = make_plan(checkout, root_dir="", install_command="", build_command="", path=PATH)
    assert plan.preset.name == "MkDocs"
    assert plan.install is not None
    assert plan.install.argv == ["pip", "install", "mkdocs"]
    assert plan.build is not None
    assert plan.build.argv == ["mkdocs", "build"]


@pytest.mark.parametrize(
    ("files", "install"),
    [
        pytest.param(
            {"requirements.txt": "mkdocs-material\n"},
            ["pip", "install", "-r", "requirements.txt"],
            id="requirements",
        ),
        pytest.param(
            {"docs/requirements.txt": "mkdocs-material\n"},
            ["pip", "install", "-r", "docs/requirements.txt"],
            id="docs-requirements",
        ),
        pytest.param(
            {"pyproject.toml": "[project]\nname = 'x'\n"}, ["pip", "install", "."], id="pyproject"
        ),
        pytest.param(
            {"requirements.txt": "", "pyproject.toml": ""},
            ["pip", "install", "-r", "requirements.txt"],
            id="requirements-first",
        ),
    ],
)
def test_a_python_project_installs_what_it_lists(
    tmp_path: Path, files: dict[str, str], install: list[str]
) -> None:
    plan_of(tmp_path, "mkdocs")
    checkout = tmp_path / "mkdocs"
    for name, text in files.items():
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text(text)
    plan = make_plan(checkout, root_dir="", install_command="", build_command="", path=PATH)
    assert plan.install is not None
    assert plan.install.argv == install
    assert plan.install.cwd == checkout
