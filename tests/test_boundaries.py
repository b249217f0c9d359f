"""Which of our packages may import which, read from the source with `ast`.

The build runner's image holds only `build_runner/` and `services/core/`, so anything else it
imported would fail there; the proxy must keep serving while the api is down, and the CLI
talks to the api over HTTP only. Every import counts: relative ones, and those inside
functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = frozenset({"build_runner", "services", "scripts", "tests"})

# package → the other first-party packages it may import (itself always).
RULES = [
    pytest.param("build_runner", ("services.core",), id="the build runner uses only the core"),
    pytest.param("services.core", (), id="the core imports none of our other packages"),
    pytest.param("services.proxy", ("services.core",), id="the proxy never imports the api"),
    pytest.param("scripts.cli", ("services.core",), id="the CLI never imports the api"),
]


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, root: Path) -> Iterator[str]:
    """Every module or name `path` imports, relative imports resolved to absolute names."""
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            # `from services import api` imports services.api: keep the imported name.
            yield from (base if a.name == "*" else f"{base}.{a.name}" for a in node.names)


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(package: str, allowed: tuple[str, ...], root: Path) -> list[str]:
    found = []
    for path in sorted((root / package.replace(".", "/")).rglob("*.py")):
        for name in imported_names(path, root):
            if name.split(".")[0] not in FIRST_PARTY:
                continue  # the standard library or a dependency
            if not any(within(name, ok) for ok in (package, *allowed)):
                found.append(f"{path.relative_to(root)} imports {name}")
    return found


@pytest.mark.parametrize(("package", "allowed"), RULES)
def test_import_rule(package: str, allowed: tuple[str, ...]) -> None:
    assert list((REPO_ROOT / package.replace(".", "/")).rglob("*.py")), f"{package} has no source"
    assert violations(package, allowed, REPO_ROOT) == []


def test_the_rules_see_relative_imports_imports_in_functions_and_imported_submodules(
    tmp_path: Path,
) -> None:
    proxy = tmp_path / "services" / "proxy"
    proxy.mkdir(parents=True)
    (proxy / "__init__.py").write_text("from ..api import app\n")
    (proxy / "serve.py").write_text(
        "import json\n"
        "from services.core import hosts\n"
        "from services import api\n"
        "def later():\n"
        "    import services.api.dispatcher\n"
        "from . import site\n"
    )
    assert violations("services.proxy", ("services.core",), tmp_path) == [
        "services/proxy/__init__.py imports services.api.app",
        "services/proxy/serve.py imports services.api",
        "services/proxy/serve.py imports services.api.dispatcher",
    ]
