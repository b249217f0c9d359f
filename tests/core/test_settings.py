"""The API token is refused at settings load when it is too short to resist guessing, with
one clear line; what tests and `make dev` use is long enough. The build start grace is 60 s
unless set, and a value out of its bounds is refused in one line naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from scripts.cli.dev import ensure_secret
from services.core.settings import MIN_API_TOKEN_LENGTH, Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("token", ["x", "t" * (MIN_API_TOKEN_LENGTH - 1)])
def test_a_short_token_is_refused_naming_the_setting(token: str) -> None:
    with pytest.raises(ValidationError, match="SLIPWAY_API_TOKEN must be at least 16 characters"):
        Settings(api_token=token, _env_file=None)  # type: ignore[call-arg]


def test_no_token_and_a_long_enough_one_are_accepted(tmp_path: Path) -> None:
    assert Settings(api_token="", _env_file=None).api_token == ""  # type: ignore[call-arg]
    generated = ensure_secret(tmp_path / "api-token", "")  # what `make dev` writes
    assert Settings(api_token=generated, _env_file=None).api_token == generated  # type: ignore[call-arg]


def run_api(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLIPWAY_")}
    return subprocess.run(
        [sys.executable, "-m", "services.api"],
        env={**clean, "SLIPWAY_DATA_DIR": str(tmp_path / "data"), **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_api_refuses_to_start_with_a_one_character_token_in_one_line(tmp_path: Path) -> None:
    result = run_api(tmp_path, SLIPWAY_API_TOKEN="x", PYTHONPATH=str(REPO_ROOT))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "slipway api: SLIPWAY_API_TOKEN must be at least 16 characters, not 1; generate one "
        "with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    ]


def test_a_short_token_in_the_saved_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    saved = tmp_path / "data" / "api-token"
    saved.parent.mkdir()
    saved.write_text("short\n")
    result = run_api(tmp_path, PYTHONPATH=str(REPO_ROOT))
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"slipway api: {saved} must be at least 16 characters, not 5;")


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No `SLIPWAY_*` variable and no `.env` file but what a test sets."""
    for name in os.environ:
        if name.startswith("SLIPWAY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_the_build_start_grace_is_a_minute_unless_set(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    assert load_settings("api").build_start_grace == 60
    clean_environment.setenv("SLIPWAY_BUILD_START_GRACE", "5")
    assert load_settings("api").build_start_grace == 5


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0", "Input should be greater than or equal to 1"),
        ("-5", "Input should be greater than or equal to 1"),
        ("3601", "Input should be less than or equal to 3600"),
        ("soon", "Input should be a valid integer, unable to parse string as an integer"),
    ],
)
def test_a_build_start_grace_out_of_bounds_is_refused_in_one_line(
    clean_environment: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    clean_environment.setenv("SLIPWAY_BUILD_START_GRACE", value)
    with pytest.raises(SystemExit) as refused:
        load_settings("api")
    assert str(refused.value) == f"slipway api: SLIPWAY_BUILD_START_GRACE: {problem}"


def test_the_log_level_is_one_of_the_known_names() -> None:
    assert Settings(_env_file=None).log_level == "info"
    assert Settings(_env_file=None, log_level="warning").log_level == "warning"
    with pytest.raises(ValidationError):
        Settings(_env_file=None, log_level="loud")
