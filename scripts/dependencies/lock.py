"""`make lock`: refresh uv.lock from pyproject.toml, export the requirement files, say what changed.

uv.lock is the one resolution of the project (every Python from 3.11, every platform); each
installer reads its own export of it, so the images and the local environment cannot
disagree. The tools that live in their own environments (uv itself, checkov with its old
boto3) are compiled from their `.in` files the same way. Standard library only: it runs
before any environment exists.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from scripts.dependencies import npm_tools
from scripts.dependencies.requirements import REPO_ROOT, REQUIREMENTS_DIR

UV_LOCK = REPO_ROOT / "uv.lock"
OLDEST_PYTHON = "3.11"

# Each installer's requirement file and the uv export arguments that select its packages.
EXPORTS: dict[str, list[str]] = {
    "build.txt": ["--only-group", "build"],
    "dev.txt": ["--no-default-groups", "--group", "dev"],
    "services.txt": ["--no-default-groups"],
    "runner.txt": ["--only-group", "runner"],
}
# Tools with environments of their own, compiled from requirements/<name>.in.
TOOLS = ("uv", "checkov")


def versions_in(lock_text: str) -> dict[str, set[str]]:
    """Package name to its locked versions (a universal lock may hold two, by marker)."""
    found: dict[str, set[str]] = {}
    for package in tomllib.loads(lock_text).get("package", []):
        if "version" in package:
            found.setdefault(package["name"], set()).add(package["version"])
    return found


def pins_in(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for line in text.splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, _, rest = line.partition("==")
            found.setdefault(name, set()).add(rest.split()[0].rstrip("\\;"))
    return found


def changes(before: dict[str, set[str]], after: dict[str, set[str]]) -> list[str]:
    lines = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name, set()), after.get(name, set())
        if old != new:
            shown_old = ", ".join(sorted(old)) or "(absent)"
            shown_new = ", ".join(sorted(new)) or "(removed)"
            lines.append(f"  {name}: {shown_old} -> {shown_new}")
    return lines


def run(uv: str, *args: str) -> None:
    subprocess.run([uv, *args], cwd=REPO_ROOT, check=True)


def export_all(uv: str, into: Path) -> None:
    for name, selection in EXPORTS.items():
        run(
            uv,
            "export",
            "--frozen",
            "--no-emit-project",
            "--no-header",
            "--quiet",
            *selection,
            "--output-file",
            str(into / name),
        )


def compile_tools(uv: str, upgrade: list[str], into: Path) -> None:
    """uv keeps the pins already in an output file unless told to upgrade them."""
    for tool in TOOLS:
        run(
            uv,
            "pip",
            "compile",
            "--quiet",
            "--universal",
            "--generate-hashes",
            "--python-version",
            OLDEST_PYTHON,
            "--no-header",
            *upgrade,
            str(REQUIREMENTS_DIR / f"{tool}.in"),
            "--output-file",
            str(into / f"{tool}.txt"),
        )


def check(uv: str) -> int:
    """Exit 1 when requirements/ is not exactly what uv.lock and the .in files give."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch)
        for tool in TOOLS:
            shutil.copyfile(REQUIREMENTS_DIR / f"{tool}.txt", fresh / f"{tool}.txt")
        export_all(uv, fresh)
        compile_tools(uv, [], fresh)
        stale = [
            name
            for name in [*EXPORTS, *(f"{t}.txt" for t in TOOLS)]
            if (fresh / name).read_text() != (REQUIREMENTS_DIR / name).read_text()
        ]
    for name in stale:
        print(
            f"lock: requirements/{name} is not what the lock gives; run `make lock`",
            file=sys.stderr,
        )
    return 1 if stale else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make lock", description=__doc__)
    parser.add_argument("--uv", default="uv", help="the uv executable")
    parser.add_argument(
        "--package",
        action="append",
        default=[],
        help="refresh only this package (repeatable); default: all",
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; fail when requirements/ is stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        return check(args.uv)
    upgrade = [f"--upgrade-package={p}" for p in args.package] or ["--upgrade"]

    before = versions_in(UV_LOCK.read_text()) if UV_LOCK.exists() else {}
    tools_before = {t: pins_in(_read(REQUIREMENTS_DIR / f"{t}.txt")) for t in TOOLS}
    run(args.uv, "lock", "--quiet", *upgrade)
    export_all(args.uv, REQUIREMENTS_DIR)
    compile_tools(args.uv, upgrade, REQUIREMENTS_DIR)

    report = changes(before, versions_in(UV_LOCK.read_text()))
    for tool in TOOLS:
        after = pins_in(_read(REQUIREMENTS_DIR / f"{tool}.txt"))
        report += [f"{line} ({tool})" for line in changes(tools_before[tool], after)]
    if not args.package:
        report += npm_tools.refresh()
    print("lock: " + ("changed:\n" + "\n".join(report) if report else "nothing changed"))
    return 0


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
