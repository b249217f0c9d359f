"""vercel.json: build settings, translation into `_redirects` / `_headers`, and refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from build_runner.errors import BuildFailure
from build_runner.plan import BuildPlan, make_plan
from build_runner.serving import MAX_RULES_BYTES
from build_runner.vercel_config import (
    VercelConfig,
    describe,
    parse_vercel_config,
    read_vercel_config,
)
from services.core.build_protocol import EXIT_OUTPUT
from services.core.site_rules import parse_headers, parse_redirects
from tests.build_runner.test_netlify_config import PACKAGE, plan_with

PATH = "/usr/local/bin:/usr/bin:/bin"


def parsed(**data: Any) -> VercelConfig:
    return parse_vercel_config(json.dumps(data))


def refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(BuildFailure) as failure:
        parse_vercel_config(json.dumps(data))
    assert failure.value.exit_code == EXIT_OUTPUT
    assert message in failure.value.message, failure.value.message


def redirect_line(**entry: Any) -> str:
    return parsed(redirects=[entry]).redirects[0]


def rewrite_line(**entry: Any) -> str:
    return parsed(rewrites=[entry]).rewrites[0]


@pytest.mark.parametrize(
    ("source", "destination", "line"),
    [
        ("/old", "/new", "/old /new 308!"),
        ("/blog/:slug", "/news/:slug", "/blog/:slug /news/:slug 308!"),
        ("/a/:x/b/:y", "/c/:y/:x", "/a/:x/b/:y /c/:y/:x 308!"),
        ("/docs/:path*", "/guide/:path*", "/docs/* /guide/:splat 308!"),
        ("/docs/:path*", "/guide/:path", "/docs/* /guide/:splat 308!"),
        ("/docs/(.*)", "/guide/$1", "/docs/* /guide/:splat 308!"),
        ("/docs/:rest(.*)", "/guide/:rest", "/docs/* /guide/:splat 308!"),
        ("/(.*)", "https://new.example/$1", "/* https://new.example/:splat 308!"),
        ("/p/:id", "/item?id=:id", "/p/:id /item?id=:id 308!"),
    ],
)
def test_redirect_sources_and_destinations(source: str, destination: str, line: str) -> None:
    assert redirect_line(source=source, destination=destination) == line


@pytest.mark.parametrize(
    ("entry", "status"),
    [
        ({}, "308!"),  # Vercel's default is permanent
        ({"permanent": True}, "308!"),
        ({"permanent": False}, "307!"),
        ({"statusCode": 301}, "301!"),
        ({"permanent": True, "statusCode": 302}, "302!"),  # statusCode wins
        ({"statusCode": 303}, "303!"),
    ],
)
def test_redirect_status_and_force(entry: dict[str, Any], status: str) -> None:
    assert redirect_line(source="/a", destination="/b", **entry) == f"/a /b {status}"


def test_rewrites_are_not_forced_and_follow_redirects() -> None:
    config = parsed(
        rewrites=[{"source": "/(.*)", "destination": "/index.html"}],
        redirects=[{"source": "/old", "destination": "/"}],
    )
    assert config.rewrites == ("/* /index.html 200",)
    assert config.redirects_text() == "/old / 308!\n/* /index.html 200\n"
    rules = parse_redirects(config.redirects_text())
    assert [(rule.force, rule.status) for rule in rules] == [(True, 308), (False, 200)]


def test_a_cookie_present_becomes_a_cookie_condition() -> None:
    has = [{"type": "cookie", "key": "beta"}, {"type": "cookie", "key": "staff"}]
    assert (
        redirect_line(source="/", destination="/beta/", has=has)
        == "/ /beta/ 308! Cookie=beta Cookie=staff"
    )
    assert rewrite_line(source="/app", destination="/v2.html", has=has[:1], missing=[]) == (
        "/app /v2.html 200 Cookie=beta"
    )


def test_headers_become_headers_blocks() -> None:
    config = parsed(
        headers=[
            {
                "source": "/assets/(.*)",
                "headers": [
                    {"key": "Cache-Control", "value": "public, max-age=31536000"},
                    {"key": "X-Frame-Options", "value": "DENY"},
                ],
            },
            {"source": "/blog/:slug", "headers": [{"key": "X-Blog", "value": "yes"}]},
        ]
    )
    assert config.headers_text() == (
        "/assets/*\n  Cache-Control: public, max-age=31536000\n  X-Frame-Options: DENY\n"
        "/blog/:slug\n  X-Blog: yes\n"
    )
    assert [rule.headers for rule in parse_headers(config.headers_text())] == [
        (("Cache-Control", "public, max-age=31536000"), ("X-Frame-Options", "DENY")),
        (("X-Blog", "yes"),),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Source patterns the `_redirects` syntax cannot carry.
        (
            {"redirects": [{"source": "/a", "destination": "/"}, {"source": "/:id?", "destination": "/"}]},
            "vercel.json redirects[2]: source '/:id?': ':id?' cannot be translated",
        ),
        ({"redirects": [{"source": "/:id+", "destination": "/"}]}, "':id+' cannot be translated"),
        (
            {"redirects": [{"source": "/(.*)/x", "destination": "/"}]},
            "redirects[1]: source '/(.*)/x': '(.*)' cannot be translated",
        ),
        (
            {"redirects": [{"source": "/:id(\\d+)", "destination": "/"}]},
            "':id(\\\\d+)' cannot be translated",
        ),
        ({"rewrites": [{"source": "/[abc]", "destination": "/"}]}, "rewrites[1]: source '/[abc]'"),
        ({"redirects": [{"source": "/a:b", "destination": "/"}]}, "'a:b' cannot be translated"),
        ({"redirects": [{"source": "/:a/:a", "destination": "/"}]}, "uses :a twice"),
        ({"redirects": [{"source": "a", "destination": "/"}]}, "source 'a' must start with '/'"),
        # Destinations.
        (
            {"redirects": [{"source": "/blog/:slug", "destination": "/news/:id"}]},
            "redirects[1]: destination '/news/:id' uses :id, which the source does not capture",
        ),
        (
            {"redirects": [{"source": "/blog/:slug", "destination": "/news/$1"}]},
            "uses $1, which the source does not capture",
        ),
        (
            {"rewrites": [{"source": "/api/(.*)", "destination": "https://api.example/$1"}]},
            "rewrites[1]: destination 'https://api.example/$1' is another site: "
            "Slipway does not proxy",
        ),
        ({"redirects": [{"source": "/a", "destination": "b"}]}, "must start with '/' or be an"),
        ({"redirects": [{"source": "/a"}]}, "redirects[1]: destination is missing"),
        ({"redirects": [{"source": "/a b", "destination": "/"}]}, "holds whitespace"),
        # Statuses.
        (
            {"redirects": [{"source": "/a", "destination": "/", "statusCode": 200}]},
            "statusCode must be one of 301, 302, 303, 307, 308, got 200",
        ),
        (
            {"redirects": [{"source": "/a", "destination": "/", "permanent": "yes"}]},
            "redirects[1].permanent: must be true or false, got a string",
        ),
        # has and missing.
        (
            {"redirects": [{"source": "/a", "destination": "/", "has": [{"type": "header", "key": "x"}]}]},
            "redirects[1]: has[1]: only a cookie's presence",
        ),
        (
            {
                "rewrites": [
                    {
                        "source": "/a",
                        "destination": "/",
                        "has": [{"type": "cookie", "key": "x", "value": "1"}],
                    }
                ]
            },
            "rewrites[1]: has[1]: only a cookie's presence",
        ),
        (
            {"redirects": [{"source": "/a", "destination": "/", "missing": [{"type": "cookie", "key": "x"}]}]},
            "redirects[1]: missing cannot be translated",
        ),
        (
            {
                "headers": [
                    {
                        "source": "/a",
                        "has": [{"type": "cookie", "key": "x"}],
                        "headers": [{"key": "X", "value": "1"}],
                    }
                ]
            },
            "headers[1]: has and missing cannot be translated",
        ),
        # Shapes, types and unknown keys.
        (
            {"redirects": [{"source": "/a", "destination": "/", "basePath": False}]},
            "vercel.json redirects[1]: unknown key 'basePath'",
        ),
        ({"rewrites": [{"source": "/a", "destination": "/", "permanent": True}]}, "unknown key"),
        ({"headers": [{"source": "/a", "headers": [{"key": "X", "value": "1", "x": 1}]}]}, "unknown key 'x'"),
        ({"headers": [{"source": "/a", "headers": []}]}, "headers must be a non-empty array"),
        ({"headers": [{"source": "/a", "headers": [{"key": "X", "value": 1}]}]}, "value: must be a string, got a number"),
        ({"headers": [{"source": "/a", "headers": [{"key": "Bad Name", "value": "1"}]}]}, "expected 'Name: value', got 'Bad Name: 1'"),
        ({"headers": [{"source": "/a", "headers": [{"key": "ETag", "value": "1"}]}]}, "set by the proxy"),
        ({"redirects": {"source": "/a"}}, "vercel.json redirects: must be an array of objects, got an object"),
        ({"buildCommand": 1}, "vercel.json buildCommand: must be a string, got a number"),
        ({"outputDirectory": "/srv/www"}, "outputDirectory: '/srv/www' must be relative"),
        ({"cleanUrls": "yes"}, "vercel.json cleanUrls: must be true or false"),
        ({"framework": 3}, "vercel.json framework: must be a string"),
    ],
)  # fmt: skip
def test_what_cannot_be_translated_fails_naming_the_entry(
    data: dict[str, Any], message: str
) -> None:
    refused(data, message)


def test_invalid_json_names_line_and_column() -> None:
    with pytest.raises(BuildFailure) as failure:
        parse_vercel_config('{\n  "buildCommand": "x",\n}\n')
    assert failure.value.exit_code == EXIT_OUTPUT
    assert failure.value.message.startswith("vercel.json is not valid JSON: ")
    assert "(line 3, column 1)" in failure.value.message


def test_the_top_level_must_be_an_object() -> None:
    with pytest.raises(BuildFailure, match=r"vercel\.json must hold an object, got an array"):
        parse_vercel_config("[]")


def test_build_settings() -> None:
    config = parsed(
        buildCommand=" npm run export ", outputDirectory="out/", installCommand="npm ci"
    )
    assert (config.build_command, config.output_directory) == ("npm run export", "out")
    assert config.install_command == "npm ci"
    assert parsed(buildCommand=None, installCommand=None) == VercelConfig()
    assert parsed(installCommand="").install_command == ""


def test_what_is_ignored_or_explained_is_named_once() -> None:
    config = parsed(
        **{"$schema": "https://openapi.vercel.sh/vercel.json", "framework": None},
        cleanUrls=True,
        trailingSlash=False,
        functions={},
        crons=[],
        env={"A": "1"},
        build={"env": {"B": "2"}},
    )
    assert config.notes == (
        "vercel.json cleanUrls: Slipway always serves clean URLs (/about serves about.html) "
        "but does not redirect /about.html to /about",
        "vercel.json trailingSlash: Slipway redirects a directory asked for without its slash "
        "to the slash form (308, /docs to /docs/) and makes no other trailing-slash redirects",
        "vercel.json: ignored, not used by Slipway: functions, crons, env, build",
        "vercel.json env, build.env: variables are not passed to the build "
        "(deprecated on Vercel); set them as the project's build variables",
    )
    assert parsed(framework="nextjs").notes == ()


def test_describe_says_what_was_used_and_what_the_settings_overrode() -> None:
    config = parsed(
        buildCommand="make",
        outputDirectory="out",
        installCommand="",
        redirects=[{"source": "/a", "destination": "/b"}],
        functions={},
    )
    assert describe(config, build_setting="", output_setting="www", install_setting="") == [
        "read vercel.json: 1 redirect rule, 0 rewrite rules and 0 header rules, "
        "applied after _redirects and _headers",
        "build command from vercel.json: make",
        "vercel.json outputDirectory not used: the project's output directory setting wins",
        "no install step: vercel.json installCommand is empty",
        "vercel.json: ignored, not used by Slipway: functions",
    ]
    installing = parsed(installCommand="npm ci")
    assert describe(installing, build_setting="", output_setting="", install_setting="x")[1] == (
        "vercel.json installCommand not used: the project's install command setting wins"
    )


def test_no_file_no_config_and_the_size_is_capped(tmp_path: Path) -> None:
    assert read_vercel_config(tmp_path) is None
    (tmp_path / "vercel.json").write_text(" " * (MAX_RULES_BYTES + 1))
    with pytest.raises(BuildFailure, match=r"vercel\.json is larger than"):
        read_vercel_config(tmp_path)


def plan_with_install(tmp_path: Path, files: dict[str, str], install_command: str) -> BuildPlan:
    plan_with(tmp_path, files)  # writes the files
    return make_plan(
        tmp_path, root_dir="", install_command=install_command, build_command="", path=PATH
    )


VERCEL_SETTINGS = json.dumps(
    {"buildCommand": "make site", "outputDirectory": "site", "installCommand": "make deps"}
)


def test_vercel_json_comes_before_package_json_and_presets(tmp_path: Path) -> None:
    plan = plan_with(tmp_path, {"package.json": PACKAGE, "vercel.json": VERCEL_SETTINGS})
    assert plan.build is not None
    assert plan.install is not None
    assert plan.build.argv == ["sh", "-c", "make site"]
    assert plan.install.argv == ["sh", "-c", "make deps"]
    assert plan.output_dir == "site"
    assert plan.config_file is plan.vercel is not None
    assert plan.netlify is None


def test_project_settings_come_before_vercel_json(tmp_path: Path) -> None:
    files = {"package.json": PACKAGE, "vercel.json": VERCEL_SETTINGS.replace("site", "../x")}
    plan = plan_with(tmp_path, files, build_command="npm run docs", output_dir="docs")
    assert plan.build is not None
    assert plan.build.argv == ["sh", "-c", "npm run docs"]
    assert plan.output_dir == "docs"  # the unused outputDirectory is not even checked
    install = plan_with_install(tmp_path, {"vercel.json": VERCEL_SETTINGS}, "true").install
    assert install is not None
    assert install.argv == ["sh", "-c", "true"]


def test_an_empty_install_command_skips_the_install(tmp_path: Path) -> None:
    files = {"package.json": PACKAGE, "vercel.json": '{"installCommand": ""}'}
    plan = plan_with(tmp_path, files)
    assert plan.install is None
    assert plan.build is not None  # the build script still runs
    assert plan_with_install(tmp_path, files, "true").install is not None


def test_an_output_directory_outside_the_repository_fails(tmp_path: Path) -> None:
    with pytest.raises(BuildFailure) as failure:
        plan_with(tmp_path, {"vercel.json": '{"outputDirectory": "../x"}'})
    assert failure.value.exit_code == EXIT_OUTPUT
    assert failure.value.message == "vercel.json outputDirectory: '../x' leaves the repository"


def test_both_files_fail_the_build_asking_to_keep_one(tmp_path: Path) -> None:
    with pytest.raises(BuildFailure) as failure:
        plan_with(tmp_path, {"vercel.json": "{}", "netlify.toml": "not even toml ["})
    assert failure.value.exit_code == EXIT_OUTPUT
    assert failure.value.message == (
        "the project has both netlify.toml and vercel.json: "
        "keep the one that describes the site and remove the other"
    )


def test_a_symlinked_file_inside_the_repository_is_read_and_counted(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config/site.json").write_text('{"buildCommand": "make"}')
    (tmp_path / "vercel.json").symlink_to("config/site.json")
    plan = plan_with(tmp_path, {})
    assert plan.vercel is not None
    assert plan.build is not None
    assert plan.build.argv == ["sh", "-c", "make"]
    with pytest.raises(BuildFailure, match=r"has both netlify\.toml and vercel\.json"):
        plan_with(tmp_path, {"netlify.toml": '[build]\ncommand = "netlify"\n'})
