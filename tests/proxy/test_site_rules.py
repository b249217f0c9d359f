from __future__ import annotations

import io
from pathlib import Path

import pytest

from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from build_runner.serving import serving_config
from services.core.build_protocol import EXIT_OUTPUT
from services.core.manifest import FileEntry, Manifest, ServingConfig
from services.core.site_rules import (
    MAX_LINE_LENGTH,
    MAX_RULES,
    NOBODY,
    SiteRulesError,
    Viewer,
    condition_warnings,
    first_redirect,
    headers_for,
    parse_headers,
    parse_redirects,
)
from services.proxy.site import NotFound, Resolution, Serve, Site

REDIRECTS = """
# comments and blank lines are skipped

/old            /new
/temp           /elsewhere         302
/news/:year/:m  /archive/:year-:m  308
/blog/*         /posts/:splat      301!
/app/*          /app/index.html    200
/store id=:id   /products/:id      301
/go/*           /:splat            302
https://old.example.com/* https://new.example.com/:splat 301!
/geo            /fr                302  Country=fr
/missing/*      /missing/404.html  404
"""


def match(path: str, query: dict[str, str] | None = None, host: str = "a.localhost") -> object:
    found = first_redirect(parse_redirects(REDIRECTS), host, path, query or {})
    return None if found is None else (found[0].status, found[0].force, found[1])


@pytest.mark.parametrize(
    ("path", "query", "host", "expected"),
    [
        pytest.param("/old", None, "a.localhost", (301, False, "/new"), id="default-301"),
        pytest.param("/old/", None, "a.localhost", (301, False, "/new"), id="trailing-slash"),
        pytest.param("/temp", None, "a.localhost", (302, False, "/elsewhere"), id="302"),
        pytest.param(
            "/news/2024/05",
            None,
            "a.localhost",
            (308, False, "/archive/2024-05"),
            id="placeholders",
        ),
        pytest.param(
            "/blog/a/b", None, "a.localhost", (301, True, "/posts/a/b"), id="splat-forced"
        ),
        pytest.param("/blog", None, "a.localhost", (301, True, "/posts/"), id="splat-empty"),
        pytest.param(
            "/app/x/y", None, "a.localhost", (200, False, "/app/index.html"), id="rewrite"
        ),
        pytest.param("/store", {"id": "7"}, "a.localhost", (301, False, "/products/7"), id="query"),
        pytest.param("/store", None, "a.localhost", None, id="query-missing"),
        pytest.param(
            "/go//evil.example",
            None,
            "a.localhost",
            (302, False, "/evil.example"),
            id="no-protocol-relative",
        ),
        pytest.param(
            "/x", None, "old.example.com", (301, True, "https://new.example.com/x"), id="host-rule"
        ),
        pytest.param("/geo", None, "a.localhost", None, id="conditions-never-match"),
        pytest.param(
            "/missing/q", None, "a.localhost", (404, False, "/missing/404.html"), id="custom-404"
        ),
        pytest.param("/nothing", None, "a.localhost", None, id="no-match"),
    ],
)
def test_redirect_matching(
    path: str, query: dict[str, str] | None, host: str, expected: object
) -> None:
    assert match(path, query, host) == expected


def test_first_match_wins() -> None:
    rules = parse_redirects("/a /first 302\n/a /second 301\n")
    found = first_redirect(rules, None, "/a", {})
    assert found is not None
    assert found[1] == "/first"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("/only-from\n", "line 1: a rule needs a destination", id="no-to"),
        pytest.param("\n/a nowhere\n", "line 2: destination", id="bad-to"),
        pytest.param("/a /b 999\n", "unsupported status 999", id="bad-status"),
        pytest.param("/a https://x.example/ 200\n", "external URL", id="proxy"),
        pytest.param("/a/*/b /c\n", "'*' is only allowed at the end", id="inner-splat"),
        pytest.param("/:x/:x /c\n", "placeholder :x used twice", id="dup-placeholder"),
        pytest.param("a /c\n", "must start with '/'", id="relative-from"),
        pytest.param("/a /b 301 junk\n", "unexpected 'junk'", id="junk"),
        pytest.param("/a /b 302 Country=\n", "line 1: Country= names no value", id="no-values"),
        pytest.param("/a /b 302 Cookie=,\n", "Cookie= names no value", id="only-commas"),
        pytest.param("/a" + "b" * MAX_LINE_LENGTH + " /c\n", "line 1: longer than", id="long"),
        pytest.param("/a /b\n" * (MAX_RULES + 1), f"more than {MAX_RULES} rules", id="count"),
    ],
)
def test_bad_redirects_say_which_line(text: str, message: str) -> None:
    with pytest.raises(SiteRulesError, match=message) as error:
        parse_redirects(text)
    assert isinstance(error.value, ValueError)


