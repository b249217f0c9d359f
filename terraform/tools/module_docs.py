"""Write the Inputs and Outputs tables of each module README from its variables.tf and outputs.tf.

The tables sit between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`; the prose
around them is the author's. `--check` changes nothing and exits 1 when a table is stale.

Usage: module_docs.py [--check] MODULE_DIR...
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import hcl2

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
_VAR_START = re.compile(r'^variable "([^"]+)" \{', re.MULTILINE)


def _raw_types(source: str) -> dict[str, str]:
    """Each variable's type as written (python-hcl2 rewrites nested type expressions)."""
    types: dict[str, str] = {}
    for match in _VAR_START.finditer(source):
        body = source[match.end() :]
        found = re.search(r"^\s*type\s*=\s*", body, re.MULTILINE)
        if not found:
            continue
        text, depth = "", 0
        for char in body[found.end() :]:
            if char == "\n" and depth == 0:
                break
            depth += char in "({["
            depth -= char in ")}]"
            text += char
        types[match.group(1)] = " ".join(text.split()).replace("( ", "(").replace(" )", ")")
    return types


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


def _default(body: dict[str, Any]) -> str:
    if "default" not in body:
        return "required"
    return f"`{_cell(json.dumps(body['default']))}`"


def render(module: Path) -> str:
    variables_tf = module / "variables.tf"
    variables: dict[str, Any] = {}
    types: dict[str, str] = {}
    if variables_tf.exists():
        with variables_tf.open() as handle:
            for item in hcl2.load(handle).get("variable", []):
                variables.update(item)
        types = _raw_types(variables_tf.read_text())
    outputs: dict[str, Any] = {}
    with (module / "outputs.tf").open() as handle:
        for item in hcl2.load(handle).get("output", []):
            outputs.update(item)

    lines = [BEGIN, "## Inputs", ""]
    if variables:
        lines += ["| Name | Description | Type | Default |", "|---|---|---|---|"]
        for name, body in variables.items():
            lines.append(
                f"| `{name}` | {_cell(body.get('description', ''))} "
                f"| `{_cell(types.get(name, '?'))}` | {_default(body)} |"
            )
    else:
        lines.append("None.")
    lines += ["", "## Outputs", ""]
    if outputs:
        lines += ["| Name | Description |", "|---|---|"]
        for name, body in outputs.items():
            lines.append(f"| `{name}` | {_cell(body.get('description', ''))} |")
    else:
        lines.append("None.")
    lines.append(END)
    return "\n".join(lines)


def update(readme: Path, table: str) -> str:
    text = readme.read_text() if readme.exists() else f"# {readme.parent.name}\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return head + table + tail
    return text.rstrip("\n") + "\n\n" + table + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for arg in (a for a in argv if a != "--check"):
        module = Path(arg)
        readme = module / "README.md"
        wanted = update(readme, render(module))
        if readme.exists() and readme.read_text() == wanted:
            continue
        stale.append(str(readme))
        if not check:
            readme.write_text(wanted)
    if check and stale:
        print("stale module docs (run `make terraform-docs`): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
