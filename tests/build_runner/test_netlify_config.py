"""netlify.toml: build settings, translation into `_redirects` / `_headers`, and refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from build_runner.buildenv import add_file_variables
from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from build_runner.netlify_config import (
    DeployTarget,
    NetlifyConfig,
    describe,
    parse_netlify_config,
    publish_directory,
    read_netlify_config,
)
from build_runner.plan import BuildPlan, make_plan
from build_runner.serving import MAX_RULES_BYTES, NETLIFY_TOML_MARK, serving_config
from services.core.build_protocol import EXIT_OUTPUT
from services.core.site_rules import parse_headers, parse_redirects

PATH = "/usr/local/bin:/usr/bin:/bin"

REDIRECTS = """
[[redirects]]
from = "/blog/*"
to = "/news/:splat"

[[redirects]]
from = "/app/*"
to = "/index.html"
status = 200

[[redirects]]
from = "/"
to = "/fr/"
status = 302
force = true
conditions = {Language = ["fr", "fr-CA"], Country = ["FR"], Cookie = ["beta"]}

[[redirects]]
from = "/store"
to = "/product/:id"
query = {id = ":id"}
"""

HEADERS = """
[[headers]]
for = "/*"
[headers.values]
X-Frame-Options = "DENY"
Content-Security-Policy = "default-src 'self'"

