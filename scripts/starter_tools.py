"""The tools a starter's generator runs with: a newer Node.js, or a Python tool in a venv.

A framework that needs a newer Node.js than this machine's gets a release installed the way
builds install one (build_runner/runtimes.py), into `.tools/node-runtimes`, which benchmarks
hand their builds as preinstalled releases. A Python generator (MkDocs, Sphinx) runs from a
throwaway virtual environment holding the pinned tool, made with the Python builds choose.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from build_runner.node_version import parse_version, satisfies
from build_runner.python_runtime import interpreters
from build_runner.registry import DEFAULT_REGISTRY, Release
from build_runner.runtimes import RuntimeStore
from scripts.dependencies.requirements import REPO_ROOT

NODE_RUNTIMES_DIR = REPO_ROOT / ".tools" / "node-runtimes"
TOOL_ENV = {
    "npm_config_update_notifier": "false",
    "npm_config_fund": "false",
    "npm_config_audit": "false",
    "NEXT_TELEMETRY_DISABLED": "1",
    "GATSBY_TELEMETRY_DISABLED": "1",
    "ASTRO_TELEMETRY_DISABLED": "1",
}


def node_bin(spec: str) -> Path:
    """The `bin` of the newest Node.js release meeting `spec` (`22`), installed once."""
    store = RuntimeStore(NODE_RUNTIMES_DIR, DEFAULT_REGISTRY)
    wanted = [r for r in store.installed_node() if satisfies(r.version, spec)]
    if wanted:
        return wanted[-1].bin

    def newest(published: list[Release]) -> Release | None:
        meeting = [r for r in published if satisfies(parse_version(r.version), spec)]
        return max(meeting, key=lambda r: parse_version(r.version), default=None)

    runtime = store.install_node(newest, timeout=300)
    if runtime is None:
        raise RuntimeError(f"no Node.js release meets {spec!r}")
    return runtime.bin


def build_python() -> Path:
    """The interpreter a build without a Python version of its own uses: the newest."""
    found = interpreters(os.environ.get("PATH", ""), lambda _: True)
    if not found:
        raise RuntimeError("no python3.N on this machine")
    return found[-1].path


@contextmanager
def python_tool(requirement: str) -> Iterator[Path]:
    """A throwaway virtual environment holding `requirement`; yields its `bin`."""
    with tempfile.TemporaryDirectory(prefix="starter-venv-") as venv:
        subprocess.run([str(build_python()), "-m", "venv", venv], check=True)
        pip = [f"{venv}/bin/python", "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", requirement], check=True, timeout=600)
        yield Path(venv) / "bin"


def tool_env(node: str = "", extra_bin: Path | None = None) -> dict[str, str]:
    """This process's environment with the generator's tools first on PATH."""
    path = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
    first = [str(p) for p in (extra_bin, node_bin(node) if node else None) if p is not None]
    return {**os.environ, **TOOL_ENV, "PATH": ":".join([*first, path])}
