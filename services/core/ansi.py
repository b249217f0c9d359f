"""Terminal escape sequences in build output: what they look like, and how to drop them.

Build tools colour their output (`FORCE_COLOR`, a TTY-less CI that still colours). The
failure summary drops the sequences; the dashboard turns colour codes into styled spans
(services/api/dashboard/log_html.py).
"""

from __future__ import annotations

import re

# CSI sequences (`ESC [ params final`), of which SGR (`…m`) sets colours; and OSC sequences
# (`ESC ] … BEL` or `ESC ] … ESC \`), which terminals use for titles and links; a lone ESC.
ESCAPE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x1b"
)
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def strip_ansi(text: str) -> str:
    return ESCAPE.sub("", text)
