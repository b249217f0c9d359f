"""vercel.json end to end: the runner builds a real repository with one, as the image runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from build_runner.serving import rules_mark
from build_runner.vercel_config import parse_vercel_config
from services.core.site_rules import Viewer
from services.proxy.site import Redirect, Serve, Site
from tests.build_runner import corpus
from tests.build_runner.support import published
from tests.build_runner.test_netlify_toml_build import assert_failed, build
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.slow

# What the build command writes; `blog/old-post` exists, yet the redirect from it wins.
SITE = {
    "index.html": "<h1>home</h1>",
    "about.html": "<h1>about</h1>",
    "blog/old-post.html": "<h1>an existing file</h1>",
    "assets/app.js": "console.log(1)",
    "_redirects": "/legacy /about 301\n",  # the output's own rules come first
}
HOST = "site.example"
VERCEL = {
    "$schema": "https://openapi.vercel.sh/vercel.json",
    "framework": None,
    "buildCommand": 'node write-site.js dist "$(cat site.json)"',
    "outputDirectory": "dist",
    "cleanUrls": True,
    "functions": {"api/*.js": {"memory": 1024}},
    "redirects": [
        {"source": "/blog/:slug", "destination": "/news/:slug", "permanent": True},
        {
            "source": "/",
            "destination": "/beta/",
            "permanent": False,
            "has": [{"type": "cookie", "key": "beta"}],
        },
    ],
    "rewrites": [{"source": "/(.*)", "destination": "/index.html"}],
    "headers": [
        {
            "source": "/assets/(.*)",
            "headers": [{"key": "Cache-Control", "value": "public, max-age=31536000, immutable"}],
        }
    ],
}
TRANSLATED = parse_vercel_config(json.dumps(VERCEL))
MARK = rules_mark("vercel.json")
LOG_LINES = (
    "read vercel.json: 2 redirect rules, 1 rewrite rule and 1 header rule, "
    "applied after _redirects and _headers",
    "build command from vercel.json: node write-site.js dist",
    "output directory from vercel.json: dist",
    "vercel.json cleanUrls: Slipway always serves clean URLs",
    "vercel.json: ignored, not used by Slipway: functions",
    "output directory: dist",
)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def served(site: Site, path: str) -> tuple[str, int]:
    """The file and status that answer `path` for a viewer without cookies."""
    found = site.resolve(HOST, path, b"").decision
    assert isinstance(found, Serve)
    return found.path, found.status


def vercel_site(config: object = VERCEL) -> dict[str, str]:
    return {
        "vercel.json": json.dumps(config, indent=2),
        "write-site.js": corpus.WRITE_SITE_JS,
        "site.json": json.dumps(SITE),
    }


def test_vercel_json_builds_publishes_and_serves(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, vercel_site(), local_storage_url)
    assert result.code == 0, result.stdout
    manifest, files, log = published(local_storage_url, result.deployment_id)
    assert files["index.html"] == b"<h1>home</h1>"
    assert manifest.config.redirects == SITE["_redirects"] + MARK + TRANSLATED.redirects_text()
    assert manifest.config.headers == MARK + TRANSLATED.headers_text()
    assert [line for line in LOG_LINES if line not in log] == []

    site = Site(manifest)
    # A redirect applies before the files, as on Vercel: the existing file does not answer.
    assert site.resolve(HOST, "blog/old-post", b"").decision == Redirect("/news/old-post", 308)
    assert site.resolve(HOST, "legacy", b"").decision == Redirect("/about", 301)  # file's first
    # The SPA rewrite answers only what no file does.
    assert served(site, "about") == ("about.html", 200)
    assert served(site, "assets/app.js") == ("assets/app.js", 200)
    assert served(site, "app/settings/profile") == ("index.html", 200)
    # The cookie rule is forced over index.html, for those who carry the cookie only.
    beta = Viewer(cookies=frozenset({"beta"}))
    assert site.resolve(HOST, "", b"", beta).decision == Redirect("/beta/", 307)
    assert served(site, "") == ("index.html", 200)
    assert site.extra_headers(HOST, "assets/app.js") == [
        ("Cache-Control", "public, max-age=31536000, immutable")
    ]
    assert site.extra_headers(HOST, "about") == []


def test_invalid_json_fails_the_build_with_its_line(repo: GitRepo, local_storage_url: str) -> None:
    files = {**vercel_site(), "vercel.json": '{\n  "outputDirectory": dist\n}\n'}
    assert_failed(
        build(repo, files, local_storage_url),
        local_storage_url,
        "vercel.json is not valid JSON: Expecting value (line 2, column 22)",
    )


def test_an_untranslatable_source_fails_naming_it(repo: GitRepo, local_storage_url: str) -> None:
    config = {**VERCEL, "rewrites": [{"source": "/a"}, {"source": "/:id?", "destination": "/"}]}
    assert_failed(
        build(repo, vercel_site(config), local_storage_url),
        local_storage_url,
        "vercel.json rewrites[1]: destination is missing",
    )


def test_both_config_files_fail_before_the_build(repo: GitRepo, local_storage_url: str) -> None:
    files = {**vercel_site(), "netlify.toml": '[build]\ncommand = "echo BUILD RAN"\n'}
    log = assert_failed(
        build(repo, files, local_storage_url),
        local_storage_url,
        "the project has both netlify.toml and vercel.json: keep the one",
    )
    assert "BUILD RAN" not in log
