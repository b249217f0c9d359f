"""Names as git and GitHub accept them, within what the database stores."""

from __future__ import annotations

import pytest

from services.core import git_names


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        pytest.param("main", True, id="plain"),
        pytest.param("feature/x", True, id="slash"),
        pytest.param("FEATURE.X", True, id="upper-and-dot"),
        pytest.param("b" * 255, True, id="255-chars"),
        pytest.param("b" * 256, False, id="256-chars"),
        pytest.param("", False, id="empty"),
        pytest.param("a..b", False, id="dot-dot"),
        pytest.param("a/.hidden", False, id="component-starting-with-dot"),
        pytest.param("a.lock", False, id="ends-with-lock"),
        pytest.param("a.", False, id="ends-with-dot"),
        pytest.param("/a", False, id="leading-slash"),
        pytest.param("a//b", False, id="double-slash"),
        pytest.param("a@{1}", False, id="at-brace"),
        pytest.param("@", False, id="at"),
        pytest.param("a b", False, id="space"),
        pytest.param("a\x7fb", False, id="del"),
        pytest.param("a\x00b", False, id="nul"),
        pytest.param("a\ud800b", False, id="lone-surrogate"),
        pytest.param("a~b", False, id="tilde"),
        pytest.param("fix/ünïcode", True, id="unicode"),
    ],
)
def test_branch_names(name: str, valid: bool) -> None:
    assert git_names.valid_branch_name(name) is valid


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        pytest.param("acme/site", True, id="plain"),
        pytest.param("acme/my.site-2", True, id="dots-and-hyphens"),
        pytest.param("acme/" + "s" * 195, True, id="200-chars"),
        pytest.param("acme/" + "s" * 196, False, id="201-chars"),
        pytest.param("acme", False, id="no-owner"),
        pytest.param("acme/\x00site", False, id="nul"),
    ],
)
def test_github_repositories(name: str, valid: bool) -> None:
    assert git_names.valid_github_repo(name) is valid


def test_commit_shas_are_forty_lowercase_hex_digits() -> None:
    assert git_names.is_commit_sha("a" * 40)
    assert not git_names.is_commit_sha("A" * 40)
    assert not git_names.is_commit_sha("a" * 39)
