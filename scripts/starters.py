"""Framework starters made by their own generators, for build tests and benchmarks.

`python -m scripts.starters prepare NAME…` runs each starter's generator (it needs the npm
registry), then installs once with an npm cache of its own, which writes the lockfile. What
is kept, under `.tools/starters/<name>/`: `app/` (the generated project and its lockfile,
without node_modules) and `npm-cache/` (every package the install fetched). A build can then
install offline from that cache, restored as the project's build cache: the sandbox never
needs the registry (tests/build_runner/test_starters_offline.py).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.dependencies.requirements import REPO_ROOT

STARTERS_DIR = REPO_ROOT / ".tools" / "starters"
NPM = ["npm", "--no-audit", "--no-fund", "--loglevel=error"]


@dataclass(frozen=True)
class Starter:
    name: str
    generator: tuple[str, ...]  # run in an empty directory; writes ./app
    framework: str  # what the build log's `framework:` line names

    @property
    def home(self) -> Path:
        return STARTERS_DIR / self.name

    @property
    def app(self) -> Path:
        return self.home / "app"

    @property
    def npm_cache(self) -> Path:
        return self.home / "npm-cache"

    @property
    def ready(self) -> Path:
        return self.home / ".ready"


def _npm_exec(package: str, *args: str) -> tuple[str, ...]:
    return ("npm", "exec", "--yes", "--", package, *args)


STARTERS = {
    s.name: s
    for s in (
        Starter(
            "vite-react-ts",
            _npm_exec("create-vite@9.3.0", "app", "--template", "react-ts", "--no-interactive"),
            "Vite",
        ),
    )
}


def prepare(starter: Starter) -> None:
    if starter.ready.exists():
        return
    shutil.rmtree(starter.home, ignore_errors=True)
    starter.home.mkdir(parents=True)
    subprocess.run(starter.generator, cwd=starter.home, check=True, stdin=subprocess.DEVNULL)
    # Download addresses in the lockfile, as a developer's machine writes them: an offline
    # install finds each tarball in the cache by them (some machines' npmrc omits them).
    install = [*NPM, "install", "--omit-lockfile-registry-resolved=false"]
    install += ["--cache", str(starter.npm_cache)]
    subprocess.run(install, cwd=starter.app, check=True, stdin=subprocess.DEVNULL)
    shutil.rmtree(starter.app / "node_modules")
    starter.ready.touch()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.starters")
    parser.add_argument("command", choices=["prepare"])
    parser.add_argument("names", nargs="*", help=f"default: all ({', '.join(STARTERS)})")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in STARTERS]
    if unknown:
        print(f"unknown starter {unknown[0]!r}: choose from {', '.join(STARTERS)}", file=sys.stderr)
        return 2
    for name in args.names or list(STARTERS):
        prepare(STARTERS[name])
        print(f"starters: {name} in {STARTERS[name].home}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