[[headers]]
for = "/assets/*"
values = {Cache-Control = "public, max-age=31536000"}
"""


def failure(text: str) -> str:
    with pytest.raises(BuildFailure) as raised:
        parse_netlify_config(text)
    assert raised.value.exit_code == EXIT_OUTPUT
    return raised.value.message


def redirect(keys: dict[str, str | None]) -> str:
    """A valid [[redirects]] entry, then one changed by `keys` (None: left out), redirects[2]."""
    entry = {"from": '"/a"', "to": '"/b"', **keys}
    body = "\n".join(f"{key} = {value}" for key, value in entry.items() if value is not None)
    return f'[[redirects]]\nfrom = "/a"\nto = "/b"\n\n[[redirects]]\n{body}\n'


def test_redirects_become_redirects_lines_with_netlify_defaults() -> None:
    config = parse_netlify_config(REDIRECTS)
    assert config.redirects == (
        "/blog/* /news/:splat 301",
        "/app/* /index.html 200",
        "/ /fr/ 302! Language=fr,fr-CA Country=FR Cookie=beta",
        "/store id=:id /product/:id 301",
    )
    rules = parse_redirects(config.redirects_text())
    assert [(r.status, r.force) for r in rules] == [
        (301, False),
        (200, False),
        (302, True),
        (301, False),
    ]
    assert rules[3].target({"id": "7"}) == "/product/7"


def test_headers_become_headers_blocks() -> None:
    config = parse_netlify_config(HEADERS)
    assert config.headers_text() == (
        "/*\n  X-Frame-Options: DENY\n  Content-Security-Policy: default-src 'self'\n"
        "/assets/*\n  Cache-Control: public, max-age=31536000\n"
    )
    rules = parse_headers(config.headers_text())
    assert [rule.headers for rule in rules] == [
        (("X-Frame-Options", "DENY"), ("Content-Security-Policy", "default-src 'self'")),
        (("Cache-Control", "public, max-age=31536000"),),
    ]


def test_condition_names_are_matched_case_insensitively() -> None:
    text = '[[redirects]]\nfrom = "/"\nto = "/de/"\nconditions = {language = ["de"]}\n'
    assert parse_netlify_config(text).redirects == ("/ /de/ 301 Language=de",)


def test_a_role_rule_is_kept_with_a_warning_naming_the_entry() -> None:
    config = parse_netlify_config(
        redirect({"from": '"/admin/*"', "to": '"/admin.html"', "conditions": '{Role = ["admin"]}'})
    )
    assert config.redirects[1] == "/admin/* /admin.html 301 Role=admin"
    assert any(
        note.startswith("netlify.toml redirects[2]: Role= never matches") for note in config.notes
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"from": '"/a b"'}, "redirects[2]: from '/a b' holds whitespace"),
        ({"to": '"/b\\tc"'}, "redirects[2]: to '/b\\tc' holds whitespace"),
        ({"from": '"#a"'}, "redirects[2]: from '#a' must start with '/'"),
        ({"to": '"b=c"'}, "redirects[2]: to 'b=c' must start with '/'"),
        ({"from": None}, "redirects[2]: from is missing"),
        ({"from": '""'}, "redirects[2]: from is empty"),
        ({"from": "1"}, "redirects[2].from: must be a string, got an integer"),
        ({"status": "418"}, "redirects[2]: unsupported status 418"),
        ({"status": "3010"}, "redirects[2]: unsupported status 3010"),
        (
            {"status": '"301"'},
            "status must be an integer, got a string",
        ),
        (
            {"force": '"yes"'},
            "redirects[2].force: must be true or false",
        ),
        (
            {"from": '"/api/*"', "to": '"https://api.example.com/:splat"', "status": "200"},
            "redirects[2]: status 200 to an external URL would proxy it",
        ),
        (
            {"signed": '"SECRET"'},
            "redirects[2]: unknown key 'signed'",
        ),
        (
            {"headers": '{X-A = "1"}'},
            "redirects[2]: unknown key 'headers'",
        ),
        (
            {"query": '{"a=b" = "c"}'},
            "query key 'a=b' cannot be written",
        ),
        (
            {"query": '{"/x" = "c"}'},
            "query key '/x' cannot be written",
        ),
        (
            {"query": '{id = "a b"}'},
            "query.id 'a b' holds whitespace",
        ),
        (
            {"conditions": '{Weather = ["sun"]}'},
            "unknown condition 'Weather'",
        ),
        (
            {"conditions": '{Language = "fr"}'},
            "non-empty array of strings",
        ),
        (
            {"conditions": "{Language = []}"},
            "non-empty array of strings",
        ),
        ({"conditions": '{Country = ["us,ca"]}'}, "holds ','"),
        ({"conditions": '{Country = ["u s"]}'}, "holds whitespace"),
        ({"from": '"/a/*/b"'}, "redirects[2]: '*' is only allowed at the end"),
        ({"to": f'"/{"x" * 2000}"'}, "redirects[2]: longer than 2000 characters"),
    ],
)
def test_a_redirect_the_syntax_cannot_carry_fails_naming_the_entry(
    entry: dict[str, str | None], message: str
) -> None:
    assert message in failure(redirect(entry))
    assert failure(redirect(entry)).startswith("netlify.toml redirects[2]")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ('{X-Policy = "a\\nb"}', "the value of X-Policy spans several lines"),
        ("{X-Policy = '''\nmax-age=0,\nno-cache'''}", "the value of X-Policy spans several lines"),
        ('{X-Policy = "a\\u2028b"}', "spans several lines"),
        ('{X-Policy = "a\\u0000b"}', "holds a control character"),
        ('{"A:B" = "c"}', "header name 'A:B' cannot be written"),
        ('{"X Y" = "c"}', "expected 'Name: value'"),
        ('{Content-Length = "1"}', "header Content-Length is set by the proxy"),
        ("{X-Count = 5}", "headers[1].values.X-Count: must be a string, got an integer"),
    ],
)
def test_a_header_the_syntax_cannot_carry_fails_naming_the_entry(values: str, message: str) -> None:
    text = f'[[headers]]\nfor = "/*"\nvalues = {values}\n'
    assert message in failure(text)
    assert failure(text).startswith("netlify.toml headers[1]")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[headers]]\nfor = "/a b"\nvalues = {X-A = "1"}\n',
            "headers[1]: for '/a b' holds whitespace",
        ),
        ('[[headers]]\nfor = "# a"\n', "holds whitespace"),
        ('[[headers]]\nfor = "#a"\n', "headers[1]: for '#a' must start with '/'"),
        ('[[headers]]\nfor = "/a"\nvalue = {X-A = "1"}\n', "headers[1]: unknown key 'value'"),
        ("headers = 1\n", "netlify.toml headers: must be an array of tables"),
        ('redirects = {from = "/a"}\n', "netlify.toml redirects: must be an array of tables"),
        ('build = "npm run build"\n', "netlify.toml build: must be a table, got a string"),
    ],
)
def test_misshapen_entries_fail(text: str, message: str) -> None:
    assert message in failure(text)


def test_a_toml_syntax_error_names_the_line() -> None:
    message = failure('[build]\ncommand = "make"\npublish = dist\n')
    assert message.startswith("netlify.toml is not valid TOML: ")
    assert "line 3" in message


def test_build_settings() -> None:
    config = parse_netlify_config('[build]\ncommand = " npm run docs "\npublish = "site/out/"\n')
    assert (config.command, config.publish) == ("npm run docs", "site/out")


def test_an_absolute_publish_is_refused() -> None:
    assert "build.publish: '/srv/www' must be relative" in failure(
        '[build]\npublish = "/srv/www"\n'
    )


def test_publish_may_not_leave_the_repository(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    assert publish_directory("../dist", tmp_path / "web", tmp_path) == "../dist"
    with pytest.raises(BuildFailure) as raised:
        publish_directory("../x", tmp_path, tmp_path)
    assert raised.value.exit_code == EXIT_OUTPUT
    assert raised.value.message == "netlify.toml build.publish: '../x' leaves the repository"


def test_environment_values_as_toml_writes_them_and_slipway_names_refused() -> None:
    config = parse_netlify_config(
        "[build.environment]\n"
        'NODE_ENV = "production"\nCI = false\nRETRIES = 3\nSLIPWAY_GIT_COMMIT_SHA = "forged"\n'
    )
    assert config.environment == {"NODE_ENV": "production", "CI": "false", "RETRIES": "3"}
    assert (
        "netlify.toml build.environment: SLIPWAY_GIT_COMMIT_SHA ignored: "
        "SLIPWAY_ names are the runner's own"
    ) in config.notes


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ('"my-var" = "1"', "build.environment: 'my-var' is not a variable name"),
        ("A = [1]", "build.environment.A: must be a string, got an array"),
        ('A = "x\\u0000y"', "build.environment.A: holds a NUL character"),
    ],
)
def test_bad_environment_entries_fail(environment: str, message: str) -> None:
    assert message in failure(f"[build.environment]\n{environment}\n")


def test_project_variables_win_over_the_files() -> None:
    env = {"CI": "1", "SHARED": "project", "PATH": PATH}
    add_file_variables(env, {"CI": "false", "SHARED": "file", "NEW": "file"}, {"SHARED": "project"})
    assert env == {"CI": "false", "SHARED": "project", "PATH": PATH, "NEW": "file"}


def test_what_is_ignored_is_named_once() -> None:
    config = parse_netlify_config(
        '[build]\nbase = "site"\nignore = "exit 1"\nfunctions = "fn"\n'
        '[dev]\ncommand = "x"\n[[plugins]]\npackage = "p"\n[functions]\nnode_bundler = "esbuild"\n'
        '[context.production]\ncommand = "a"\n[context.deploy-preview]\ncommand = "b"\n'
    )
    assert config.notes == (
        "netlify.toml build.base 'site' ignored: the project's root directory setting is used "
        "instead",
        "netlify.toml: ignored, not used by Slipway: dev, functions, plugins, build.functions, "
        "build.ignore",
    )
    assert config.context_notes == (
        "netlify.toml [context.production], [context.deploy-preview] ignored: the build does not "
        "know its deploy context (production or preview), so [build] applies to every build",
    )
    assert config.command == ""


def test_describe_says_what_was_used_and_what_the_settings_overrode() -> None:
    config = NetlifyConfig(
        command="make site",
        publish="out",
        environment={"A": "1", "B": "2"},
        redirects=("/a /b 301",),
        headers=("/*\n  X-A: 1\n", "/b\n  X-B: 2\n"),
    )
    assert describe(config, build_setting="", output_setting="", project_env={}) == [
        "read netlify.toml: 1 redirect rule and 2 header rules, applied after _redirects and "
        "_headers",
        "build command from netlify.toml: make site",
        "output directory from netlify.toml: out",
        "build variables from netlify.toml: A, B",
    ]
    assert describe(config, build_setting="x", output_setting="y", project_env={"B": "3"})[1:] == [
        "netlify.toml build command not used: the project's build command setting wins",
        "netlify.toml publish not used: the project's output directory setting wins",
        "build variables from netlify.toml: A",
        "netlify.toml build.environment: B not used: the project's own build variables win",
    ]


def test_no_file_no_config(tmp_path: Path) -> None:
    assert read_netlify_config(tmp_path) is None


def test_the_file_size_is_capped(tmp_path: Path) -> None:
    (tmp_path / "netlify.toml").write_text("#" * (MAX_RULES_BYTES + 1))
    with pytest.raises(BuildFailure, match=r"netlify\.toml is larger than"):
        read_netlify_config(tmp_path)


def plan_with(
    tmp_path: Path, files: dict[str, str], target: DeployTarget | None = None, **settings: str
) -> BuildPlan:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return make_plan(
        tmp_path,
        root_dir=settings.get("root_dir", ""),
        install_command="",
        build_command=settings.get("build_command", ""),
        path=PATH,
        output_dir=settings.get("output_dir", ""),
        target=target or DeployTarget(),
    )


PACKAGE = '{"scripts": {"build": "vite build"}, "devDependencies": {"vite": "5"}}'


def test_netlify_toml_comes_before_package_json_and_presets(tmp_path: Path) -> None:
    toml = '[build]\ncommand = "make site"\npublish = "site"\n'
    plan = plan_with(tmp_path, {"package.json": PACKAGE, "netlify.toml": toml})
    assert plan.build is not None
    assert plan.build.argv == ["sh", "-c", "make site"]
    assert plan.output_dir == "site"
    assert plan.preset.output_dir == "dist"  # still detected, but the publish setting wins


def test_project_settings_come_before_netlify_toml(tmp_path: Path) -> None:
    toml = '[build]\ncommand = "make site"\npublish = "../outside"\n'
    plan = plan_with(
        tmp_path,
        {"package.json": PACKAGE, "netlify.toml": toml},
        build_command="npm run docs",
        output_dir="docs",
    )
    assert plan.build is not None
    assert plan.build.argv == ["sh", "-c", "npm run docs"]
    assert plan.output_dir == "docs"  # the unused publish is not even checked


def test_netlify_toml_is_read_from_the_root_directory(tmp_path: Path) -> None:
    files = {
        "netlify.toml": '[build]\ncommand = "wrong"\n',
        "web/netlify.toml": '[build]\npublish = "../dist"\n',
    }
    plan = plan_with(tmp_path, files, root_dir="web")
    assert plan.build is None
    assert plan.output_dir == "../dist"


def test_serving_config_puts_netlify_rules_after_the_files(tmp_path: Path) -> None:
    (tmp_path / "_redirects").write_text("/old /new 301")  # no final newline
    (tmp_path / "_headers").write_text("/*\n  X-From: file\n")
    config = parse_netlify_config(REDIRECTS + HEADERS)
    stream = io.StringIO()
    serving = serving_config(
        tmp_path,
        spa=False,
        log=BuildLog(stream),
        appended_redirects=config.redirects_text(),
        appended_headers=config.headers_text(),
    )
    assert serving.redirects == f"/old /new 301\n{NETLIFY_TOML_MARK}{config.redirects_text()}"
    assert serving.headers == f"/*\n  X-From: file\n{NETLIFY_TOML_MARK}{config.headers_text()}"
    assert [rule.pattern.source for rule in parse_redirects(serving.redirects)] == [
        "/old", "/blog/*", "/app/*", "/", "/store",
    ]  # fmt: skip


def test_serving_config_without_files_holds_the_netlify_rules(tmp_path: Path) -> None:
    serving = serving_config(
        tmp_path, spa=True, log=BuildLog(io.StringIO()), appended_redirects="/a /b 301\n"
    )
    assert serving.redirects == f"{NETLIFY_TOML_MARK}/a /b 301\n"
    assert serving.headers is None


CONTEXTS = """
[build]
command = "make site"
publish = "out"
[build.environment]
SHARED = "build"
FROM_BUILD = "build"

