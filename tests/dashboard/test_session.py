from __future__ import annotations

import pytest

from services.api.dashboard.pages import safe_next
from services.api.dashboard.session import (
    MAX_AGE,
    csrf_token,
    csrf_valid,
    new_session_cookie,
    read_session,
)

NOW = 1_800_000_000.0


def test_a_fresh_cookie_proves_a_session() -> None:
    cookie = new_session_cookie("token", now=NOW)
    session = read_session("token", cookie, now=NOW + 60)
    assert session is not None
    assert csrf_valid("token", session, csrf_token("token", session))


@pytest.mark.parametrize(
    ("api_token", "cookie", "now"),
    [
        pytest.param("token", None, NOW, id="missing"),
        pytest.param("token", "garbage", NOW, id="garbage"),
        pytest.param("rotated", new_session_cookie("token", now=NOW), NOW, id="token-rotated"),
        pytest.param(
            "token", new_session_cookie("token", now=NOW), NOW + MAX_AGE + 1, id="expired"
        ),
        pytest.param(
            "token", new_session_cookie("token", now=NOW + 600), NOW, id="from-the-future"
        ),
        pytest.param("", new_session_cookie("", now=NOW), NOW, id="no-api-token"),
    ],
)
def test_cookies_that_prove_nothing(api_token: str, cookie: str | None, now: float) -> None:
    assert read_session(api_token, cookie, now=now) is None


def test_a_forged_signature_is_refused() -> None:
    issued, nonce, signature = new_session_cookie("token", now=NOW).split(".")
    forged = f"{issued}.{'0' * len(nonce)}.{signature}"
    assert read_session("token", forged, now=NOW) is None


def test_csrf_tokens_are_per_session() -> None:
    one = read_session("token", new_session_cookie("token", now=NOW), now=NOW)
    two = read_session("token", new_session_cookie("token", now=NOW), now=NOW)
    assert one is not None
    assert two is not None
    assert not csrf_valid("token", two, csrf_token("token", one))
    assert not csrf_valid("token", one, "")
    assert not csrf_valid("token", one, None)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        pytest.param("/dashboard/projects/a", "/dashboard/projects/a", id="inside"),
        pytest.param("https://evil.example/", "/dashboard/", id="absolute"),
        pytest.param("//evil.example/dashboard/", "/dashboard/", id="scheme-relative"),
        pytest.param("/dashboard/\\evil", "/dashboard/", id="backslash"),
        pytest.param("/api/projects", "/dashboard/", id="outside"),
        pytest.param(None, "/dashboard/", id="none"),
    ],
)
def test_only_dashboard_paths_are_returned_to(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
