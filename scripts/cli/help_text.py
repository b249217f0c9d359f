"""Help that reads as prose: arguments by their names, never by Python types.

Typer prints an argument's type after its name (`PROJECT <str>`, `HOST... <list[str]>`) and
wraps required ones in braces in the usage line (`{PROJECT} {HOST...}...`), with no setting
to change either; options already show their metavars (`--limit N`).
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument


class NamedArgument(TyperArgument):
    """An argument shown in help by its metavar alone."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        """As click writes usage: required arguments bare, optional ones in brackets."""
        name = str(self.display_name_raw)
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return name if self.required else f"[{name}]"


def without_types(command: Any) -> Any:
    """`command` and every subcommand, their arguments shown without types.

    Typed loosely: Typer builds commands from its own copy of click, not the click package.
    """
    for param in command.params:
        if type(param) is TyperArgument:
            param.__class__ = NamedArgument  # same fields; only the help line differs
    for sub in getattr(command, "commands", {}).values():
        without_types(sub)
    return command
