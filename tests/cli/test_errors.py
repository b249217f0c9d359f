from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.cli.errors import EXIT_AUTH, EXIT_NOT_FOUND, EXIT_UNREACHABLE, EXIT_USAGE
from scripts.cli.main import run
from tests.cli.conftest import Cli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_api_is_one_line_with_a_hint(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLIPWAY_API_URL", f"http://127.0.0.1:{free_port()}")
    result = cli("projects", "list")
    assert result.code == EXIT_UNREACHABLE
    assert result.err.startswith("error: cannot reach the Slipway API at http://127.0.0.1:")
    assert "hint: is it running?" in result.err
    assert "SLIPWAY_API_PORT" in result.err
    assert "Traceback" not in result.err


def test_bad_token(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLIPWAY_API_TOKEN", "not-the-token")
    result = cli("projects", "list")
    assert result.code == EXIT_AUTH
    assert "refused the token from SLIPWAY_API_TOKEN" in result.err
    assert "slipway login" in result.err


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("projects", "show", "nope"), id="show"),
        pytest.param(("deploy", "nope"), id="deploy"),
        pytest.param(("deployments", "list", "nope"), id="deployments"),
        pytest.param(("env", "list", "nope"), id="env"),
        pytest.param(("rollback", "nope"), id="rollback"),
        pytest.param(("projects", "delete", "nope", "--yes"), id="delete"),
    ],
)
def test_unknown_project(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.code == EXIT_NOT_FOUND
    assert result.err.splitlines() == [
        "error: no project named 'nope'",
        "hint: `slipway projects list` shows them all",
    ]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("logs", "abcdefghij0123456789"), id="logs"),
        pytest.param(("cancel", "abcdefghij0123456789"), id="cancel"),
        pytest.param(("promote", "abcdefghij0123456789"), id="promote"),
    ],
)
def test_unknown_deployment(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.code == EXIT_NOT_FOUND
    assert result.err == (
        "error: no deployment id starts with 'abcdefghij0123456789'; "
        "`slipway deployments list PROJECT` shows the ids and URLs\n"
    )


def test_a_path_shaped_deployment_is_refused_before_any_request(cli: Cli) -> None:
    result = cli("deployments", "show", "../projects")
    assert result.code == EXIT_USAGE
    assert result.err.startswith("error: '../projects' is not a deployment URL: type its id")


def test_usage_errors_show_usage(cli: Cli) -> None:
    result = cli("deploy")
    assert result.code == EXIT_USAGE
    assert "Usage: slipway deploy" in result.err
    assert cli("no-such-command").code == EXIT_USAGE


def test_an_invalid_name_is_one_sentence_saying_what_is_allowed(cli: Cli) -> None:
    result = cli("projects", "create", "Bad_Name", "--repo", "file:///tmp/x")
    assert result.code == EXIT_USAGE
    assert result.err == (
        "error: 'Bad_Name' is not a valid project name: a project name is 1-40 lowercase "
        "letters, digits and single hyphens, starting and ending with a letter or digit\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("projects", "show", "My Site"), id="show"),
        pytest.param(("deploy", "My Site"), id="deploy"),
        pytest.param(("rollback", "My Site"), id="rollback"),
    ],
)
def test_an_invalid_name_given_to_a_command_is_the_same_sentence(
    cli: Cli, args: tuple[str, ...]
) -> None:
    result = cli(*args)
    assert result.code == EXIT_USAGE
    assert result.err.startswith("error: 'My Site' is not a valid project name: a project name")
    assert "^" not in result.err


def test_dev_is_registered(cli: Cli) -> None:
    result = cli("dev", "--help")
    assert result.code == 0
    assert "local builder" in result.out


def test_run_exits_with_the_code_of_main(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["slipway", "projects", "show", "nope"])
    with pytest.raises(SystemExit) as exited:
        run()
    assert exited.value.code == EXIT_NOT_FOUND


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "slipway"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "rollback" in result.stdout
