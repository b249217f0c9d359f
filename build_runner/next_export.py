"""Next.js builds static files only with `output: 'export'`; say so instead of "no output".

Without it, `next build` writes a server app into `.next/` and nothing a static host can
serve. A freshly generated Next.js app has no such line, so this is the first failure most
Next.js projects meet.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

from build_runner.confined import Refused, Root
from build_runner.errors import BuildFailure
from services.core.build_protocol import EXIT_OUTPUT

CONFIG_NAMES = ("next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs")
EXPORT_DIR = "out"
MAX_CONFIG_BYTES = 256 * 1024
# `output: 'export'`, `output: "export"`, `"output": "export"`, `output:\n  'export'`.
_EXPORT = re.compile(r"""\boutput["']?\s*:\s*[`'"]export[`'"]""")


def require_static_export(project_dir: Path, checkout: Path) -> None:
    """Fail with the one change to make when a Next.js project built no static export."""
    try:
        with Root(checkout, "repository") as repo:
            project = repo.parts_of(project_dir)
            _, entries = repo.entries(project)
            if any(n == EXPORT_DIR and stat.S_ISDIR(st.st_mode) for n, st in entries):
                return
            config = next((name for name in CONFIG_NAMES if repo.has_file(name, project)), None)
            text = repo.read(config, MAX_CONFIG_BYTES, project) if config else None
    except Refused:
        return  # unreadable here: locating the output says what is wrong
    if text is not None and _EXPORT.search(text.decode(errors="replace")):
        return  # exported elsewhere (`distDir`): the output directory setting is the fix
    where = f"to {config}" if config else "to a new next.config.mjs"
    raise BuildFailure(
        EXIT_OUTPUT,
        f"this Next.js project builds a server app, not static files: add `output: 'export'` "
        f"{where} (`const nextConfig = {{ output: 'export' }}`) so that `next build` writes "
        # With the line added, `next build` stops at these itself, naming the route; said here
        # so that the fix is not read as enough for every app.
        f"{EXPORT_DIR}/; what needs a server cannot be exported (route handlers that read the "
        "request, `cookies()`, ISR, Next.js 16's Cache Components)",
    )
