"""A Next.js project without a static export is told the one line to add, through a real build.

The project names `next` as a dependency (so Next.js is detected) but installs nothing: its
build script stands in for `next build`, writing `.next/` as a server build does, or `out/`
as a static export does. No registry is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.build_failure import FailureSummary
from services.core.build_protocol import EXIT_OUTPUT
from tests.build_runner import corpus
from tests.build_runner.support import build_log, published, run_runner
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.slow

SERVER_BUILD = "mkdir -p .next/server && echo server > .next/server/app.js"
EXPORT_BUILD = "mkdir -p out && echo '<h1>exported</h1>' > out/index.html"


def next_project(repo: GitRepo, build: str, files: dict[str, str]) -> str:
    package = corpus.package_json(dependencies={"next": "15.0.0"}, scripts={"build": build})
    return repo.commit({"package.json": package, **files})


def run(tmp_path: Path, storage_url: str, build: str, files: dict[str, str]) -> tuple[int, str]:
    repo = GitRepo(tmp_path / "repo")
    result = run_runner(
        repo_url=repo.url,
        commit=next_project(repo, build, files),
        storage_url=storage_url,
        extra={"SLIPWAY_INSTALL_COMMAND": "true"},  # nothing to download
    )
    return result.code, build_log(storage_url, result.deployment_id) or result.stdout


@pytest.mark.parametrize(
    ("files", "where"),
    [
        pytest.param(
            {"next.config.mjs": "const nextConfig = {};\nexport default nextConfig;\n"},
            "to next.config.mjs",
            id="create-next-app-config",
        ),
        pytest.param({}, "to a new next.config.mjs", id="no-config"),
    ],
)
def test_a_server_build_is_told_to_add_the_static_export(
    tmp_path: Path, local_storage_url: str, files: dict[str, str], where: str
) -> None:
    code, log = run(tmp_path, local_storage_url, SERVER_BUILD, files)
    assert code == EXIT_OUTPUT, log
    summary = FailureSummary.from_log(log)
    assert summary is not None
    assert summary.text() == (
        "output: this Next.js project builds a server app, not static files: add "
        f"`output: 'export'` {where} (`const nextConfig = {{ output: 'export' }}`) so that "
        "`next build` writes out/; what needs a server cannot be exported (route handlers "
        "that read the request, `cookies()`, ISR, Next.js 16's Cache Components)"
    )
    assert "no output found" not in log


def test_a_static_export_is_published(tmp_path: Path, local_storage_url: str) -> None:
    config = "module.exports = {\n  output: 'export',\n};\n"
    repo = GitRepo(tmp_path / "repo")
    result = run_runner(
        repo_url=repo.url,
        commit=next_project(repo, EXPORT_BUILD, {"next.config.js": config}),
        storage_url=local_storage_url,
        extra={"SLIPWAY_INSTALL_COMMAND": "true"},
    )
    assert result.code == 0, result.stdout
    _, files, _ = published(local_storage_url, result.deployment_id)
    assert files["index.html"] == b"<h1>exported</h1>\n"


def test_an_export_to_another_directory_gets_the_output_setting_message(
    tmp_path: Path, local_storage_url: str
) -> None:
    config = "module.exports = { output: 'export', distDir: 'site' };\n"
    build = "mkdir -p site && echo '<h1>x</h1>' > site/index.html"
    code, log = run(tmp_path, local_storage_url, build, {"next.config.js": config})
    assert code == EXIT_OUTPUT, log
    summary = FailureSummary.from_log(log)
    assert summary is not None
    assert summary.message.startswith("no output found (Next.js (static export) writes out/)")
    assert summary.message.endswith("set the project's output directory")
