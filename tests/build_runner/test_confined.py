"""build_runner.confined: paths below a root, opened without ever following a link out of it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from build_runner.confined import Leaves, Missing, Refused, Root


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A root with a file, a directory, and links of every kind; a secret beside it."""
    (tmp_path / "secret.txt").write_text("platform secret")
    root = tmp_path / "root"
    (root / "docs/deep").mkdir(parents=True)
    (root / "index.html").write_text("home")
    (root / "docs/deep/page.html").write_text("page")
    os.symlink("docs", root / "latest")
    os.symlink("../index.html", root / "docs/home.html")
    os.symlink(root / "index.html", root / "absolute-inside.html")
    os.symlink(tmp_path / "secret.txt", root / "absolute-out.txt")
    os.symlink("../secret.txt", root / "relative-out.txt")
    os.symlink("docs/deep/../../../secret.txt", root / "dotdot-out.txt")
    os.symlink("loop-b", root / "loop-a")
    os.symlink("loop-a", root / "loop-b")
    os.symlink("missing.html", root / "broken.html")
    return root


@pytest.mark.parametrize(
    ("rel", "base", "parts"),
    [
        pytest.param("index.html", (), ("index.html",), id="a-plain-file"),
        pytest.param(
            "latest/deep/page.html", (), ("docs", "deep", "page.html"), id="through-a-dir-link"
        ),
        pytest.param("home.html", ("docs",), ("index.html",), id="a-link-up-that-stays-inside"),
        pytest.param("absolute-inside.html", (), ("index.html",), id="an-absolute-link-inside"),
        pytest.param("deep/../..", ("docs",), (), id="dotdot-back-to-the-root"),
    ],
)
def test_links_that_stay_inside_resolve_to_link_free_parts(
    tree: Path, rel: str, base: tuple[str, ...], parts: tuple[str, ...]
) -> None:
    with Root(tree, "output") as root:
        assert root.resolve(rel, base).parts == parts


@pytest.mark.parametrize(
    ("rel", "error", "message"),
    [
        pytest.param("absolute-out.txt", Leaves, "a symlink that leaves the output", id="absolute"),
        pytest.param("relative-out.txt", Leaves, "a symlink that leaves the output", id="relative"),
        pytest.param("dotdot-out.txt", Leaves, "a symlink that leaves the output", id="dotdot"),
        pytest.param("../secret.txt", Leaves, "a path that leaves the output", id="plain-dotdot"),
        pytest.param("loop-a", Refused, "a symlink loop (more than 40 links)", id="loop"),
        pytest.param("broken.html", Missing, "missing.html does not exist", id="broken"),
    ],
)
def test_what_leads_out_or_nowhere_is_refused(
    tree: Path, rel: str, error: type[Refused], message: str
) -> None:
    with Root(tree, "output") as root, pytest.raises(error) as refused:
        root.resolve(rel)
    assert str(refused.value) == message


def test_a_root_reached_through_a_link_is_refused(tree: Path) -> None:
    os.symlink(tree, tree.parent / "linked-root")
    with pytest.raises(Refused, match=r"cannot be opened: linked-root is not a directory"):
        Root(tree.parent / "linked-root", "output")
    with pytest.raises(Refused, match=r"cannot be opened: latest is not a directory"):
        Root(tree / "latest", "output")


def test_fifos_and_devices_are_refused_without_being_opened(tree: Path) -> None:
    os.mkfifo(tree / "pipe")  # opening it for reading would block until a writer came
    os.mknod(tree / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    with Root(tree, "output") as root:
        for name in ("pipe", "null"):
            with pytest.raises(Refused, match="not a regular file"):
                root.open_file((name,))
            with pytest.raises(Refused, match="not a regular file"):
                root.read(name, 100)


def test_open_file_never_follows_a_link_even_inside(tree: Path) -> None:
    with Root(tree, "output") as root:
        with pytest.raises(Refused, match="not a regular file"):
            root.open_file(("absolute-out.txt",))
        with pytest.raises(Refused, match="latest is not a directory"):
            root.open_file(("latest", "deep", "page.html"))
        fd = root.open_file(("docs", "deep", "page.html"))
        assert os.read(fd, 100) == b"page"
        os.close(fd)


def test_a_file_read_on_its_own_must_have_one_name(tree: Path) -> None:
    os.link(tree.parent / "secret.txt", tree / "linked.txt")
    with Root(tree, "output") as root:
        with pytest.raises(Refused, match="a hard link"):
            root.read("linked.txt", 100)
        assert root.read("latest/deep/page.html", 100) == b"page"
        assert root.read("docs", 100) is None  # a directory is no file
        assert root.read("nothing.txt", 100) is None


def test_reads_are_capped_one_byte_past_the_limit(tree: Path) -> None:
    (tree / "big.txt").write_bytes(b"x" * 50)
    with Root(tree, "output") as root:
        assert root.read("big.txt", 10) == b"x" * 11


def test_a_directory_swapped_for_a_link_after_it_was_resolved_is_refused(tree: Path) -> None:
    with Root(tree, "output") as root:
        found = root.resolve("docs/deep/page.html")
        (tree / "docs").rename(tree / "docs.old")
        os.symlink(tree.parent, tree / "docs")  # where a hostile build points it
        with pytest.raises(Refused, match="docs is not a directory"):
            root.open_file(found.parts)
        with pytest.raises(Refused, match="docs is not a directory"):
            root.entries(("docs",))
