"""Find the build's output directory and choose which of its files may be published.

Never published: `.git` directories, `.env*` files, symlinks whose target leaves the output,
anything that is not a regular file, and hard links with a name outside the output. Caps on
file count and sizes fail the build clearly. Everything is read through
`build_runner.confined`: the build ran in these directories and may still be changing them.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from build_runner.confined import Identity, Leaves, Missing, Parts, Refused, Root, identity
from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from services.core.build_protocol import EXIT_OUTPUT
from services.core.runner_inputs import Limits
from services.core.site_paths import unservable_reason

CONVENTIONAL_DIRS = ("dist", "build", "out", "public", "_site")
SERVING_FILES = ("_redirects", "_headers")  # read into the manifest, not served


@dataclass(frozen=True)
class SiteFile:
    rel: str  # `/`-separated path inside the output
    path: Path  # the file itself: a path with no link in it
    size: int
    # Set by the walk: the output it was found in, and which file it was. Publishing opens
    # `path` below `root` again without following links and reads it only if it is that file.
    root: Path | None = None
    identity: Identity | None = None


def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def locate_output(
    project_dir: Path, checkout: Path, configured: str, preset_dir: str, preset_name: str = ""
) -> Path:
    """The project's setting, else the preset's, else a conventional name, else the root.

    When a framework was detected, `public/` is its input (static files it copies into the
    output), never the output itself, unless it is the framework's own output (Gatsby).
    """
    try:
        with Root(checkout, "repository") as repo:
            return _locate(repo, repo.parts_of(project_dir), configured, preset_dir, preset_name)
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"the checkout cannot be read: {exc}") from None


def _locate(repo: Root, project: Parts, configured: str, preset_dir: str, preset_name: str) -> Path:
    if configured:
        try:
            chosen = repo.resolve(configured, project)
        except Leaves:
            raise BuildFailure(
                EXIT_OUTPUT, f"output directory {configured!r} leaves the repository"
            ) from None
        except Missing:
            raise BuildFailure(
                EXIT_OUTPUT, f"output directory {configured!r} does not exist"
            ) from None
        except Refused as exc:
            raise BuildFailure(EXIT_OUTPUT, f"output directory {configured!r}: {exc}") from None
        if not chosen.is_dir:
            raise BuildFailure(EXIT_OUTPUT, f"output directory {configured!r} does not exist")
        return repo.path.joinpath(*chosen.parts)
    candidates = [n for n in dict.fromkeys((preset_dir, *CONVENTIONAL_DIRS)) if n]
    if preset_dir and preset_dir != "public":
        candidates.remove("public")
    _, entries = repo.entries(project)
    found = dict(entries)
    for name in candidates:
        if name in found and stat.S_ISDIR(found[name].st_mode):  # a link is not taken
            return repo.path.joinpath(*project, name)
    try:
        if repo.has_file("index.html", project):
            return repo.path.joinpath(*project)
    except Refused:
        pass  # a link out or a loop is not the site's index: the error below says what to set
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


def _excluded_target(name: str, parts: Parts, is_dir: bool) -> str | None:
    """Why a file must not be published, judged by its name and where a symlink points."""
    if reason := _excluded_name(name, is_dir):
        return reason
    for index, part in enumerate(parts):
        if reason := _excluded_name(part, is_dir or index < len(parts) - 1):
            return f"a link to {reason}"
    return None


@dataclass(frozen=True)
class _Found:
    file: SiteFile
    identity: Identity
    links: int  # st_nlink: the names the file has anywhere


def _walk(
    root: Root, log: BuildLog, skip_dirs: frozenset[str], names: dict[Identity, set[Parts]]
) -> Iterator[_Found]:
    """Regular files under `root`, following only symlinks that stay inside it.

    Links may make one file appear under several names; the caller's file cap bounds that.
    `names` collects the real (non-link) names each file has in the output.
    """
    # Each directory carries the identities above it: a link back up is a loop, not content.
    stack: list[tuple[Parts, str, frozenset[Identity]]] = [((), "", frozenset())]
    while stack:
        parts, prefix, ancestors = stack.pop()
        try:  # each directory is opened from the root again: a swapped parent is refused
            own, entries = root.entries(parts)
        except Refused as exc:
            log.line("publish", f"skipped {prefix or '.'}: {exc}")
            continue
        if identity(own) in ancestors:
            continue
        ancestors |= {identity(own)}
        for name, st in entries:
            if not prefix and name in SERVING_FILES:
                continue  # read, and any skip logged, by build_runner.serving
            rel = f"{prefix}{name}"
            target = (*parts, name)
            if stat.S_ISLNK(st.st_mode):
                try:
                    found = root.resolve(name, parts)
                except Leaves:
                    log.line("publish", f"skipped {rel}: a symlink that leaves the output")
                    continue
                except Missing:
                    log.line("publish", f"skipped {rel}: a broken symlink")
                    continue
                except Refused as exc:
                    log.line("publish", f"skipped {rel}: {exc}")
                    continue
                target, st = found.parts, found.stat
            elif stat.S_ISREG(st.st_mode):
                names.setdefault(identity(st), set()).add(target)
            is_dir = stat.S_ISDIR(st.st_mode)
            if reason := _excluded_target(name, target, is_dir):
                log.line("publish", f"skipped {rel}: {reason} is never published")
                continue
            if is_dir:
                if not prefix and name in skip_dirs:
                    continue
                stack.append((target, rel + "/", ancestors))
            elif stat.S_ISREG(st.st_mode):
                path = root.path.joinpath(*target)
                site_file = SiteFile(rel, path, st.st_size, root.path, identity(st))
                yield _Found(site_file, identity(st), st.st_nlink)
            else:
                log.line("publish", f"skipped {rel}: not a regular file")


def collect_files(output: Path, limits: Limits, log: BuildLog, *, is_root: bool) -> list[SiteFile]:
    """Every publishable file, checked against the caps; the serving files are left out."""
    # When the output is the project itself, its dependencies are not part of the site.
    skip_dirs = frozenset({"node_modules"}) if is_root else frozenset()
    names: dict[Identity, set[Parts]] = {}
    found: list[_Found] = []
    total = 0
    try:
        with Root(output, "output") as root:
            for item in _walk(root, log, skip_dirs, names):
                site_file = item.file
                if reason := unservable_reason(site_file.rel):
                    log.line(
                        "publish", f"skipped {site_file.rel!r}: the name {reason}: no URL names it"
                    )
                    continue
                _check_caps(site_file, len(found) + 1, total + site_file.size, limits)
                found.append(item)
                total += site_file.size
    except Refused as exc:
        raise BuildFailure(EXIT_OUTPUT, f"the output cannot be read: {exc}") from None
    files = [item.file for item in found if _single_site(item, names, log)]
    if not files:
        raise BuildFailure(EXIT_OUTPUT, f"the output directory {output.name!r} holds no files")
    return files


def _check_caps(site_file: SiteFile, count: int, total: int, limits: Limits) -> None:
    if site_file.size > limits.max_file_bytes:
        raise BuildFailure(
            EXIT_OUTPUT,
            f"{site_file.rel} is {site_file.size} bytes, over the per-file cap of "
            f"{limits.max_file_bytes} bytes",
        )
    if count > limits.max_files:
        raise BuildFailure(
            EXIT_OUTPUT, f"the output has more than {limits.max_files} files (the cap)"
        )
    if total > limits.max_total_bytes:
        raise BuildFailure(
            EXIT_OUTPUT, f"the output exceeds the cap of {limits.max_total_bytes} bytes"
        )


def _single_site(item: _Found, names: dict[Identity, set[Parts]], log: BuildLog) -> bool:
    """Whether every name of the file is in the output: a hard link's other name may not be."""
    if item.links <= len(names.get(item.identity, ())):
        return True
    log.line("publish", f"skipped {item.file.rel}: a hard link to a file outside the output")
    return False