HEADERS = """
# every page
/*
  X-Frame-Options: DENY
  Link: </style.css>; rel=preload
/assets/*
  Cache-Control: public, max-age=600
  Link: </font.woff2>; rel=preload
/docs/:page
  X-Robots-Tag: noarchive
"""


def test_headers_merge_every_matching_rule() -> None:
    rules = parse_headers(HEADERS)
    assert headers_for(rules, None, "/assets/app.js") == [
        ("X-Frame-Options", "DENY"),
        ("Link", "</style.css>; rel=preload, </font.woff2>; rel=preload"),
        ("Cache-Control", "public, max-age=600"),
    ]
    assert ("X-Robots-Tag", "noarchive") in headers_for(rules, None, "/docs/intro")
    assert headers_for(rules, None, "/docs/a/b") == [
        ("X-Frame-Options", "DENY"),
        ("Link", "</style.css>; rel=preload"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("  X-A: b\n", "line 1: a header line must follow a path", id="orphan"),
        pytest.param("/a\n  no colon here\n", "line 2: expected 'Name: value'", id="no-colon"),
        pytest.param(
            "/a\n  Content-Length: 1\n", "Content-Length is set by the proxy", id="framing"
        ),
        pytest.param("/a\n  Bad Name: 1\n", "expected 'Name: value'", id="bad-name"),
        pytest.param("/a\n" * (MAX_RULES + 1), f"more than {MAX_RULES} rules", id="count"),
        pytest.param(
            "/a\n  X-A: a\x01b\n", "line 2: the value of X-A holds a control character", id="ctl"
        ),
        pytest.param("/a\n  X-A: a\x00\n", "holds a control character U\\+0000", id="nul"),
        pytest.param("/a\n  X-A: a\x7fb\n", "holds a control character U\\+007F", id="del"),
        pytest.param("/a\n  X-A: \x1bx\n", "holds a control character U\\+001B", id="escape"),
    ],
)
def test_bad_headers_say_which_line(text: str, message: str) -> None:
    with pytest.raises(SiteRulesError, match=message):
        parse_headers(text)


def test_header_values_may_hold_tabs_and_non_ascii_text() -> None:
    rules = parse_headers("/a\n  X-A: caf\u00e9\tsnow \u2603\n")
    assert rules[0].headers == (("X-A", "caf\u00e9\tsnow \u2603"),)


def test_a_control_character_in_a_header_value_fails_the_build_naming_file_and_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "_headers").write_text("/*\n  X-Frame-Options: DENY\n  X-Bad: a\x07b\n")
    with pytest.raises(BuildFailure) as failed:
        serving_config(tmp_path, spa=False, log=BuildLog(io.StringIO()))
    assert failed.value.exit_code == EXIT_OUTPUT
    assert str(failed.value) == (
        "_headers line 3: the value of X-Bad holds a control character U+0007"
    )


CONDITIONAL = """
/hello    /hello-fr.html   200  Language=fr,de
/shop     /shop-na.html    200  Country=US,ca
/members  /members.html    200  Cookie=session,Remember
/deal     /deal-vip.html   200  Language=fr Cookie=vip
/admin/*  /admin.html      200! Role=admin
/odd      /odd.html        200  Weather=sunny
"""


def viewer(
    languages: tuple[str, ...] = (), country: str | None = None, cookies: tuple[str, ...] = ()
) -> Viewer:
    return Viewer(frozenset(languages), country, frozenset(cookies))


