"""Each build's commands get a temporary directory of their own, gone when the build ends."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.build_runner.shell_builds import build_shell_command
from tests.build_runner.support import published

pytestmark = pytest.mark.slow

# Writes a file where mktemp puts it, waits for the other build to do the same, then reports.
PROBE = (
    'f=$(mktemp) && echo mine > "$f" && sleep 2 && mkdir -p out && { '
    'echo "tmpdir=$TMPDIR"; '
    'echo "entries=$(ls -A "$TMPDIR" | tr "\\n" " ")"; '
    'echo "own=$(basename "$f")"; '
    'echo "mode=$(stat -c %a "$TMPDIR")"; '
    'test -O "$TMPDIR" && echo "owner=build-user" || echo "owner=other"; '
    'echo "tmp-entries=$(ls -A /tmp | tr "\\n" " ")"; '
    "} > out/index.html"
)


def probe(
    repo_dir: Path,
    storage_url: str,
    sandbox: str,
    files: dict[str, str] | None = None,
    variables: dict[str, str] | None = None,
) -> tuple[dict[str, str], str]:
    """Build PROBE: what it reported, and the build log."""
    result = build_shell_command(
        repo_dir, storage_url, PROBE, sandbox=sandbox, files=files, variables=variables
    )
    assert result.code == 0, result.stdout
    _, published_files, log = published(storage_url, result.deployment_id)
    lines = published_files["index.html"].decode().splitlines()
    return dict(line.split("=", 1) for line in lines), log


@pytest.mark.parametrize("sandbox", ["none", "bubblewrap"])
def test_two_builds_at_once_do_not_see_each_others_temporary_files(
    tmp_path: Path, local_storage_url: str, sandbox: str
) -> None:
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(probe, tmp_path / name, local_storage_url, sandbox) for name in "ab"]
        reports = [run.result()[0] for run in runs]
    assert reports[0]["tmpdir"] != reports[1]["tmpdir"]
    for report in reports:
        assert report["entries"].split() == [report["own"]]
        assert report["mode"] == "700"
        assert report["owner"] == "build-user"
        tmpdir = Path(report["tmpdir"])
        assert tmpdir.name == "tmp"
        assert tmpdir.parent.parent.name.startswith("slipway-build-")
        assert not tmpdir.parent.parent.exists()  # removed with the workspace
    if sandbox == "bubblewrap":
        # Tools that write to /tmp itself get a tmpfs of their own, where only mount points
        # show: the workspace's, and the runner's read-only toolchain's when this checkout
        # (and its virtualenv) lives under the host's /tmp, as a CI clone may.
        toolchain = _tmp_entry(Path(sys.prefix)) | _tmp_entry(Path(__file__))
        for report in reports:
            visible = {f"/tmp/{name}" for name in report["tmp-entries"].split()}
            assert visible <= {str(Path(report["tmpdir"]).parents[1])} | toolchain


def _tmp_entry(path: Path) -> set[str]:
    """The entry of /tmp that `path` lives under, if it does."""
    parts = path.resolve().parts
    return {f"/tmp/{parts[2]}"} if parts[:2] == ("/", "tmp") and len(parts) > 2 else set()


@pytest.mark.parametrize(
    ("files", "variables"),
    [
        pytest.param({}, {"SLIPWAY_BUILD_ENV_NAMES": "TMPDIR", "TMPDIR": "/tmp"}, id="variable"),
        pytest.param(
            {"netlify.toml": '[build.environment]\nTMPDIR = "/tmp"\n'}, {}, id="netlify-toml"
        ),
    ],
)
def test_a_projects_tmpdir_is_ignored_with_a_note(
    tmp_path: Path, local_storage_url: str, files: dict[str, str], variables: dict[str, str]
) -> None:
    report, log = probe(tmp_path / "repo", local_storage_url, "none", files, variables)
    assert report["tmpdir"] != "/tmp"
    assert report["entries"].split() == [report["own"]]
    assert log.count("the TMPDIR build variable is ignored") == 1
