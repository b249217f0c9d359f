"""The npm pieces builds use: build_runner/tools/package.json and its package-lock.json.

corepack is an npm dependency there, hash-locked by npm. The package manager releases
prepared in corepack's home are listed as `name@version+sha512.<hex>`, corepack's own pin
format: corepack refuses a download whose hash differs. The hash is what corepack itself
computes (for Yarn 2+ that of the unpacked release, not of the tarball), so it is taken from
a real install.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

from scripts.dependencies.requirements import REPO_ROOT

TOOLS_DIR = REPO_ROOT / "build_runner" / "tools"
PACKAGE_JSON = TOOLS_DIR / "package.json"


def package_managers() -> list[str]:
    """The pinned releases, `name@version+sha512.<hex>`, in install order."""
    managers: list[str] = json.loads(PACKAGE_JSON.read_text())["packageManagers"]
    return managers


def node_runtimes() -> tuple[list[str], str]:
    """The Node.js releases the build image installs, and the npm release beside them."""
    runtimes = json.loads(PACKAGE_JSON.read_text())["runtimes"]
    return list(runtimes["node"]), str(runtimes["npm"])


def without_hash(pin: str) -> str:
    return pin.split("+", 1)[0]


def refresh() -> list[str]:
    """Relock corepack, recompute each manager's hash; one line per pin that changed."""
    npm = ["npm", "--no-audit", "--no-fund", "--silent"]
    subprocess.run([*npm, "install", "--package-lock-only"], cwd=TOOLS_DIR, check=True)
    old = package_managers()
    with tempfile.TemporaryDirectory() as scratch:
        prefix = Path(scratch)
        for name in ("package.json", "package-lock.json"):
            (prefix / name).write_bytes((TOOLS_DIR / name).read_bytes())
        subprocess.run([*npm, "ci", "--prefix", str(prefix)], check=True)
        new = [_hashed(prefix, without_hash(pin)) for pin in old]
    document = json.loads(PACKAGE_JSON.read_text())
    document["packageManagers"] = new
    PACKAGE_JSON.write_text(json.dumps(document, indent=2) + "\n")
    return [
        f"  {without_hash(a)}: hash changed (npm)" for a, b in zip(old, new, strict=True) if a != b
    ]


def _hashed(prefix: Path, release: str) -> str:
    name, version = release.split("@", 1)
    home = prefix / "home"
    env = {
        **os.environ,
        "COREPACK_HOME": str(home),
        "COREPACK_INTEGRITY_KEYS": "0",
        # Where the image and `make build-runner-tools` fetch from (Yarn 2+ included).
        "COREPACK_NPM_REGISTRY": "https://registry.npmjs.org",
    }
    corepack = prefix / "node_modules" / ".bin" / "corepack"
    subprocess.run([str(corepack), "install", "-g", release], env=env, check=True)
    recorded = json.loads((home / "v1" / name / version / ".corepack").read_text())
    return f"{release}+{recorded['hash']}"


# Where the newest release of each pinned piece is published on npm.
_NEWEST_FROM = {
    "corepack": "corepack",
    "pnpm": "pnpm",
    "yarn@1": "yarn",
    "yarn": "@yarnpkg/cli-dist",
}


def outdated() -> list[str]:
    """One line per pinned npm piece with a newer release on the registry."""
    corepack = json.loads(PACKAGE_JSON.read_text())["dependencies"]["corepack"]
    pinned = [("corepack", corepack)] + [
        tuple(without_hash(pin).split("@", 1)) for pin in package_managers()
    ]
    lines = []
    for name, version in pinned:
        key = "yarn@1" if name == "yarn" and version.startswith("1.") else name
        newest = subprocess.run(
            ["npm", "view", _NEWEST_FROM[key], "version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if newest != version:
            lines.append(f"  {name}: pinned {version}, newest {newest}")
    return lines


if __name__ == "__main__":
    print("\n".join(outdated()) or "  (all current)")
