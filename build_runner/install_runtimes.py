"""`python -m build_runner.install_runtimes`: install the pinned Node.js releases ahead of builds.

The build image runs it so that the current LTS lines need no download; it installs into
`SLIPWAY_RUNTIMES_DIR` from `SLIPWAY_RUNTIME_REGISTRY`, exactly the releases pinned in
build_runner/tools/package.json (`runtimes`), each with the pinned npm.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from build_runner.registry import RegistryError, Release
from build_runner.runtimes import RuntimeStore, StoreError

PINS = Path(__file__).resolve().parent / "tools" / "package.json"


def main(pins: Path = PINS) -> int:
    runtimes = json.loads(pins.read_text())["runtimes"]
    store = RuntimeStore.from_env(os.environ)
    for version in runtimes["node"]:

        def exactly(published: list[Release], version: str = version) -> Release | None:
            return next((r for r in published if r.version == version), None)

        try:
            runtime = store.install_node(exactly, timeout=300, npm_version=runtimes["npm"])
        except (RegistryError, StoreError, OSError) as exc:
            print(f"install_runtimes: node {version}: {exc}", file=sys.stderr)
            return 1
        if runtime is None:
            print(f"install_runtimes: node {version} is not published", file=sys.stderr)
            return 1
        print(f"install_runtimes: node {runtime.describe()} in {runtime.home}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
