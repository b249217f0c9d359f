"""MkDocs built for real by the runner, in the sandbox, in a Python environment of its own.

Offline: the repository carries MkDocs and what it needs as wheels (cached by
`make test-runtimes` for the system Python) and its requirements.txt installs from them.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from services.core.build_protocol import EXIT_INSTALL
from tests.build_runner.support import REPO_ROOT, RunResult, published, run_runner, toolchain_env
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.slow

WHEELS = REPO_ROOT / ".tools" / "wheels" / "mkdocs"
SYSTEM_PYTHON = Path("/usr/bin/python3")


def system_minor() -> str:
    real = SYSTEM_PYTHON.resolve().name  # python3.11
    return real.removeprefix("python")


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    if not (WHEELS / ".stamp").exists():
        raise AssertionError(f"{WHEELS} is missing: run `make test-runtimes`")
    repo = GitRepo(tmp_path / "repo")
    shutil.copytree(WHEELS, repo.path / "wheels", ignore=shutil.ignore_patterns(".stamp"))
    repo.write(
        {
            "mkdocs.yml": "site_name: Handbook\nnav:\n  - Home: index.md\n  - Setup: setup.md\n",
            "docs/index.md": "# Welcome to the handbook\n\nRead [setup](setup.md).\n",
            "docs/setup.md": "# Setup\n\nRun it.\n",
            "requirements.txt": "--no-index\n--find-links wheels\nmkdocs\n",
        }
    )
    return repo


def build(repo: GitRepo, storage_url: str, files: dict[str, str], **extra: str) -> RunResult:
    commit = repo.commit(files)
    return run_runner(repo_url=repo.url, commit=commit, storage_url=storage_url, extra=extra)


def test_an_mkdocs_site_builds_in_its_own_python_environment(
    repo: GitRepo, local_storage_url: str
) -> None:
    result = build(repo, local_storage_url, {".python-version": f"{system_minor()}\n"})
    assert result.code == 0, result.stdout
    assert "framework: MkDocs" in result.stdout
    assert f"Python {system_minor()} ({SYSTEM_PYTHON.resolve()}): the project asks for" in (
        result.stdout
    )
    assert "$ pip install -r requirements.txt" in result.stdout
    _, files, _ = published(local_storage_url, result.deployment_id)
    assert b"Welcome to the handbook" in files["index.html"]
    assert "setup/index.html" in files
    assert not [p for p in files if p.startswith(("wheels/", "docs/")) or p.endswith(".whl")]


def test_a_python_version_the_builder_lacks_is_one_sentence(
    repo: GitRepo, local_storage_url: str
) -> None:
    result = build(repo, local_storage_url, {"runtime.txt": "python-3.4.10\n"})
    assert result.code == EXIT_INSTALL
    assert "the project asks for Python 3.4 (runtime.txt) but this builder has" in result.stdout
    assert ": change it to one of those" in result.stdout


def test_the_runners_own_interpreter_and_shims_are_not_what_builds_use(
    repo: GitRepo, local_storage_url: str, tmp_path: Path
) -> None:
    # A PATH as a pyenv user's shell has it: shims first. The build must not run them.
    shims = tmp_path / "pyenv" / "shims"
    shims.mkdir(parents=True)
    for name in ("python3", "pip", f"python{system_minor()}"):
        (shims / name).write_text("#!/bin/sh\necho shim ran >&2; exit 97\n")
        (shims / name).chmod(0o755)
    path = f"{shims}:{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin"
    result = build(
        repo, local_storage_url, {"index.md": "x"}, PATH=f"{toolchain_env()['PATH']}:{path}"
    )
    assert result.code == 0, result.stdout
    assert "shim ran" not in result.stdout


def test_what_detection_could_not_read_is_in_the_build_log(
    repo: GitRepo, local_storage_url: str
) -> None:
    config = "site_name: Handbook\nsite_dir: !ENV [SITE_DIR, site]\n"
    files = {"mkdocs.yml": config, ".python-version": system_minor()}
    result = build(repo, local_storage_url, files)
    assert result.code == 0, result.stdout
    notes = [line for line in result.stdout.splitlines() if "mkdocs.yml" in line]
    assert notes
    assert all("detect  |" in line for line in notes)
    assert "using the default output site/" in notes[0]
