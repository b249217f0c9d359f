"""`slipway`: operate a Slipway installation from a terminal.

`main(argv)` returns the exit code; every known failure ends as one line on stderr (with a
hint when there is one). Exit codes are listed in `scripts/cli/errors.py` and docs/cli.md.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from . import auth, deliveries, deployments, gc, projects, tokens
from .errors import EXIT_INTERRUPTED, CliError
from .help_text import without_types

app = typer.Typer(
    name="slipway",
    help="Operate Slipway: projects, deployments, logs, promotion, rollback and clean-up.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def installed_version() -> str:
    try:
        return version("slipway")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _print_version(wanted: bool) -> None:
    if wanted:
        sys.stdout.write(f"slipway {installed_version()}\n")
        raise typer.Exit


@app.callback()
def options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the installed version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
) -> None:
    """Operate Slipway: projects, deployments, logs, promotion, rollback and clean-up."""


app.command("login")(auth.login)
app.command("logout")(auth.logout)
app.add_typer(projects.projects_app, name="projects")
app.add_typer(projects.env_app, name="env")
app.add_typer(projects.domains_app, name="domains")
app.command("deploy")(deployments.deploy)
app.add_typer(deployments.deployments_app, name="deployments")
app.command("logs")(deployments.logs)
app.command("promote")(deployments.promote)
app.command("rollback")(deployments.rollback)
app.command("cancel")(deployments.cancel)
app.command("deliveries")(deliveries.deliveries)
app.add_typer(tokens.tokens_app, name="tokens")
app.add_typer(tokens.hooks_app, name="hooks")
app.command("gc")(gc.gc)


@app.command("dev", context_settings={"ignore_unknown_options": True})
def dev() -> None:
    """Run the api, the proxy and the local builder on this machine (what `make dev` runs)."""
    # Imported when used, so that the other commands work whatever state it is in.
    from scripts.cli.dev import dev_command

    code = dev_command()
    if code:
        raise typer.Exit(code)


def _fail(message: str, hint: str | None = None) -> None:
    sys.stderr.write(f"error: {message}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")


def main(argv: list[str] | None = None) -> int:
    command = without_types(typer.main.get_command(app))
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        result = command.main(args=args, prog_name="slipway", standalone_mode=False)
    except CliError as exc:
        _fail(exc.message, exc.hint)
        return exc.exit_code
    except typer.Abort:
        _fail("aborted")
        return EXIT_INTERRUPTED
    except typer.TyperException as exc:  # usage errors: the usage line, then the problem
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            _fail(exc.format_message())
        return exc.exit_code
    except KeyboardInterrupt:
        _fail("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
