"""`--preview-password` and `--no-preview-password` of `projects create` and `update`.

Given a value, that is the password (it then shows in the shell's history and the process
list). Given `-`, it is asked for without echo on a terminal, or read as one line from
standard input otherwise: `printf %s "$PW" | slipway projects update site --preview-password -`.
(Typer has no option whose value may be left out, hence `-`.)
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from .errors import EXIT_USAGE, CliError

ASK = "-"

PreviewPassword = Annotated[
    str | None,
    typer.Option(
        "--preview-password",
        metavar="PASSWORD|-",
        help="Protect previews (all but production and custom domains) with this password, "
        "8 to 128 characters; - asks for it (or reads it from standard input).",
        show_default=False,
    ),
]
NoPreviewPassword = Annotated[
    bool,
    typer.Option("--no-preview-password", help="Make previews public again.", show_default=False),
]


def preview_password_field(given: str | None, clear: bool) -> dict[str, Any]:
    """The request body's `preview_password`, or nothing when neither option was given."""
    if given is not None and clear:
        raise CliError("pass --preview-password or --no-preview-password, not both", EXIT_USAGE)
    if clear:
        return {"preview_password": None}
    if given is None:
        return {}
    password = _ask() if given == ASK else given
    if not password:
        raise CliError(
            "the preview password is empty", EXIT_USAGE, hint="--no-preview-password clears it"
        )
    return {"preview_password": password}


def _ask() -> str:
    if sys.stdin.isatty():
        answer: str = typer.prompt("Preview password", hide_input=True, confirmation_prompt=True)
        return answer
    return sys.stdin.readline().rstrip("\r\n")
