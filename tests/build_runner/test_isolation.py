"""What a build can see: under bubblewrap, and without it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.build_runner.support import REPO_ROOT, published, run_runner
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.slow


def probe_command(secret: Path) -> str:
    """Shell that reports what the build can reach into out/index.html."""
    checks = [
        f'test -e "{secret}" && echo secret=visible || echo secret=hidden',
        f'test -e "{REPO_ROOT}/pyproject.toml" && echo platform=visible || echo platform=hidden',
        'echo home-entries=$(ls -A "$HOME" | wc -l)',
        "touch /usr/probe 2>/dev/null && echo usr=writable || echo usr=read-only",
        "touch checkout-probe && echo checkout=writable || echo checkout=read-only",
        "env | grep -q -E '^(SLIPWAY_STORAGE_URL|AWS_SECRET_ACCESS_KEY)=' "
        "&& echo secrets=present || echo secrets=absent",
        'echo "variable=$PROBE_VAR"',
    ]
    return "mkdir -p out && { " + "; ".join(checks) + "; } > out/index.html"


def run_probe(tmp_path: Path, storage_url: str, sandbox: str) -> tuple[dict[str, str], str]:
    secret = tmp_path / "data" / "api-token"
    secret.parent.mkdir()
    secret.write_text("control-plane secret")
    repo = GitRepo(tmp_path / "repo")
    commit = repo.commit({"README.md": "probe"})
    result = run_runner(
        repo_url=repo.url,
        commit=commit,
        storage_url=storage_url,
        extra={
            "SLIPWAY_BUILD_COMMAND": probe_command(secret),
            "SLIPWAY_OUTPUT_DIR": "out",
            "SLIPWAY_SANDBOX": sandbox,
            "SLIPWAY_BUILD_ENV_NAMES": "PROBE_VAR",
            "PROBE_VAR": "reached",
            "AWS_SECRET_ACCESS_KEY": "runner-only-credential",
        },
    )
    assert result.code == 0, result.stdout
    _, files, _ = published(storage_url, result.deployment_id)
    report = dict(line.split("=", 1) for line in files["index.html"].decode().split())
    return report, result.stdout


def test_bubblewrap_sandbox(tmp_path: Path, local_storage_url: str) -> None:
    report, stdout = run_probe(tmp_path, local_storage_url, "bubblewrap")
    assert "sandbox: bubblewrap" in stdout
    assert report == {
        "secret": "hidden",
        "platform": "hidden",
        "home-entries": "0",
        "usr": "read-only",
        "checkout": "writable",
        "secrets": "absent",
        "variable": "reached",
    }


def test_without_sandbox_the_log_says_so(tmp_path: Path, local_storage_url: str) -> None:
    report, stdout = run_probe(tmp_path, local_storage_url, "none")
    assert "this build is not sandboxed" in stdout
    # Unsandboxed, the file system is open, but the environment is still only the build's.
    assert report["secrets"] == "absent"
    assert report["variable"] == "reached"
    assert report["home-entries"] == "0"
