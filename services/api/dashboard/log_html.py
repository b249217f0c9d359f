"""A build log as HTML: colour codes become styled spans, everything else is escaped text.

Build tools colour their output with SGR escape codes (`ESC[31m` … `ESC[0m`). Each coloured
run becomes `<span class="ansi-…">`, with classes from a fixed set (dashboard.css); other
escape sequences are dropped. The log's own text is always escaped, so nothing a build
prints can become markup. dashboard.js does the same while a log is followed live.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace

from markupsafe import Markup

from services.core.ansi import ESCAPE, SGR

_STYLES = {1: "bold", 2: "dim", 3: "italic", 4: "underline"}
_STYLE_RESETS = {22: ("bold", "dim"), 23: ("italic",), 24: ("underline",)}
_TOKENS = re.compile(f"({SGR.pattern})|{ESCAPE.pattern}")


@dataclass(frozen=True)
class _State:
    fg: int | None = None  # 0 to 15: the eight colours, then their bright forms
    bg: int | None = None
    styles: frozenset[str] = frozenset()

    def classes(self) -> str:
        names = [f"ansi-{style}" for style in sorted(self.styles)]
        if self.fg is not None:
            names.append(f"ansi-fg-{self.fg}")
        if self.bg is not None:
            names.append(f"ansi-bg-{self.bg}")
        return " ".join(names)


def log_html(text: str) -> Markup:
    """The log, escaped, with its colours as spans."""
    parts: list[str] = []
    state = _State()
    position = 0
    for token in _TOKENS.finditer(text):
        parts.append(_run(text[position : token.start()], state))
        position = token.end()
        if token.group(1) is not None:  # SGR: a change of colour; others are dropped
            state = _apply(state, token.group(2))
    parts.append(_run(text[position:], state))
    return Markup("".join(parts))  # noqa: S704 - every piece of text was escaped by _run


def _run(text: str, state: _State) -> str:
    if not text:
        return ""
    escaped = html.escape(text, quote=True)
    classes = state.classes()
    return f'<span class="{classes}">{escaped}</span>' if classes else escaped


def _apply(state: _State, params: str) -> _State:
    codes = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            state = _State()
        elif code in _STYLES:
            state = replace(state, styles=state.styles | {_STYLES[code]})
        elif code in _STYLE_RESETS:
            state = replace(state, styles=state.styles - set(_STYLE_RESETS[code]))
        elif 30 <= code <= 37 or 90 <= code <= 97:
            state = replace(state, fg=code - 30 if code < 90 else code - 90 + 8)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            state = replace(state, bg=code - 40 if code < 100 else code - 100 + 8)
        elif code == 39:
            state = replace(state, fg=None)
        elif code == 49:
            state = replace(state, bg=None)
        elif code in (38, 48):  # 256-colour or true colour: shown in the default colour
            i += 2 if i + 1 < len(codes) and codes[i + 1] == 5 else 4
        i += 1
    return state
