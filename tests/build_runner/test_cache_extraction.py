"""The build cache restores on every Python 3.11, as safely as tarfile's "data" filter.

Python 3.11.0-3.11.3 have no extraction filters (`filter=` raises TypeError there). The
fallback extraction is exercised directly on this interpreter, and every hostile archive
below is refused by both ways alike, writing nothing outside the destination.
"""

from __future__ import annotations

import io
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from build_runner import cache_archive
from build_runner.build_cache import restore_cache, save_cache
from build_runner.log import BuildLog
from services.core.storage import Storage

Extract = Callable[[tarfile.TarFile, Path], None]


def with_filter(archive: tarfile.TarFile, dest: Path) -> None:
    archive.extractall(dest, filter="data")


EXTRACTIONS = [
    pytest.param(with_filter, id="data-filter"),
    pytest.param(cache_archive.extract_checked, id="fallback"),
]


def archive_of(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def entry(name: str, kind: bytes = tarfile.REGTYPE, **fields: Any) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in fields.items():
        setattr(info, key, value)
    return info


def unpack(extract: Extract, data: bytes, dest: Path) -> None:
    dest.mkdir()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        extract(archive, dest)


GOOD = archive_of(
    (entry("npm", tarfile.DIRTYPE, mode=0o755), None),
    (entry("npm/_cacache", tarfile.DIRTYPE, mode=0o755), None),
    (entry("npm/_cacache/entry", mode=0o6777), b"tarball bytes"),
    (entry("npm/latest", tarfile.SYMTYPE, linkname="_cacache/entry"), None),
    (entry("top-level", tarfile.SYMTYPE, linkname="npm/_cacache"), None),
)


@pytest.mark.parametrize("extract", EXTRACTIONS)
def test_an_absolute_name_is_unpacked_inside(extract: Extract, tmp_path: Path) -> None:
    dest = tmp_path / "cache"
    unpack(extract, archive_of((entry(f"{tmp_path}/escaped"), b"x")), dest)
    assert not (tmp_path / "escaped").exists()
    assert (dest / str(tmp_path).lstrip("/") / "escaped").read_bytes() == b"x"


@pytest.mark.parametrize("extract", EXTRACTIONS)
def test_a_cache_archive_unpacks_with_its_links_and_no_special_bits(
    extract: Extract, tmp_path: Path
) -> None:
    dest = tmp_path / "cache"
    unpack(extract, GOOD, dest)
    assert (dest / "npm/_cacache/entry").read_bytes() == b"tarball bytes"
    assert (dest / "npm/latest").read_bytes() == b"tarball bytes"
    assert (dest / "top-level/entry").read_bytes() == b"tarball bytes"
    mode = stat.S_IMODE((dest / "npm/_cacache/entry").stat().st_mode)
    assert mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX | stat.S_IWGRP | stat.S_IWOTH) == 0
    assert mode & stat.S_IRUSR


HOSTILE = [
    pytest.param([(entry("../escaped"), b"x")], id="dot-dot"),
    pytest.param([(entry("a/../../escaped"), b"x")], id="dot-dot-inside"),
    pytest.param(
        [(entry("out", tarfile.SYMTYPE, linkname="/"), None), (entry("out/escaped"), b"x")],
        id="absolute-link",
    ),
    pytest.param(
        [(entry("up", tarfile.SYMTYPE, linkname=".."), None), (entry("up/escaped"), b"x")],
        id="link-up",
    ),
    pytest.param(
        [
            (entry("here", tarfile.SYMTYPE, linkname="."), None),
            (entry("sneaky", tarfile.SYMTYPE, linkname="here/.."), None),
            (entry("sneaky/escaped"), b"x"),
        ],
        id="link-through-a-link",
    ),
    pytest.param([(entry("hard", tarfile.LNKTYPE, linkname="../escaped"), None)], id="hard-out"),
    pytest.param([(entry("device", tarfile.CHRTYPE, devmajor=1, devminor=3), None)], id="device"),
    pytest.param([(entry("pipe", tarfile.FIFOTYPE), None)], id="fifo"),
]


@pytest.mark.parametrize("extract", EXTRACTIONS)
@pytest.mark.parametrize("members", HOSTILE)
def test_hostile_archives_are_refused_alike(
    extract: Extract, members: list[tuple[tarfile.TarInfo, bytes | None]], tmp_path: Path
) -> None:
    dest = tmp_path / "box" / "cache"
    dest.parent.mkdir()
    with pytest.raises(tarfile.TarError):
        unpack(extract, archive_of(*members), dest)
    outside = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")} - {Path("box")}
    assert all(Path("box/cache") in (p, *p.parents) for p in outside), outside
    assert not any((dest / name).exists() for name in ("device", "pipe"))


@pytest.mark.anyio
async def test_the_cache_restores_where_tarfile_has_no_filters(
    tmp_path: Path, local_storage_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on Python 3.11.0-3.11.3: no `tarfile.data_filter`, and `filter=` is a TypeError."""
    monkeypatch.delattr(tarfile, "data_filter")
    unfiltered = tarfile.TarFile.extractall

    def extractall(
        self: tarfile.TarFile, path: str = ".", members: Any = None, **kwargs: Any
    ) -> None:
        if "filter" in kwargs:
            raise TypeError("extractall() got an unexpected keyword argument 'filter'")
        unfiltered(self, path, members, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "extractall", extractall)
    storage = Storage(local_storage_url)
    stream = io.StringIO()
    saved = tmp_path / "saved"
    (saved / "npm/_cacache").mkdir(parents=True)
    (saved / "npm/_cacache/entry").write_bytes(b"tarball bytes")
    assert await save_cache(storage, "site", saved, BuildLog(stream), context="production")
    restored = tmp_path / "restored"
    assert await restore_cache(storage, "site", restored, BuildLog(stream), context="production")
    assert (restored / "npm/_cacache/entry").read_bytes() == b"tarball bytes"
