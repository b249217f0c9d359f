"""Unpacking a build cache archive, which a build could have shaped, on every Python 3.11.

tarfile's "data" filter (Python 3.11.4 and later) refuses what could write outside the
destination or make anything but plain files, directories and links; earlier 3.11 releases
have no filters (`filter=` is a TypeError there). Where it is missing, `extract_checked`
applies the same rules itself, member by member, resolving each path against what is already
unpacked (so a link planted earlier in the archive cannot lead a later member out).
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

# What a restored file or directory may keep of its mode: no setuid, setgid or sticky bit,
# and no write for group or others (as the "data" filter).
_KEPT_MODE = 0o755


class UnsafeMember(tarfile.TarError):
    """A member the data filter would refuse."""


def extract(archive: tarfile.TarFile, dest: Path) -> None:
    """Every member of `archive` into the existing directory `dest`, or UnsafeMember."""
    if hasattr(tarfile, "data_filter"):
        archive.extractall(dest, filter="data")
    else:
        extract_checked(archive, dest)


def extract_checked(archive: tarfile.TarFile, dest: Path) -> None:
    """The "data" filter's rules without tarfile's filters (Python 3.11.0-3.11.3)."""
    root = os.path.realpath(dest)
    for member in archive:
        member.name = member.name.lstrip("/")  # `/a` is unpacked as `a`, as the filter does
        target = _inside(root, member.name, member.name)
        if member.issym():
            if os.path.isabs(member.linkname):
                raise UnsafeMember(f"{member.name} links to an absolute path")
            _inside(root, os.path.join(os.path.dirname(member.name), member.linkname), member.name)
        elif member.islnk():
            _inside(root, member.linkname, member.name)
        elif not (member.isreg() or member.isdir()):
            raise UnsafeMember(f"{member.name} is not a file, a directory or a link")
        # Ownership, modes and times are set here, never taken from the archive as it is.
        archive.extract(member, root, set_attrs=False)
        if member.isreg() or member.isdir():
            mode = (member.mode & _KEPT_MODE) | (0o700 if member.isdir() else 0o600)
            os.chmod(target, mode)
            os.utime(target, (member.mtime, member.mtime))


def _inside(root: str, name: str, member: str) -> str:
    """`root/name` resolved through what is unpacked so far, refused unless inside `root`."""
    if os.path.isabs(name):
        raise UnsafeMember(f"{member} has an absolute path")
    resolved = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, resolved]) != root:
        raise UnsafeMember(f"{member} would be written outside the cache directory")
    return resolved
