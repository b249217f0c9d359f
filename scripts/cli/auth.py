"""`slipway login` and `slipway logout`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import render
from .client import ApiClient
from .config import Credentials, config_path, load_config, local_api_url, save_config
from .errors import EXIT_USAGE, CliError


def login(
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            metavar="URL",
            help="Base URL of the Slipway API (default: where `make dev` here runs it, "
            "from SLIPWAY_BIND and SLIPWAY_API_PORT).",
        ),
    ] = None,
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help="Read the token from standard input.")
    ] = False,
    verify: Annotated[
        bool,
        typer.Option("--verify/--no-verify", help="Check the token against the API (default)."),
    ] = True,
) -> None:
    """Save the API URL and token in the config file (readable by you only)."""
    path = config_path(os.environ)
    saved = load_config(path)
    url = (
        api_url
        or os.environ.get("SLIPWAY_API_URL")
        or saved.get("api_url")
        or local_api_url(os.environ, Path.cwd())
    ).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CliError(f"--api-url must start with http:// or https://, got {url!r}", EXIT_USAGE)
    if token_stdin:
        token = sys.stdin.readline().strip()
    elif sys.stdin.isatty():
        token = str(typer.prompt("API token", hide_input=True)).strip()
    else:
        raise CliError("no token given", EXIT_USAGE, hint="pass it on stdin with --token-stdin")
    if not token:
        raise CliError("the token is empty", EXIT_USAGE)
    if verify:
        with ApiClient(Credentials(url, token, "the token you gave")) as client:
            client.get("/api/projects")
    save_config(path, {"api_url": url, "token": token})
    err = render.console(stderr=True)
    err.print(f"Logged in to {url}; saved to {path}")
    for name in ("SLIPWAY_API_URL", "SLIPWAY_API_TOKEN"):
        if os.environ.get(name):
            err.print(f"note: {name} is set in the environment and wins over the saved value")


def logout() -> None:
    """Forget the saved token (the API URL stays)."""
    path = config_path(os.environ)
    saved = load_config(path)
    if "token" not in saved:
        render.console(stderr=True).print(f"No token saved in {path}")
        return
    del saved["token"]
    save_config(path, saved)
    render.console(stderr=True).print(f"Removed the token from {path}")
