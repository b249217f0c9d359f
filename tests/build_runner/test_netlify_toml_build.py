"""netlify.toml end to end: the runner builds a real repository with one, as the image runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from build_runner.netlify_config import parse_netlify_config
from build_runner.serving import NETLIFY_TOML_MARK
from services.core.build_protocol import EXIT_OUTPUT
from services.core.site_rules import Viewer
from services.proxy.site import Redirect, Serve, Site
from tests.build_runner import corpus
from tests.build_runner.support import RunResult, build_log, has_manifest, published, run_runner
from tests.build_runner.test_netlify_config import HEADERS, REDIRECTS
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.slow

HOST = "site.example"
SITE = {
    "index.html": "<h1>home</h1>",
    "fr/index.html": "<h1>accueil</h1>",
    "news/hello/index.html": "<h1>hello</h1>",
    "special.html": "<h1>special</h1>",
    # The output's own files: Netlify applies their rules before netlify.toml's.
    "_redirects": "/old /new 301\n/blog/special /special.html 200\n",
    "_headers": "/*\n  X-From: _headers\n",
}
NETLIFY_TOML = f"""
[build]
command = 'node write-site.js dist "$(cat site.json)"'
publish = "dist"

[[plugins]]
package = "@netlify/plugin-lighthouse"
{REDIRECTS}{HEADERS}"""
TRANSLATED = parse_netlify_config(NETLIFY_TOML)
# A command that shows what it was given, for the environment's precedence.
SHOW_ENV = (
    'mkdir -p dist && printf "%s|%s|%s|%s" "$FROM_TOML" "$SHARED" "${SLIPWAY_FAKE-unset}" "$CI"'
    " > dist/index.html"
)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def build(repo: GitRepo, files: dict[str, str], storage_url: str, **extra: str) -> RunResult:
    commit = repo.commit(files)
    return run_runner(repo_url=repo.url, commit=commit, storage_url=storage_url, extra=extra)


def netlify_site(toml: str = NETLIFY_TOML) -> dict[str, str]:
    return {
        "netlify.toml": toml,
        "write-site.js": corpus.WRITE_SITE_JS,
        "site.json": json.dumps(SITE),
    }


def assert_failed(result: RunResult, storage_url: str, message: str) -> str:
    assert result.code == EXIT_OUTPUT, result.stdout
    assert not has_manifest(storage_url, result.deployment_id)
    log = build_log(storage_url, result.deployment_id)
    assert log is not None
    assert message in log
    assert f"build failed: output (exit code {EXIT_OUTPUT})" in log
    return log


def test_netlify_toml_builds_publishes_and_serves(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, netlify_site(), local_storage_url)
    assert result.code == 0, result.stdout
    manifest, files, log = published(local_storage_url, result.deployment_id)
    assert files["index.html"] == b"<h1>home</h1>"
    assert "_redirects" not in files
    assert (
        manifest.config.redirects
        == SITE["_redirects"] + NETLIFY_TOML_MARK + TRANSLATED.redirects_text()
    )
    assert (
        manifest.config.headers == SITE["_headers"] + NETLIFY_TOML_MARK + TRANSLATED.headers_text()
    )
    for line in (
        "read netlify.toml: 4 redirect rules and 2 header rules, applied after _redirects",
        "build command from netlify.toml: node write-site.js dist",
        "output directory from netlify.toml: dist",
        "netlify.toml: ignored, not used by Slipway: plugins",
        "output directory: dist",
    ):
        assert line in log

    site = Site(manifest)
    assert site.resolve(HOST, "blog/hello", b"").decision == Redirect("/news/hello", 301)
    # The file's rule comes first and wins over netlify.toml's splat.
    special = site.resolve(HOST, "blog/special", b"").decision
    assert isinstance(special, Serve)
    assert (special.path, special.status) == ("special.html", 200)
    rewritten = site.resolve(HOST, "app/settings", b"").decision
    assert isinstance(rewritten, Serve)
    assert (rewritten.path, rewritten.status) == ("index.html", 200)
    # A redirect keeps the query string (as on Netlify).
    assert site.resolve(HOST, "store", b"id=7").decision == Redirect("/product/7?id=7", 301)
    # Language, Country and Cookie must all hold; the rule is forced over index.html.
    beta_tester = Viewer(languages=frozenset({"fr"}), country="fr", cookies=frozenset({"beta"}))
    assert site.resolve(HOST, "", b"", beta_tester).decision == Redirect("/fr/", 302)
    for viewer in (Viewer(), Viewer(languages=frozenset({"fr"}), country="fr")):
        home = site.resolve(HOST, "", b"", viewer).decision
        assert isinstance(home, Serve)
        assert home.path == "index.html"
    assert site.extra_headers(HOST, "assets/app.js") == [
        ("X-From", "_headers"),
        ("X-Frame-Options", "DENY"),
        ("Content-Security-Policy", "default-src 'self'"),
        ("Cache-Control", "public, max-age=31536000"),
    ]


def test_project_settings_override_netlify_toml(repo: GitRepo, local_storage_url: str) -> None:
    result = build(
        repo,
        netlify_site(),
        local_storage_url,
        SLIPWAY_BUILD_COMMAND="mkdir -p www && echo project > www/index.html",
        SLIPWAY_OUTPUT_DIR="www",
    )
    assert result.code == 0, result.stdout
    manifest, files, log = published(local_storage_url, result.deployment_id)
    assert files == {"index.html": b"project\n"}
    assert "netlify.toml build command not used: the project's build command setting wins" in log
    assert "netlify.toml publish not used: the project's output directory setting wins" in log
    # Its rules still apply: they are not build settings.
    assert manifest.config.redirects == NETLIFY_TOML_MARK + TRANSLATED.redirects_text()


def test_build_environment_reaches_the_build_under_the_projects_variables(
    repo: GitRepo, local_storage_url: str
) -> None:
    toml = (
        f"[build]\ncommand = '{SHOW_ENV}'\n"
        "[build.environment]\n"
        'FROM_TOML = "toml"\nSHARED = "toml"\nSLIPWAY_FAKE = "forged"\nCI = false\n'
    )
    result = build(
        repo,
        {"netlify.toml": toml},
        local_storage_url,
        SLIPWAY_BUILD_ENV_NAMES="SHARED",
        SHARED="from-the-project",
    )
    assert result.code == 0, result.stdout
    _, files, log = published(local_storage_url, result.deployment_id)
    assert files["index.html"] == b"toml|from-the-project|unset|false"
    assert "build variables from netlify.toml: FROM_TOML, CI" in log
    assert "netlify.toml build.environment: SHARED not used" in log
    assert "netlify.toml build.environment: SLIPWAY_FAKE ignored" in log


def test_a_toml_syntax_error_fails_the_build_with_its_line(
    repo: GitRepo, local_storage_url: str
) -> None:
    result = build(repo, netlify_site("[build]\npublish = dist\n"), local_storage_url)
    log = assert_failed(result, local_storage_url, "netlify.toml is not valid TOML: ")
    assert "line 2" in log


def test_a_publish_outside_the_repository_fails_before_the_build(
    repo: GitRepo, local_storage_url: str
) -> None:
    toml = "[build]\ncommand = 'echo BUILD RAN'\npublish = \"../x\"\n"
    result = build(repo, {"netlify.toml": toml, "index.html": "home"}, local_storage_url)
    log = assert_failed(
        result, local_storage_url, "netlify.toml build.publish: '../x' leaves the repository"
    )
    assert "BUILD RAN" not in log


def test_a_redirect_slipway_cannot_express_fails_naming_it(
    repo: GitRepo, local_storage_url: str
) -> None:
    toml = (
        NETLIFY_TOML
        + '\n[[redirects]]\nfrom = "/api/*"\nto = "https://api.example.com/:splat"\nstatus = 200\n'
    )
    result = build(repo, netlify_site(toml), local_storage_url)
    assert_failed(
        result,
        local_storage_url,
        "netlify.toml redirects[5]: status 200 to an external URL would proxy it",
    )


def test_the_deploy_contexts_command_and_environment_are_used(
    repo: GitRepo, local_storage_url: str
) -> None:
    show = 'mkdir -p dist && printf "%s|%s|%s|%s" "$CONTEXT_NAME" "$FROM_TOML" "$SHARED" "$OWNED"'
    toml = (
        "[build]\ncommand = 'exit 1'\npublish = \"dist\"\n"
        '[build.environment]\nFROM_TOML = "build"\nSHARED = "build"\n'
        "[context.production]\ncommand = 'exit 1'\n"
        f"[context.deploy-preview]\ncommand = '{show} > dist/index.html'\n"
        "[context.deploy-preview.environment]\n"
        'CONTEXT_NAME = "preview"\nSHARED = "preview"\nOWNED = "preview"\n'
        # A preview does not take its branch's context.
        '[context.feature]\nenvironment = {SHARED = "feature"}\n'
    )
    result = build(
        repo,
        {"netlify.toml": toml},
        local_storage_url,
        SLIPWAY_DEPLOY_CONTEXT="deploy-preview",
        SLIPWAY_REF="feature",
        SLIPWAY_BUILD_ENV_NAMES="OWNED",
        OWNED="from-the-project",
    )
    assert result.code == 0, result.stdout
    _, files, log = published(local_storage_url, result.deployment_id)
    assert files == {"index.html": b"preview|build|preview|from-the-project"}
    for line in (
        "netlify.toml: context deploy-preview applied (command, environment)",
        "netlify.toml [context.production], [context.feature] not used: "
        "this is a deploy-preview build of feature",
        "netlify.toml build.environment: OWNED not used: the project's own build variables win",
    ):
        assert line in log
