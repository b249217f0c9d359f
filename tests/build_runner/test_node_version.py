from __future__ import annotations

from pathlib import Path

import pytest

from build_runner.node_version import UnknownRange, node_setting, requested_node, satisfies


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param("20", True, id="major"),
        pytest.param("20.x", True, id="x-range"),
        pytest.param(">=18", True, id="at-least"),
        pytest.param(">= 18", True, id="spaced-operator"),
        pytest.param("^20.1", True, id="caret"),
        pytest.param("^18", False, id="caret-other-major"),
        pytest.param("~20.11.0", True, id="tilde"),
        pytest.param("~20.12", False, id="tilde-newer-minor"),
        pytest.param(">=18 <21", True, id="and"),
        pytest.param("18 || 20", True, id="or"),
        pytest.param("16 || 18", False, id="or-none"),
        pytest.param("18 - 20", True, id="hyphen"),
        pytest.param("v20.11.1", True, id="exact-with-v"),
        pytest.param("<20", False, id="below"),
        pytest.param(">=22", False, id="too-new"),
        pytest.param("lts/*", True, id="lts"),
        pytest.param("lts/iron", True, id="lts-codename"),
        pytest.param("lts/jod", False, id="lts-other-codename"),
        pytest.param("node", True, id="any"),
    ],
)
def test_ranges(spec: str, expected: bool) -> None:
    assert satisfies((20, 11, 1), spec) is expected


def test_unreadable_range() -> None:
    with pytest.raises(UnknownRange):
        satisfies((20, 0, 0), ">=twenty")
    with pytest.raises(UnknownRange):
        satisfies((20, 0, 0), "lts/nonesuch")


def test_lts_means_an_even_numbered_line() -> None:
    assert not satisfies((23, 1, 0), "lts/*")
    assert satisfies((24, 1, 0), "lts/*")


def test_the_node_version_variable_is_the_projects_setting() -> None:
    assert node_setting({"NODE_VERSION": " 22 "}) == ("22", "the NODE_VERSION variable")
    assert node_setting({"NODE_VERSION": ""}) is None
    assert node_setting({}) is None


def test_nvmrc_wins_over_engines(tmp_path: Path) -> None:
    (tmp_path / ".nvmrc").write_text("20.11\n")
    pkg = {"engines": {"node": ">=18"}}
    assert requested_node(tmp_path, pkg) == ("20.11", ".nvmrc")
    (tmp_path / ".nvmrc").unlink()
    assert requested_node(tmp_path, pkg) == (">=18", "package.json engines.node")
    assert requested_node(tmp_path, {}) is None
