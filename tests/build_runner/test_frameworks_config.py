"""Framework config files as a hostile repository writes them: read as text, never run.

A config that cannot be read (a link out of the checkout, a hard link, too large, not UTF-8)
leaves the framework's default output and a note for the build log; a setting written as
code does too; a directory that leaves the project fails the plan with the one change to
make.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from build_runner.errors import BuildFailure
from build_runner.framework_config import js_settings, without_comments, yaml_setting
from build_runner.output import locate_output
from build_runner.plan import BuildPlan, make_plan
from services.core.build_protocol import EXIT_OUTPUT
from tests.build_runner.test_frameworks import FIXTURES, PATH


def checkout_of(tmp_path: Path, fixture: str, files: dict[str, str | bytes]) -> Path:
    checkout = tmp_path / "checkout"
    shutil.copytree(FIXTURES / fixture, checkout)
    for name, content in files.items():
        path = checkout / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return checkout


def plan(checkout: Path, output_dir: str = "") -> BuildPlan:
    return make_plan(
        checkout,
        root_dir="",
        install_command="",
        build_command="",
        output_dir=output_dir,
        path=PATH,
    )


def outside(where: str, value: str, example: str) -> str:
    return (
        f"{where} is {value!r}, outside the project directory: set it to a directory inside "
        f"the project, such as {example}"
    )


def refused(checkout: Path) -> str:
    with pytest.raises(BuildFailure) as failure:
        plan(checkout)
    assert failure.value.exit_code == EXIT_OUTPUT
    return failure.value.message


def angular_json(output_path: object, builder: str = "@angular/build:application") -> str:
    options = {"browser": "src/main.ts"} if output_path is None else {"outputPath": output_path}
    build = {"builder": builder, "options": options}
    project = {"projectType": "application", "root": "", "architect": {"build": build}}
    return json.dumps({"version": 1, "projects": {"app": project}})


# ---- files that cannot be read ---------------------------------------------------------


def test_a_config_that_links_out_of_the_checkout_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.json"
    outside.write_text(angular_json("../../etc"))
    checkout = checkout_of(tmp_path, "angular", {})
    (checkout / "angular.json").unlink()
    (checkout / "angular.json").symlink_to(outside)
    found = plan(checkout)
    assert found.preset.name == "Angular"
    assert found.output_dir == ""
    assert found.expected_output == "dist"
    assert found.notes == (
        "angular.json not read (a symlink that leaves the repository): "
        "using the default output dist/",
    )


def test_a_config_with_another_name_elsewhere_is_not_read(tmp_path: Path) -> None:
    checkout = checkout_of(tmp_path, "mkdocs", {"mkdocs.yml": "site_dir: /etc\n"})
    os.link(checkout / "mkdocs.yml", tmp_path / "elsewhere.yml")
    found = plan(checkout)
    assert found.expected_output == "site"
    assert len(found.notes) == 1
    assert found.notes[0].startswith("mkdocs.yml not read (a hard link")


def test_a_huge_config_is_not_read(tmp_path: Path) -> None:
    huge = angular_json("dist/app") + " " * (1024 * 1024)
    found = plan(checkout_of(tmp_path, "angular", {"angular.json": huge}))
    assert found.expected_output == "dist"
    assert found.notes == (
        "angular.json not read (larger than 1048576 bytes): using the default output dist/",
    )


def test_a_config_that_is_not_utf8_is_not_read(tmp_path: Path) -> None:
    found = plan(checkout_of(tmp_path, "astro", {"astro.config.mjs": b"outDir: '\xff'\n"}))
    assert found.expected_output == "dist"
    assert found.notes == (
        "astro.config.mjs not read (not UTF-8 text): using the default output dist/",
    )


def test_a_config_that_is_a_fifo_is_not_opened(tmp_path: Path) -> None:
    checkout = checkout_of(tmp_path, "vite-react", {})
    (checkout / "vite.config.ts").unlink()
    os.mkfifo(checkout / "vite.config.ts")
    found = plan(checkout)  # opening a fifo would wait for a writer forever
    assert found.expected_output == "dist"
    assert found.notes == ()  # not a file: as if there were none


def test_a_marker_file_that_links_out_is_no_framework(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n")
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "mkdocs.yml").symlink_to(tmp_path / "mkdocs.yml")
    found = plan(checkout)
    assert found.preset.name == "plain static"
    assert found.notes == ("mkdocs.yml ignored: a symlink that leaves the repository",)


# ---- outputs that leave the project ----------------------------------------------------


def test_an_angular_output_path_outside_the_project_fails_the_plan(tmp_path: Path) -> None:
    checkout = checkout_of(tmp_path, "angular", {"angular.json": angular_json("../../etc")})
    assert refused(checkout) == (
        "angular.json projects.app.architect.build.options.outputPath is '../../etc', outside "
        "the project directory: set it to a directory inside the project, such as "
        "dist/app/browser"
    )


ANGULAR_OPTIONS = "angular.json projects.app.architect.build.options"
BROWSER_BUILDER = "@angular-devkit/build-angular:browser"


@pytest.mark.parametrize(
    ("fixture", "files", "message"),
    [
        pytest.param(
            "angular",
            {"angular.json": angular_json({"base": "dist/app", "browser": "../../../etc"})},
            outside(f"{ANGULAR_OPTIONS}.outputPath.browser", "../../../etc", "dist/app/browser"),
            id="angular-browser",
        ),
        pytest.param(
            "angular-browser-builder",
            {"angular.json": angular_json("/var/www", BROWSER_BUILDER)},
            outside(f"{ANGULAR_OPTIONS}.outputPath", "/var/www", "dist/app"),
            id="angular-absolute",
        ),
        pytest.param(
            "mkdocs",
            {"mkdocs.yml": "site_name: x\nsite_dir: ../public_html\n"},
            outside("mkdocs.yml site_dir", "../public_html", "site"),
            id="mkdocs-site_dir",
        ),
        pytest.param(
            "astro",
            {"astro.config.mjs": "export default defineConfig({ outDir: '..' });\n"},
            outside("astro.config.mjs outDir", "..", "dist"),
            id="astro-outDir",
        ),
        pytest.param(
            "vitepress",
            {"docs/.vitepress/config.mts": "export default { outDir: '../../x' }\n"},
            outside("docs/.vitepress/config.mts outDir", "../../x", "docs/.vitepress/dist"),
            id="vitepress-outDir",
        ),
        pytest.param(
            "hexo",
            {"_config.yml": "public_dir: /srv/www\n"},
            outside("_config.yml public_dir", "/srv/www", "public"),
            id="hexo-public_dir",
        ),
        pytest.param(
            "vite-react",
            {"vite.config.ts": "export default { build: { outDir: '.' } }\n"},
            "vite.config.ts outDir is '.', the project directory itself: set it to a "
            "directory of its own, such as dist",
            id="vite-itself",
        ),
    ],
)
def test_an_output_outside_the_project_fails_the_plan_with_the_change_to_make(
    tmp_path: Path, fixture: str, files: dict[str, str | bytes], message: str
) -> None:
    assert refused(checkout_of(tmp_path, fixture, files)) == message


def test_the_projects_output_setting_means_the_config_is_not_consulted(tmp_path: Path) -> None:
    checkout = checkout_of(tmp_path, "angular", {"angular.json": angular_json("../../etc")})
    assert plan(checkout, output_dir="dist/angular-app/browser").notes == ()


def test_an_output_that_is_a_link_out_is_refused_when_it_is_located(tmp_path: Path) -> None:
    checkout = checkout_of(tmp_path, "mkdocs", {"mkdocs.yml": "site_dir: built\n"})
    (checkout / "built").symlink_to(tmp_path)
    found = plan(checkout)
    assert found.output_dir == "built"
    with pytest.raises(BuildFailure, match="output directory 'built' leaves the repository"):
        locate_output(checkout, checkout, found.output_dir, found.preset.output_dir)


# ---- settings read from the config -----------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "files", "output"),
    [
        pytest.param(
            "angular",
            {"angular.json": angular_json({"base": "www", "browser": ""})},
            "www",
            id="angular-base-only",
        ),
        pytest.param(
            "angular",
            {"angular.json": angular_json("build/app")},
            "build/app/browser",
            id="angular-string",
        ),
        pytest.param(
            "angular-browser-builder",
            {"angular.json": angular_json("www", BROWSER_BUILDER)},
            "www",
            id="ionic-angular",
        ),
        pytest.param(
            "mkdocs",
            {"mkdocs.yml": "site_name: x\nsite_dir: 'public' # served\n"},
            "public",
            id="mkdocs",
        ),
        pytest.param("hexo", {"_config.yml": "public_dir: www\n"}, "www", id="hexo"),
        pytest.param(
            "astro",
            {"astro.config.mjs": "export default defineConfig({\n  outDir: './build',\n});\n"},
            "build",
            id="astro",
        ),
        pytest.param(
            "vite-react",
            {"vite.config.ts": "export default { root: 'src', build: { outDir: '../www' } }"},
            "www",
            id="vite-root",
        ),
        pytest.param(
            "vite-react",
            {"vite.config.ts": "export default { root: 'src' }"},
            "src/dist",
            id="vite-root-default",
        ),
        pytest.param(
            "sveltekit-svelte-config",
            {"svelte.config.js": "const config = { kit: { adapter: adapter({ pages: 'www' }) } }"},
            "www",
            id="sveltekit-pages",
        ),
        pytest.param(
            "react-router-spa",
            {"react-router.config.ts": "export default { ssr: false, buildDirectory: 'dist' }"},
            "dist/client",
            id="react-router-buildDirectory",
        ),
        pytest.param(
            "vitepress",
            {"docs/.vitepress/config.mts": "export default { outDir: '../public' }"},
            "public",
            id="vitepress-outDir",
        ),
        pytest.param(
            "vuepress",
            {"docs/.vuepress/config.js": "export default defineUserConfig({ dest: 'public' })"},
            "public",
            id="vuepress-dest",
        ),
        pytest.param(
            "eleventy",
            {
                "eleventy.config.js": 'export const config = { dir: { input: "src", output: "www" } };'
            },
            "www",
            id="eleventy",
        ),
    ],
)
def test_an_output_named_by_the_frameworks_config_is_the_plans(
    tmp_path: Path, fixture: str, files: dict[str, str | bytes], output: str
) -> None:
    found = plan(checkout_of(tmp_path, fixture, files))
    assert found.output_dir == output
    assert found.notes == ()


@pytest.mark.parametrize(
    ("fixture", "files", "note"),
    [
        pytest.param(
            "vite-react",
            {"vite.config.ts": "export default { build: { outDir: resolve(__dirname, 'www') } }"},
            "vite.config.ts outDir is set by code Slipway does not run: using the default "
            "output dist/",
            id="code",
        ),
        pytest.param(
            "astro",
            {"astro.config.mjs": "const a = { outDir: 'one' };\nconst b = { outDir: 'two' };\n"},
            "astro.config.mjs outDir is set more than once: using the default output dist/",
            id="twice",
        ),
        pytest.param(
            "mkdocs",
            {"mkdocs.yml": "site_name: x\nsite_dir: !ENV [SITE_DIR, 'site']\n"},
            "mkdocs.yml site_dir is set by code Slipway does not run: using the default "
            "output site/",
            id="yaml-tag",
        ),
        pytest.param(
            "angular",
            {"angular.json": "{ not json"},
            "angular.json has no projects: using the default output dist/",
            id="angular-broken",
        ),
        pytest.param(
            "angular",
            {"angular.json": "[" * 500_000},
            "angular.json has no projects: using the default output dist/",
            id="angular-nested-too-deep",
        ),
        pytest.param(
            "angular",
            {"angular.json": angular_json("dist/x", "@nx/angular:webpack-server")},
            "angular.json projects.app.architect.build uses the builder "
            "'@nx/angular:webpack-server', whose output is not known: using the default "
            "output dist/",
            id="angular-unknown-builder",
        ),
    ],
)
def test_a_setting_that_cannot_be_read_leaves_the_default_and_says_so(
    tmp_path: Path, fixture: str, files: dict[str, str | bytes], note: str
) -> None:
    found = plan(checkout_of(tmp_path, fixture, files))
    assert found.notes == (note,)


def test_a_commented_out_setting_is_not_read(tmp_path: Path) -> None:
    config = "export default {\n  // outDir: 'old',\n  /* outDir: 'older' */\n}\n"
    found = plan(checkout_of(tmp_path, "astro", {"astro.config.mjs": config}))
    assert (found.output_dir, found.notes) == ("", ())


def test_angular_json_may_hold_comments_and_trailing_commas(tmp_path: Path) -> None:
    text = angular_json("www").replace('"version": 1,', '// the workspace\n"version": 1,')
    text = text.replace('"www"}', '"www",}')
    found = plan(checkout_of(tmp_path, "angular", {"angular.json": text}))
    assert found.output_dir == "www/browser"


def test_angular_takes_the_default_configurations_output_path(tmp_path: Path) -> None:
    data = json.loads(angular_json("dist/dev"))
    build = data["projects"]["app"]["architect"]["build"]
    build["defaultConfiguration"] = "production"
    build["configurations"] = {"production": {"outputPath": "dist/prod"}}
    found = plan(checkout_of(tmp_path, "angular", {"angular.json": json.dumps(data)}))
    assert found.output_dir == "dist/prod/browser"


def test_angular_with_several_applications_publishes_the_root_one(tmp_path: Path) -> None:
    data = json.loads(angular_json(None))
    data["projects"]["admin"] = {"projectType": "application", "root": "projects/admin"}
    data["projects"]["lib"] = {"projectType": "library", "root": "projects/lib"}
    found = plan(checkout_of(tmp_path, "angular", {"angular.json": json.dumps(data)}))
    assert found.output_dir == "dist/app/browser"
    assert found.notes == (
        "angular.json has 2 applications (app, admin): publishing app; set the output "
        "directory to publish another",
    )


# ---- what a framework needs to write static files --------------------------------------


@pytest.mark.parametrize(
    ("fixture", "files", "package", "note"),
    [
        pytest.param(
            "react-router-spa",
            {"react-router.config.ts": "export default { ssr: true } satisfies Config;"},
            {},
            "react-router.config.ts does not set `ssr: false`: React Router builds a server "
            "app, and build/client holds only the pages it prerenders; set `ssr: false` for "
            "a static SPA",
            id="react-router-ssr",
        ),
        pytest.param(
            "sveltekit",
            {},
            {"devDependencies": {"@sveltejs/kit": "^2", "@sveltejs/adapter-auto": "^7"}},
            "SvelteKit writes static files only with @sveltejs/adapter-static: add it "
            "(`npx sv add sveltekit-adapter=adapter:static`) and use it in the config",
            id="sveltekit-adapter-auto",
        ),
        pytest.param(
            "solid-start",
            {"app.config.ts": "export default defineConfig({});"},
            {},
            "SolidStart writes static files only with the static preset: set "
            "`server: { preset: 'static' }` in app.config.ts",
            id="solid-start-server",
        ),
        pytest.param(
            "astro",
            {"astro.config.mjs": "export default defineConfig({ output: 'server' });"},
            {},
            "astro.config.mjs sets output: 'server': only prerendered pages are static files",
            id="astro-server",
        ),
    ],
)
def test_a_framework_set_up_for_a_server_is_told_what_makes_it_static(
    tmp_path: Path,
    fixture: str,
    files: dict[str, str | bytes],
    package: dict[str, object],
    note: str,
) -> None:
    checkout = checkout_of(tmp_path, fixture, files)
    if package:
        pkg = json.loads((checkout / "package.json").read_text())
        pkg.update(package)
        (checkout / "package.json").write_text(json.dumps(pkg))
    assert plan(checkout).notes == (note,)


def test_qwik_city_without_its_static_adapter_is_told_to_add_it(tmp_path: Path) -> None:
    checkout = checkout_of(tmp_path, "qwik-city", {})
    shutil.rmtree(checkout / "adapters")
    assert plan(checkout).notes == (
        "Qwik City writes static pages only with its static adapter: run "
        "`npm run qwik add static` and commit adapters/static/",
    )


# ---- the readers -----------------------------------------------------------------------


def test_strings_that_look_like_comments_are_kept() -> None:
    code = without_comments("export default { base: 'https://x.dev/', outDir: \"a//b\" }")
    assert js_settings(code, "outDir") == ["a//b"]
    assert js_settings(code, "base") == ["https://x.dev/"]


@pytest.mark.parametrize(
    ("code", "values"),
    [
        pytest.param("{ outDir: `www` }", ["www"], id="template"),
        pytest.param("{ outDir: `${root}/www` }", [None], id="template-with-code"),
        pytest.param("{ outDir: 'a' + b }", [None], id="expression"),
        pytest.param('{ "outDir": "www" }', ["www"], id="quoted-key"),
        pytest.param("{ myoutDir: 'x', o.outDir: 'y' }", [], id="other-names"),
    ],
)
def test_only_plain_strings_are_values(code: str, values: list[str | None]) -> None:
    assert js_settings(without_comments(code), "outDir") == values


def test_yaml_values_plain_quoted_or_not_read() -> None:
    text = 'site_dir: out # built\nnested:\n  site_dir: no\nsite_dir: [a]\nsite_dir: "q"\n'
    assert yaml_setting(text, "site_dir") == ["out", None, "q"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("/*" * 500_000, id="unclosed-comments"),
        pytest.param("`" + "'" * 1_000_000, id="unclosed-template"),
        pytest.param("outDir:" * 140_000, id="many-keys"),
    ],
)
def test_a_hostile_megabyte_is_read_in_linear_time(text: str) -> None:
    started = time.monotonic()
    js_settings(without_comments(text), "outDir")
    assert time.monotonic() - started < 2.0