@pytest.mark.parametrize(
    ("path", "who", "target"),
    [
        pytest.param("/hello", viewer(("fr",)), "/hello-fr.html", id="language"),
        pytest.param("/hello", viewer(("en", "de")), "/hello-fr.html", id="language-any-listed"),
        pytest.param("/hello", viewer(("en",)), None, id="language-other"),
        pytest.param("/hello", NOBODY, None, id="language-none"),
        pytest.param("/shop", viewer(country="ca"), "/shop-na.html", id="country"),
        pytest.param("/shop", viewer(country="us"), "/shop-na.html", id="country-written-upper"),
        pytest.param("/shop", viewer(country="fr"), None, id="country-other"),
        pytest.param("/shop", viewer(("fr",)), None, id="country-unknown"),
        pytest.param("/members", viewer(cookies=("session",)), "/members.html", id="cookie"),
        pytest.param("/members", viewer(cookies=("Remember",)), "/members.html", id="cookie-2"),
        pytest.param("/members", viewer(cookies=("SESSION",)), None, id="cookie-name-case"),
        pytest.param("/deal", viewer(("fr",), cookies=("vip",)), "/deal-vip.html", id="and-both"),
        pytest.param("/deal", viewer(("fr",)), None, id="and-language-only"),
        pytest.param("/deal", viewer(cookies=("vip",)), None, id="and-cookie-only"),
        pytest.param("/admin/x", viewer(("fr",), "us", ("nf_jwt",)), None, id="role-never"),
        pytest.param("/odd", viewer(("fr",), "us", ("x",)), None, id="unknown-never"),
    ],
)  # fmt: skip
def test_conditions(path: str, who: Viewer, target: str | None) -> None:
    found = first_redirect(parse_redirects(CONDITIONAL), None, path, {}, who)
    assert (found[1] if found else None) == target


def test_language_values_compare_by_primary_tag() -> None:
    rule = parse_redirects("/a /b 302 Language=zh-TW,PT\n")[0]
    assert rule.match(None, "/a", {}, viewer(("zh",))) is not None
    assert rule.match(None, "/a", {}, viewer(("pt",))) is not None


def test_role_and_unknown_conditions_are_warned_about() -> None:
    warnings = condition_warnings(parse_redirects(CONDITIONAL))
    assert warnings == [
        "_redirects line 6: Role= never matches: "
        "Slipway has no identity service to tell a viewer's role",
        "_redirects line 7: Weather= never matches: "
        "only Language, Country, Cookie and Role are known",
    ]


def test_build_log_warns_about_role_rules(tmp_path: Path) -> None:
    (tmp_path / "_redirects").write_text("/admin/* /admin.html 200! Role=admin\n")
    stream = io.StringIO()
    config = serving_config(tmp_path, spa=False, log=BuildLog(stream))
    assert config.redirects is not None
    assert "warning: _redirects line 1: Role= never matches" in stream.getvalue()


VARYING = """
/fixed     /about.html      200
/hello     /hello-fr.html   200  Language=fr
/hello     /hello-en.html   200
/fixed     /fixed-fr.html   200  Language=fr
/admin     /admin-in.html   200! Role=admin
/deal      /deal-vip.html   200  Cookie=vip Country=fr
"""


def site_with(redirects: str, files: tuple[str, ...]) -> Site:
    entries = {
        f: FileEntry(key=f"files/{f}", size=1, sha256="0" * 64, type="text/html") for f in files
    }
    config = ServingConfig(redirects=redirects)
    return Site(Manifest("d1", "p1", "2024-01-01T00:00:00Z", entries, config))


@pytest.mark.parametrize(
    ("path", "varies_on"),
    [
        pytest.param("hello", {"language"}, id="conditional-rule-matches"),
        pytest.param("fixed", set(), id="decided-before-conditional-rule"),
        pytest.param("about", set(), id="no-rule"),
        pytest.param("admin", set(), id="role-matches-nobody"),
        pytest.param("deal", {"cookie", "country"}, id="two-kinds"),
    ],
)
def test_resolution_says_when_the_viewer_matters(path: str, varies_on: set[str]) -> None:
    files = ("about.html", "hello-fr.html", "hello-en.html", "fixed-fr.html", "admin.html")
    site = site_with(VARYING, files)
    for who in (NOBODY, viewer(("fr",), "fr", ("vip",))):
        resolved = site.resolve("a.localhost", path, b"", who)
        assert resolved.varies_on == varies_on
        assert (resolved.variant is None) is not varies_on


def test_variant_names_the_deciding_rule() -> None:
    site = site_with(VARYING, ("hello-fr.html", "hello-en.html"))
    french = site.resolve("a.localhost", "hello", b"", viewer(("fr",)))
    other = site.resolve("a.localhost", "hello", b"", viewer(("de",)))
    assert (french.variant, other.variant) == (3, 4)
    assert served_path(french) == "hello-fr.html"
    assert served_path(other) == "hello-en.html"
    nobody = site.resolve("a.localhost", "deal", b"", NOBODY)
    assert nobody.variant == 0
    assert isinstance(nobody.decision, NotFound)


def served_path(resolved: Resolution) -> str:
    assert isinstance(resolved.decision, Serve)
    return resolved.decision.path
