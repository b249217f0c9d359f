"""Read what a build may have touched without ever following it out of its directory.

The runner (trusted, perhaps root) reads the checkout, the output and the cache after
untrusted commands ran in them, and possibly while a process they left behind still does:
any entry may have become a symlink, a fifo, a device or a hard link, and any directory may
be swapped for a link while it is read. So nothing here hands a path to the kernel to
resolve. A `Root` is opened one component at a time from `/`, each with O_NOFOLLOW (the
runner made its paths canonical, so a link on the way is something planted and is refused),
and every path below it is opened the same way relative to the directory descriptor above.
A symlink inside is followed only by resolving its text here, within the root, at most
MAX_LINKS times; `..` never rises above the root. Files are opened O_NONBLOCK (a fifo
cannot stall the runner), only after lstat said "regular file", and checked again with
fstat on the descriptor that is then read: the bytes used are the bytes checked.

Hard links are a name, not a pointer: a hard link to a file outside the root is that file,
and no check on the path can tell. Two facts bound them. In the sandbox the workspace is a
bind mount of its own, and link(2) never crosses mounts, so a build can only link files of
its own workspace. Outside a sandbox a build can copy any file it can read, so no check here
would contain it. What the runner still refuses, for defence in depth: a config file read
on its own must have one name (`read`), and an output file is published only when all its
names were found inside the output (`build_runner.output`). The cache keeps hard-linked
files (pnpm links its store into node_modules), whose names are all in the workspace.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

MAX_LINKS = 40
Parts = tuple[str, ...]  # a path below a root, component by component, no link in it
Identity = tuple[int, int]  # (st_dev, st_ino): the same file, whatever its name

_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
# What an open with O_NOFOLLOW answers when the entry became a link or a non-directory.
_SWAPPED = {errno.ELOOP, errno.ENOTDIR, errno.ENOENT, errno.EMLINK}


class Refused(Exception):
    """Why a path is not read; the text follows "skipped <path>: " or "<path>: "."""


class Leaves(Refused):
    """The path leads out of its root."""


class Missing(Refused):
    """Nothing is there (a broken link included)."""


@dataclass(frozen=True)
class Entry:
    """What a path below a root resolved to: its link-free parts and their lstat."""

    parts: Parts
    stat: os.stat_result

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.stat.st_mode)

    @property
    def is_file(self) -> bool:
        return stat.S_ISREG(self.stat.st_mode)


def identity(st: os.stat_result) -> Identity:
    return st.st_dev, st.st_ino


def _step(dir_fd: int, name: str) -> int:
    """The directory `name` below `dir_fd`, never through a link."""
    try:
        return os.open(name, _OPEN_DIR, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise Missing(f"{name} does not exist") from None
        if exc.errno in _SWAPPED:
            raise Refused(f"{name} is not a directory (a link or a file was put there)") from None
        raise


def _lstat(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _readlink(dir_fd: int, name: str) -> str:
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.EINVAL):  # gone, or no longer a link
            raise Refused("changed while it was read") from None
        raise


def _open_canonical(path: Path) -> int:
    """A descriptor for the directory `path`, every component of it opened without a link."""
    if not path.is_absolute():
        raise ValueError(f"a root must be an absolute path: {path}")
    return _descend(os.open("/", _OPEN_DIR), path.parts[1:])


def _descend(fd: int, names: Sequence[str]) -> int:
    """The directory `names` below `fd`, one component at a time; `fd` is closed."""
    try:
        for name in names:
            next_fd = _step(fd, name)
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_fd(fd: int, limit: int) -> bytes:
    """At most `limit` + 1 bytes from `fd`: one more than allowed tells the caller it is over."""
    chunks: list[bytes] = []
    left = limit + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class Root:
    """A directory tree read from its descriptor; `label` names it in messages ("the output")."""

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        try:
            self.fd = _open_canonical(path)
        except Missing:
            raise Missing(f"the {label} does not exist") from None
        except Refused as exc:
            raise Refused(f"the {label} ({path}) cannot be opened: {exc}") from None

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Root:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def parts_of(self, path: Path) -> Parts:
        """The parts of a link-free `path` below the root (ValueError when it is not below)."""
        return path.relative_to(self.path).parts

    def open_dir(self, parts: Sequence[str]) -> int:
        """A new descriptor for the directory `parts`; the caller closes it."""
        return _descend(os.dup(self.fd), parts)

    def entries(
        self, parts: Sequence[str]
    ) -> tuple[os.stat_result, list[tuple[str, os.stat_result]]]:
        """The directory's own stat and its entries' lstat, sorted by name."""
        fd = self.open_dir(parts)
        try:
            found = []
            for name in sorted(os.listdir(fd)):
                if (st := _lstat(fd, name)) is not None:  # gone meanwhile: nothing to read
                    found.append((name, st))
            return os.fstat(fd), found
        finally:
            os.close(fd)

    def readlink(self, parts: Sequence[str]) -> str:
        """The text of the symlink `parts` (the link itself, never followed)."""
        directory = self.open_dir(parts[:-1])
        try:
            return _readlink(directory, parts[-1])
        finally:
            os.close(directory)

    def resolve(self, rel: str, base: Sequence[str] = ()) -> Entry:
        """Where `rel`, read from the directory `base`, leads inside the root.

        Links are resolved here, within the root; raises Leaves when the path leads out of
        it, Missing when nothing is there, Refused for a loop or a directory that changed.
        """
        done = list(base)
        todo = list(reversed(rel.split("/")))
        links = 0
        fds = [self.open_dir(done)]  # fds[-1] is the directory `done` names
        try:
            while todo:
                name = todo.pop()
                if name in ("", "."):
                    continue
                if name == "..":
                    if not done:
                        raise self._leaves(links)
                    done.pop()
                    os.close(fds.pop())
                    if not fds:  # above where it started: open the parent from the root
                        fds.append(self.open_dir(done))
                    continue
                st = _lstat(fds[-1], name)
                if st is None:
                    raise Missing(f"{name} does not exist")
                if stat.S_ISLNK(st.st_mode):
                    links += 1
                    if links > MAX_LINKS:
                        raise Refused(f"a symlink loop (more than {MAX_LINKS} links)")
                    target = _readlink(fds[-1], name)
                    if target.startswith("/"):  # absolute: meaningful only when it names the root
                        inner = self._inner(target, links)
                        for fd in fds:
                            os.close(fd)
                        done, fds = [], [os.dup(self.fd)]
                        target = inner
                    todo.extend(reversed(target.split("/")))
                    continue
                done.append(name)
                if not todo:
                    return Entry(tuple(done), st)
                if not stat.S_ISDIR(st.st_mode):
                    raise Missing(f"{name} is not a directory")
                fds.append(_step(fds[-1], name))
            return Entry(tuple(done), os.fstat(fds[-1]))
        finally:
            for fd in fds:
                os.close(fd)

    def _leaves(self, links: int) -> Leaves:
        kind = "a symlink" if links else "a path"
        return Leaves(f"{kind} that leaves the {self.label}")

    def _inner(self, target: str, links: int) -> str:
        root = str(self.path).rstrip("/") + "/"
        if target.rstrip("/") + "/" == root:
            return "."
        if not target.startswith(root):
            raise self._leaves(links)
        return target.removeprefix(root)

    def open_file(self, parts: Sequence[str]) -> int:
        """A descriptor for the regular file `parts` (never a link, fifo, device or socket)."""
        if not parts:
            raise Refused("not a regular file")
        directory = self.open_dir(parts[:-1])
        try:
            st = _lstat(directory, parts[-1])
            if st is None:
                raise Missing(f"{parts[-1]} does not exist")
            if not stat.S_ISREG(st.st_mode):  # never opened: opening a device can act
                raise Refused("not a regular file")
            try:
                fd = os.open(parts[-1], _OPEN_FILE, dir_fd=directory)
            except OSError as exc:
                if exc.errno in _SWAPPED:
                    raise Refused("changed while it was read") from None
                raise
        finally:
            os.close(directory)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise Refused("changed while it was read")
        return fd

    def read(self, rel: str, limit: int, base: Sequence[str] = ()) -> bytes | None:
        """A file read on its own (a config file): at most `limit` + 1 bytes; None: none there.

        A directory by that name is none there; a file with more than one name is refused,
        since its other name may be anywhere on the machine.
        """
        try:
            found = self.resolve(rel, base)
        except Missing:
            return None
        if found.is_dir:
            return None
        fd = self.open_file(found.parts)
        try:
            if os.fstat(fd).st_nlink > 1:
                raise Refused(
                    f"a hard link (a file with another name, perhaps outside the {self.label})"
                )
            return read_fd(fd, limit)
        finally:
            os.close(fd)

    def has_file(self, rel: str, base: Sequence[str] = ()) -> bool:
        """Whether `rel` is a regular file inside the root (links inside followed)."""
        try:
            return self.resolve(rel, base).is_file
        except Missing:
            return False
