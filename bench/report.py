"""Writing a benchmark's section of docs/benchmarks.md, leaving every other section alone."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(section: str, path: Path = DOCS) -> None:
    """Replace the section with this one's "## " heading in docs/benchmarks.md, or append it.

    Other sections of the file belong to other benchmarks and are kept as they are.
    """
    heading = section.splitlines()[0]
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n")


def emit(section: str, write: bool) -> None:
    """Print a benchmark's section and, unless told not to, write it to the docs."""
    print(section)
    if write:
        write_section(section)
