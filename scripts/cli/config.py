"""Where the CLI finds the API and its token.

Precedence: the environment (`SLIPWAY_API_URL`, `SLIPWAY_API_TOKEN`), then the config file
written by `slipway login` (`$XDG_CONFIG_HOME/slipway/config.json`, mode 0600), then what
`make dev` in the working directory uses: the api's own address (`SLIPWAY_BIND` and
`SLIPWAY_API_PORT`, read by the same rule as the server, `.env` included) and the token file
it writes (`.slipway/api-token`, or `$SLIPWAY_DATA_DIR/api-token`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from services.core.settings import ApiAddress, settings_problem

from .errors import EXIT_USAGE, CliError

_ADDRESS_VARIABLES = {"bind": "SLIPWAY_BIND", "api_port": "SLIPWAY_API_PORT"}
_KEYS = {"api_url", "token"}


@dataclass(frozen=True)
class Credentials:
    api_url: str
    token: str
    token_source: str  # where the token came from, for error hints


def config_path(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "slipway" / "config.json"


def load_config(path: Path) -> dict[str, str]:
    try:
        raw = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{path} is not valid JSON (line {exc.lineno})",
            EXIT_USAGE,
            hint="run `slipway login` to write it again",
        ) from None
    if not isinstance(data, dict):
        raise CliError(f"{path} must hold a JSON object", EXIT_USAGE)
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise CliError(f"{path}: unknown key {unknown[0]!r}", EXIT_USAGE)
    for key, value in data.items():
        if not isinstance(value, str):
            raise CliError(f"{path}: {key} must be a string", EXIT_USAGE)
    return dict(data)


def save_config(path: Path, values: Mapping[str, str]) -> None:
    """Write the config readable by its owner only, replacing the old file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(dict(values), fh, indent=2)
        fh.write("\n")
    os.chmod(tmp, 0o600)  # in case the file already existed with wider permissions
    os.replace(tmp, path)


def dev_token_path(environ: Mapping[str, str], cwd: Path) -> Path:
    data_dir = Path(environ.get("SLIPWAY_DATA_DIR") or ".slipway")
    return (data_dir if data_dir.is_absolute() else cwd / data_dir) / "api-token"


def local_api_url(environ: Mapping[str, str], cwd: Path) -> str:
    """The URL of the api a `make dev` started here listens on: the server's own rule."""
    given: dict[str, Any] = {
        field: environ[name] for field, name in _ADDRESS_VARIABLES.items() if name in environ
    }
    try:
        address = ApiAddress(_env_file=cwd / ".env", **given)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise CliError(settings_problem(exc), EXIT_USAGE) from None
    return address.api_url


def resolve(environ: Mapping[str, str], cwd: Path) -> Credentials:
    path = config_path(environ)
    saved = load_config(path)
    api_url = environ.get("SLIPWAY_API_URL") or saved.get("api_url") or local_api_url(environ, cwd)
    if environ.get("SLIPWAY_API_TOKEN"):
        return Credentials(api_url, environ["SLIPWAY_API_TOKEN"], "SLIPWAY_API_TOKEN")
    if saved.get("token"):
        return Credentials(api_url, saved["token"], str(path))
    dev_file = dev_token_path(environ, cwd)
    try:
        token = dev_file.read_text().strip()
    except OSError:
        token = ""
    return Credentials(api_url, token, str(dev_file) if token else "")
