from __future__ import annotations

import pytest

from services.core.site_rules import (
    MAX_LINE_LENGTH,
    MAX_RULES,
    SiteRulesError,
    first_redirect,
    headers_for,
    parse_headers,
    parse_redirects,
)

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
    ],
)
def test_bad_headers_say_which_line(text: str, message: str) -> None:
    with pytest.raises(SiteRulesError, match=message):
        parse_headers(text)