[context.production]
command = "make production"
environment = { SHARED = "production" }

[context.deploy-preview]
command = "make preview"
publish = "preview-out"
[context.deploy-preview.environment]
SHARED = "preview"
PREVIEW = "1"

[context.branch-deploy]
command = "make branch"
environment = { SHARED = "branch", FROM_BRANCH_DEPLOY = "1" }

[context.staging]
publish = "staging-out"
environment = { SHARED = "staging" }

[context.main]
environment = { SHARED = "main" }
"""


@pytest.mark.parametrize(
    ("target", "command", "publish", "environment"),
    [
        pytest.param(
            DeployTarget("production", "main"),
            "make production",
            "out",
            {"SHARED": "main", "FROM_BUILD": "build"},
            id="production-then-its-branch",
        ),
        pytest.param(
            DeployTarget("production", ""),
            "make production",
            "out",
            {"SHARED": "production", "FROM_BUILD": "build"},
            id="production-without-a-branch",
        ),
        pytest.param(
            DeployTarget("deploy-preview", "staging"),
            "make preview",
            "preview-out",
            {"SHARED": "preview", "FROM_BUILD": "build", "PREVIEW": "1"},
            id="preview-ignores-its-branch",
        ),
        pytest.param(
            DeployTarget("branch-deploy", "staging"),
            "make branch",
            "staging-out",
            {"SHARED": "staging", "FROM_BUILD": "build", "FROM_BRANCH_DEPLOY": "1"},
            id="branch-named-over-branch-deploy",
        ),
        pytest.param(
            DeployTarget("branch-deploy", "feature"),
            "make branch",
            "out",
            {"SHARED": "branch", "FROM_BUILD": "build", "FROM_BRANCH_DEPLOY": "1"},
            id="branch-deploy",
        ),
        pytest.param(
            DeployTarget("branch-deploy", "production"),
            "make branch",
            "out",
            {"SHARED": "branch", "FROM_BUILD": "build", "FROM_BRANCH_DEPLOY": "1"},
            id="branch-named-like-a-context",
        ),
    ],
)
def test_the_contexts_for_the_build_are_laid_over_build(
    target: DeployTarget, command: str, publish: str, environment: dict[str, str]
) -> None:
    config = parse_netlify_config(CONTEXTS, target)
    assert (config.command, config.publish, config.environment) == (command, publish, environment)


def test_the_log_names_the_contexts_applied_and_those_not_used() -> None:
    config = parse_netlify_config(CONTEXTS, DeployTarget("branch-deploy", "staging"))
    assert config.context_notes == (
        "netlify.toml: context branch-deploy applied (command, environment)",
        "netlify.toml: context staging applied (publish, environment)",
        "netlify.toml [context.production], [context.deploy-preview], [context.main] not used: "
        "this is a branch-deploy build of staging",
    )
    assert describe(config, build_setting="", output_setting="", project_env={})[1:5] == [
        *config.context_notes,
        "build command from netlify.toml: make branch",
    ]


def test_an_unknown_context_leaves_build_alone() -> None:
    config = parse_netlify_config(CONTEXTS)
    assert (config.command, config.publish) == ("make site", "out")
    assert config.environment == {"SHARED": "build", "FROM_BUILD": "build"}
    assert config.context_notes == (
        "netlify.toml [context.production], [context.deploy-preview], [context.branch-deploy], "
        "[context.staging], [context.main] ignored: the build does not know its deploy context "
        "(production or preview), so [build] applies to every build",
    )


def test_a_context_only_adds_to_the_build_environment() -> None:
    toml = (
        '[build.environment]\nA = "build"\nB = "build"\n'
        '[context.production.environment]\nB = "production"\nC = "production"\n'
    )
    config = parse_netlify_config(toml, DeployTarget("production", "main"))
    assert config.environment == {"A": "build", "B": "production", "C": "production"}


def test_the_projects_variables_win_over_a_contexts() -> None:
    config = parse_netlify_config(CONTEXTS, DeployTarget("deploy-preview", "x"))
    project = {"SHARED": "project"}
    env = {"PATH": PATH}
    add_file_variables(env, config.environment, project)
    assert env == {"PATH": PATH, "FROM_BUILD": "build", "PREVIEW": "1"}
    assert describe(config, build_setting="", output_setting="", project_env=project)[-2:] == [
        "build variables from netlify.toml: FROM_BUILD, PREVIEW",
        "netlify.toml build.environment: SHARED not used: the project's own build variables win",
    ]


def test_other_keys_of_an_applied_context_are_named_once() -> None:
    toml = (
        '[build]\nignore = "exit 1"\n'
        '[context.production]\nbase = "site"\nedge_functions = "edge"\n'
        '[[context.production.plugins]]\npackage = "p"\n'
        "[context.deploy-preview]\nprocessing = {skip_processing = true}\n"
    )
    config = parse_netlify_config(toml, DeployTarget("production", "main"))
    assert config.notes == (
        "netlify.toml: ignored, not used by Slipway: build.ignore, context.production.base, "
        "context.production.edge_functions, context.production.plugins",
    )
    assert (
        config.context_notes[0] == "netlify.toml: context production applied (nothing Slipway uses)"
    )


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[context.production]\npublish = "/srv/www"\n',
            "netlify.toml context.production.publish: '/srv/www' must be relative",
        ),
        (
            "[context.production]\ncommand = 1\n",
            "netlify.toml context.production.command: must be a string, got an integer",
        ),
        (
            '[context.production.environment]\n"my-var" = "1"\n',
            "netlify.toml context.production.environment: 'my-var' is not a variable name",
        ),
        ('[context]\nproduction = "x"\n', "netlify.toml context.production: must be a table"),
        ('context = "x"\n', "netlify.toml context: must be a table"),
    ],
)
def test_mistakes_in_an_applied_context_fail_naming_it(toml: str, message: str) -> None:
    with pytest.raises(BuildFailure) as raised:
        parse_netlify_config(toml, DeployTarget("production", "main"))
    assert raised.value.message.startswith(message)


def test_a_context_not_applied_is_not_read() -> None:
    toml = '[context.production]\ncommand = 1\n[context.branch-deploy]\ncommand = "make"\n'
    assert parse_netlify_config(toml, DeployTarget("branch-deploy", "x")).command == "make"


def test_slipway_names_in_a_context_are_refused_naming_it() -> None:
    toml = '[context.deploy-preview.environment]\nSLIPWAY_REF = "forged"\nOK = "1"\n'
    config = parse_netlify_config(toml, DeployTarget("deploy-preview", "x"))
    assert config.environment == {"OK": "1"}
    assert config.notes == (
        "netlify.toml context.deploy-preview.environment: SLIPWAY_REF ignored: "
        "SLIPWAY_ names are the runner's own",
    )


def test_the_plan_uses_the_contexts_command_and_publish(tmp_path: Path) -> None:
    files = {"package.json": PACKAGE, "netlify.toml": CONTEXTS}
    plan = plan_with(tmp_path, files, DeployTarget("deploy-preview", "x"))
    assert plan.build is not None
    assert plan.build.argv == ["sh", "-c", "make preview"]
    assert plan.output_dir == "preview-out"


def test_the_projects_settings_still_win_over_a_context(tmp_path: Path) -> None:
    files = {"package.json": PACKAGE, "netlify.toml": CONTEXTS}
    target = DeployTarget("deploy-preview", "x")
    plan = plan_with(tmp_path, files, target, build_command="npm run docs", output_dir="docs")
    assert plan.build is not None
    assert plan.build.argv == ["sh", "-c", "npm run docs"]
    assert plan.output_dir == "docs"


def test_a_contexts_publish_outside_the_repository_fails_naming_the_context(
    tmp_path: Path,
) -> None:
    toml = '[context.branch-deploy]\npublish = "../x"\n'
    with pytest.raises(BuildFailure) as raised:
        plan_with(tmp_path, {"netlify.toml": toml}, DeployTarget("branch-deploy", "x"))
    assert raised.value.message == (
        "netlify.toml context.branch-deploy.publish: '../x' leaves the repository"
    )
