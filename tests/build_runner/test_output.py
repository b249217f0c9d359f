from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from build_runner.output import collect_files, locate_output
from services.core.build_protocol import EXIT_OUTPUT
from services.core.runner_inputs import Limits


def make(root: Path, names: list[str]) -> Path:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    return root


@pytest.mark.parametrize(
    ("names", "configured", "preset", "expected"),
    [
        pytest.param(["out/a", "dist/a"], "out", "", "out", id="setting-wins"),
        pytest.param(["build/a", "dist/a"], "", "build", "build", id="preset-next"),
        pytest.param(["dist/a", "build/a"], "", "", "dist", id="dist-first"),
        pytest.param(["_site/a"], "", "", "_site", id="eleventy-style"),
        pytest.param(["index.html", "src/x"], "", "", ".", id="root-with-index"),
    ],
)
def test_locate_output(
    tmp_path: Path, names: list[str], configured: str, preset: str, expected: str
) -> None:
    make(tmp_path, names)
    found = locate_output(tmp_path, tmp_path, configured, preset)
    assert found == (tmp_path / expected).resolve()


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        pytest.param("", "no output found", id="nothing"),
        pytest.param("missing", "does not exist", id="missing-setting"),
        pytest.param("../..", "leaves the repository", id="escape"),
    ],
)
def test_locate_output_failures(tmp_path: Path, configured: str, message: str) -> None:
    make(tmp_path, ["src/main.js"])
    with pytest.raises(BuildFailure, match=message) as failure:
        locate_output(tmp_path, tmp_path, configured, "")
    assert failure.value.exit_code == EXIT_OUTPUT


def test_a_framework_never_publishes_its_public_input(tmp_path: Path) -> None:
    make(tmp_path, ["public/favicon.svg", "src/main.js"])
    with pytest.raises(BuildFailure, match=r"no output found \(Vite writes dist/\)"):
        locate_output(tmp_path, tmp_path, "", "dist", "Vite")
    assert locate_output(tmp_path, tmp_path, "", "public", "Gatsby") == tmp_path / "public"
    assert locate_output(tmp_path, tmp_path, "", "", "plain static") == tmp_path / "public"


def collect(
    root: Path, limits: Limits | None = None, is_root: bool = False
) -> tuple[set[str], str]:
    stream = io.StringIO()
    files = collect_files(root.resolve(), limits or Limits(), BuildLog(stream), is_root=is_root)
    return {f.rel for f in files}, stream.getvalue()


def test_never_published(tmp_path: Path) -> None:
    site = make(
        tmp_path / "site",
        [
            "index.html",
            ".env",
            ".env.local",
            ".envrc",
            ".git/config",
            "a/.git/HEAD",
            "_redirects",
            "x.css",
        ],
    )
    (tmp_path / "outside.txt").write_text("secret")
    os.symlink(tmp_path / "outside.txt", site / "escape.txt")
    os.symlink(".env", site / "innocent.txt")  # a link to a never-published file
    os.symlink("a", site / "loop")  # a directory link that stays inside
    os.symlink("a/../..", site / "a/up")  # a loop back up
    os.mkfifo(site / "pipe")
    names, log = collect(site)
    assert names == {"index.html", "x.css"}
    assert "skipped escape.txt: a symlink that leaves the output" in log
    assert "skipped innocent.txt: a link to an .env file is never published" in log
    assert "skipped pipe: not a regular file" in log


def test_links_inside_the_output_are_followed(tmp_path: Path) -> None:
    site = make(tmp_path / "site", ["index.html", "docs/page.html"])
    os.symlink("docs", site / "latest")
    os.symlink("index.html", site / "home.html")
    names, _ = collect(site)
    assert names == {"index.html", "docs/page.html", "latest/page.html", "home.html"}


def test_node_modules_left_out_when_the_output_is_the_project(tmp_path: Path) -> None:
    site = make(tmp_path, ["index.html", "node_modules/x/index.js", "docs/node_modules/y.js"])
    names, _ = collect(site, is_root=True)
    assert names == {"index.html", "docs/node_modules/y.js"}


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        pytest.param(Limits(max_files=2), "more than 2 files", id="count"),
        pytest.param(Limits(max_file_bytes=5), "over the per-file cap of 5 bytes", id="file"),
        pytest.param(Limits(max_total_bytes=20), "exceeds the cap of 20 bytes", id="total"),
    ],
)
def test_caps(tmp_path: Path, limits: Limits, message: str) -> None:
    site = make(tmp_path, ["a.html", "bb.html", "ccc.html", "dddd.html"])
    with pytest.raises(BuildFailure, match=message) as failure:
        collect(site, limits)
    assert failure.value.exit_code == EXIT_OUTPUT


def test_empty_output_fails(tmp_path: Path) -> None:
    make(tmp_path, [".env"])
    with pytest.raises(BuildFailure, match="holds no files"):
        collect(tmp_path)
