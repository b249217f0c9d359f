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
    assert result.err.strip() == "error: no project named 'nope'"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("logs", "abcdefghij0123456789"), id="logs"),
        pytest.param(("cancel", "abcdefghij0123456789"), id="cancel"),
        pytest.param(("promote", "abcdefghij0123456789"), id="promote"),
        pytest.param(("deployments", "show", "../projects"), id="path-shaped"),
    ],
)
def test_unknown_deployment(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.code == EXIT_NOT_FOUND
    assert "no deployment" in result.err


def test_usage_errors_show_usage(cli: Cli) -> None:
    result = cli("deploy")
    assert result.code == EXIT_USAGE
    assert "Usage: slipway deploy" in result.err
    assert cli("no-such-command").code == EXIT_USAGE


def test_invalid_input_rejected_by_the_api(cli: Cli) -> None:
    result = cli("projects", "create", "Bad_Name", "--repo", "file:///tmp/x")
    assert result.code == EXIT_USAGE
    assert result.err.startswith("error: ")


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
