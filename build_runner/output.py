"""Find the build's output directory and choose which of its files may be published.

Never published: `.git` directories, `.env*` files, symlinks whose target leaves the output,
anything that is not a regular file. Caps on file count and sizes fail the build clearly.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from build_runner.errors import BuildFailure
from build_runner.inputs import Limits
from build_runner.log import BuildLog
from services.core.build_protocol import EXIT_OUTPUT
from services.core.storage import InvalidKey, check_key

CONVENTIONAL_DIRS = ("dist", "build", "out", "public", "_site")
SERVING_FILES = ("_redirects", "_headers")  # read into the manifest, not served


@dataclass(frozen=True)
class SiteFile:
    rel: str  # `/`-separated path inside the output
    path: Path  # the real file to read
    size: int


def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def locate_output(
    project_dir: Path, checkout: Path, configured: str, preset_dir: str, preset_name: str = ""
) -> Path:
    """The project's setting, else the preset's, else a conventional name, else the root.

    When a framework was detected, `public/` is its input (static files it copies into the
    output), never the output itself, unless it is the framework's own output (Gatsby).
    """
    if configured:
        chosen = (project_dir / configured).resolve()
        if not inside(chosen, checkout.resolve()):
            raise BuildFailure(
                EXIT_OUTPUT, f"output directory {configured!r} leaves the repository"
            )
        if not chosen.is_dir():
            raise BuildFailure(EXIT_OUTPUT, f"output directory {configured!r} does not exist")
        return chosen
    candidates = [n for n in dict.fromkeys((preset_dir, *CONVENTIONAL_DIRS)) if n]
    if preset_dir and preset_dir != "public":
        candidates.remove("public")
    for name in candidates:
        if (project_dir / name).is_dir() and not (project_dir / name).is_symlink():
            return (project_dir / name).resolve()
    if (project_dir / "index.html").is_file():
        return project_dir.resolve()
    expected = f" ({preset_name} writes {preset_dir}/)" if preset_name and preset_dir else ""
    raise BuildFailure(
        EXIT_OUTPUT,
        f"no output found{expected}: none of {', '.join(candidates)} exists and there is no "
        "index.html at the root; set the project's output directory",
    )


def _excluded_name(name: str, is_dir: bool) -> str | None:
    if name == ".git":
        return "a .git directory"
    if not is_dir and name.startswith(".env"):  # .env, .env.local, .envrc, ...
        return "an .env file"
    return None


def _excluded_target(name: str, target: Path, root: Path, is_dir: bool) -> str | None:
    """Why a file must not be published, judged by its name and where a symlink points."""
    if reason := _excluded_name(name, is_dir):
        return reason
    parts = target.relative_to(root).parts
    for index, part in enumerate(parts):
        if reason := _excluded_name(part, is_dir or index < len(parts) - 1):
            return f"a link to {reason}"
    return None


def _walk(root: Path, log: BuildLog, skip_dirs: frozenset[str]) -> Iterator[SiteFile]:
    """Regular files under `root`, following only symlinks that stay inside it.

    Links may make one file appear under several names; the caller's file cap bounds that.
    """
    # Each directory carries the real paths above it: a link back up is a loop, not content.
    stack: list[tuple[Path, str, frozenset[Path]]] = [(root, "", frozenset())]
    while stack:
        directory, prefix, ancestors = stack.pop()
        real_dir = directory.resolve()
        if real_dir in ancestors:
            continue
        ancestors |= {real_dir}
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                rel = f"{prefix}{entry.name}"
                target = Path(entry.path).resolve() if entry.is_symlink() else Path(entry.path)
                if entry.is_symlink() and not inside(target, root):
                    log.line("publish", f"skipped {rel}: a symlink that leaves the output")
                    continue
                try:
                    mode = target.stat().st_mode
                except OSError:
                    log.line("publish", f"skipped {rel}: a broken symlink")
                    continue
                is_dir = stat.S_ISDIR(mode)
                if reason := _excluded_target(entry.name, target, root, is_dir):
                    log.line("publish", f"skipped {rel}: {reason} is never published")
                    continue
                if is_dir:
                    if not prefix and entry.name in skip_dirs:
                        continue
                    stack.append((target, rel + "/", ancestors))
                elif stat.S_ISREG(mode):
                    yield SiteFile(rel=rel, path=target, size=target.stat().st_size)
                else:
                    log.line("publish", f"skipped {rel}: not a regular file")


def collect_files(output: Path, limits: Limits, log: BuildLog, *, is_root: bool) -> list[SiteFile]:
    """Every publishable file, checked against the caps; the serving files are left out."""
    # When the output is the project itself, its dependencies are not part of the site.
    skip_dirs = frozenset({"node_modules"}) if is_root else frozenset()
    files: list[SiteFile] = []
    total = 0
    for site_file in _walk(output, log, skip_dirs):
        if site_file.rel in SERVING_FILES:
            continue
        try:
            check_key(f"files/{site_file.rel}")
        except InvalidKey:
            log.line("publish", f"skipped {site_file.rel!r}: the name cannot be stored")
            continue
        if site_file.size > limits.max_file_bytes:
            raise BuildFailure(
                EXIT_OUTPUT,
                f"{site_file.rel} is {site_file.size} bytes, over the per-file cap of "
                f"{limits.max_file_bytes} bytes",
            )
        files.append(site_file)
        total += site_file.size
        if len(files) > limits.max_files:
            raise BuildFailure(
                EXIT_OUTPUT, f"the output has more than {limits.max_files} files (the cap)"
            )
        if total > limits.max_total_bytes:
            raise BuildFailure(
                EXIT_OUTPUT, f"the output exceeds the cap of {limits.max_total_bytes} bytes"
            )
    if not files:
        raise BuildFailure(EXIT_OUTPUT, f"the output directory {output.name!r} holds no files")
    return files
