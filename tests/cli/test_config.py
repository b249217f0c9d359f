from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from scripts.cli.config import resolve
from scripts.cli.errors import EXIT_AUTH, EXIT_USAGE
from tests.cli.conftest import Cli
from tests.cli.live import LiveApi

DEFAULT_API_URL = "http://127.0.0.1:8000"  # the contract's SLIPWAY_BIND and SLIPWAY_API_PORT


def write_config(home: Path, data: object) -> Path:
    path = home / "slipway" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    ("environ", "config", "dev_token", "expected"),
    [
        pytest.param({}, None, None, (DEFAULT_API_URL, ""), id="nothing"),
        pytest.param({}, None, "from-dev", (DEFAULT_API_URL, "from-dev"), id="dev-token-file"),
        pytest.param(
            {},
            {"api_url": "http://saved", "token": "saved"},
            "from-dev",
            ("http://saved", "saved"),
            id="config-beats-dev-file",
        ),
        pytest.param(
            {"SLIPWAY_API_URL": "http://env", "SLIPWAY_API_TOKEN": "env"},
            {"api_url": "http://saved", "token": "saved"},
            "from-dev",
            ("http://env", "env"),
            id="environment-wins",
        ),
        pytest.param(
            {"SLIPWAY_API_URL": "http://env"},
            {"token": "saved"},
            None,
            ("http://env", "saved"),
            id="mixed",
        ),
    ],
)
def test_resolution_order(
    tmp_path: Path,
    environ: dict[str, str],
    config: dict[str, str] | None,
    dev_token: str | None,
    expected: tuple[str, str],
) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), **environ}
    if config is not None:
        write_config(tmp_path / "config", config)
    if dev_token is not None:
        (tmp_path / ".slipway").mkdir()
        (tmp_path / ".slipway" / "api-token").write_text(dev_token + "\n")
    found = resolve(env, tmp_path)
    assert (found.api_url, found.token) == expected


@pytest.mark.parametrize(
    ("environ", "dotenv", "expected"),
    [
        pytest.param({"SLIPWAY_API_PORT": "9123"}, "", "http://127.0.0.1:9123", id="port"),
        pytest.param(
            {"SLIPWAY_BIND": "0.0.0.0", "SLIPWAY_API_PORT": "9124"},
            "",
            "http://127.0.0.1:9124",
            id="wildcard-bind-reached-on-loopback",
        ),
        pytest.param({"SLIPWAY_BIND": "::"}, "", "http://[::1]:8000", id="ipv6-wildcard"),
        pytest.param({}, "SLIPWAY_API_PORT=9125\n", "http://127.0.0.1:9125", id="dotenv"),
        pytest.param(
            {"SLIPWAY_API_PORT": "9126"},
            "SLIPWAY_API_PORT=9125\n",
            "http://127.0.0.1:9126",
            id="environment-beats-dotenv",
        ),
        pytest.param(
            {"SLIPWAY_API_PORT": "9127", "SLIPWAY_API_URL": "http://given"},
            "",
            "http://given",
            id="api-url-beats-port",
        ),
    ],
)
def test_the_api_is_found_where_the_server_listens(
    tmp_path: Path, environ: dict[str, str], dotenv: str, expected: str
) -> None:
    if dotenv:
        (tmp_path / ".env").write_text(dotenv)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), **environ}
    assert resolve(env, tmp_path).api_url == expected


def test_a_port_that_is_not_a_number_is_one_line_naming_the_variable(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLIPWAY_API_URL")
    monkeypatch.setenv("SLIPWAY_API_PORT", "eighty")
    result = cli("projects", "list")
    assert result.code == EXIT_USAGE
    assert result.err.startswith("error: SLIPWAY_API_PORT: ")
    assert len(result.err.splitlines()) == 1


def test_commands_reach_the_api_on_the_port_the_environment_names(
    cli: Cli, api: LiveApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLIPWAY_API_URL")
    monkeypatch.setenv("SLIPWAY_API_PORT", api.url.rsplit(":", 1)[1])
    result = cli("projects", "list", "--json")
    assert result.code == 0, result.err
    assert isinstance(json.loads(result.out), list)


def test_data_dir_setting_moves_the_dev_token(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "api-token").write_text("moved")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "c"), "SLIPWAY_DATA_DIR": str(tmp_path / "elsewhere")}
    assert resolve(env, tmp_path).token == "moved"


def test_login_saves_a_private_config_and_later_commands_use_it(
    cli: Cli, api: LiveApi, monkeypatch: pytest.MonkeyPatch, cli_env: Path
) -> None:
    monkeypatch.delenv("SLIPWAY_API_URL")
    monkeypatch.delenv("SLIPWAY_API_TOKEN")
    result = cli("login", "--api-url", api.url, "--token-stdin", stdin=api.token + "\n")
    assert result.code == 0, result.err
    path = cli_env.parent / "config" / "slipway" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"api_url": api.url, "token": api.token}
    assert "Logged in" in result.err

    assert cli("projects", "list", "--json").code == 0

    result = cli("logout")
    assert result.code == 0
    assert json.loads(path.read_text()) == {"api_url": api.url}
    result = cli("projects", "list")
    assert result.code == EXIT_AUTH
    assert "no API token configured" in result.err


def test_login_goes_to_the_api_url_of_the_environment(
    cli: Cli, api: LiveApi, cli_env: Path
) -> None:
    result = cli("login", "--token-stdin", stdin=api.token)
    assert result.code == 0, result.err
    assert f"Logged in to {api.url}" in result.err
    assert "SLIPWAY_API_TOKEN is set in the environment" in result.err
    saved = json.loads((cli_env.parent / "config" / "slipway" / "config.json").read_text())
    assert saved["api_url"] == api.url


def test_login_with_a_wrong_token_saves_nothing(cli: Cli, api: LiveApi, cli_env: Path) -> None:
    result = cli("login", "--api-url", api.url, "--token-stdin", stdin="wrong\n")
    assert result.code == EXIT_AUTH
    assert "refused the token" in result.err
    assert not (cli_env.parent / "config" / "slipway" / "config.json").exists()


def test_login_without_a_token_on_a_pipe_explains_how(cli: Cli) -> None:
    result = cli("login")
    assert result.code == EXIT_USAGE
    assert "--token-stdin" in result.err


def test_the_token_make_dev_saved_is_found_in_the_working_directory(
    cli: Cli, api: LiveApi, monkeypatch: pytest.MonkeyPatch, cli_env: Path
) -> None:
    monkeypatch.delenv("SLIPWAY_API_TOKEN")
    (cli_env / ".slipway").mkdir()
    (cli_env / ".slipway" / "api-token").write_text(api.token + "\n")
    assert cli("projects", "list").code == 0


def test_a_broken_config_file_is_named(cli: Cli, cli_env: Path) -> None:
    write_config(cli_env.parent / "config", {"api_url": "http://x", "tokn": "typo"})
    result = cli("projects", "list")
    assert result.code == EXIT_USAGE
    assert "unknown key 'tokn'" in result.err
    assert "config.json" in result.err
