from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scripts.cli.main import main
from tests.cli.live import LiveApi, Site, create_site, live_api


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    with live_api(tmp_path_factory.mktemp("api")) as live:
        yield live


@dataclass
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@pytest.fixture
def cli_env(api: LiveApi, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The environment of a user with the API URL and token exported; returns the cwd."""
    monkeypatch.setenv("SLIPWAY_API_URL", api.url)
    monkeypatch.setenv("SLIPWAY_API_TOKEN", api.token)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SLIPWAY_DATA_DIR", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def cli(cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str, stdin: str | None = None) -> Result:
        capsys.readouterr()
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def make_site(api: LiveApi, tmp_path: Path) -> Callable[..., Site]:
    """A project whose repository builds with a shell script (optionally held at a gate)."""

    def make(gated: bool = False, **settings: Any) -> Site:
        return create_site(api, tmp_path, "site", gated, **settings)

    return make
