"""The build image, checked by structure (no container engine runs on the build machines).

checkov runs over this Dockerfile with the rest (tests/terraform); the corpus runs the runner
through the image's own ENTRYPOINT.
"""

from __future__ import annotations

import re
from importlib.metadata import version

from tests.build_runner.support import DOCKERFILE, REPO_ROOT

TEXT = DOCKERFILE.read_text()
INSTRUCTIONS = [
    line.split(None, 1)
    for line in re.sub(r"\\\n\s*", " ", TEXT).splitlines()
    if line.strip() and not line.lstrip().startswith("#")
]


def args_of(keyword: str) -> list[str]:
    return [rest for name, rest in INSTRUCTIONS if name == keyword]


def test_multi_stage_with_pinned_bases() -> None:
    bases = args_of("FROM")
    assert len(bases) >= 2
    for base in bases:
        image = base.split()[0]
        assert re.match(r"^[a-z0-9./-]+:\d+\.\d+\.\d+-[a-z0-9-]+$", image), image
    assert any(b.split()[0].startswith("node:22.") for b in bases)  # Node LTS


def test_runs_as_a_non_root_user_under_tini() -> None:
    final_stage = TEXT.rsplit("\nFROM ", 1)[1]
    users = re.findall(r"^USER (\S+)$", final_stage, re.MULTILINE)
    assert users
    assert users[-1] not in ("root", "0")
    assert args_of("ENTRYPOINT") == ['["/usr/bin/tini", "--", "python", "-m", "build_runner"]']
    assert args_of("HEALTHCHECK")


def test_copied_sources_exist() -> None:
    for rest in args_of("COPY"):
        if rest.startswith("--from"):
            continue
        source = rest.split()[0]
        assert (REPO_ROOT / source).exists(), source


def test_python_pins_match_the_tested_versions() -> None:
    for package in ("obstore", "msgspec", "brotli"):
        assert f"{package}=={version(package)}" in TEXT, package


def test_package_managers_match_the_local_tools() -> None:
    tools = (REPO_ROOT / "build_runner" / "install-tools.sh").read_text()
    corepack = re.search(r"corepack_version=(\S+)", tools)
    assert corepack
    assert f"corepack@{corepack[1]}" in TEXT
    managers = re.search(r"managers=\(([^)]*)\)", tools)
    assert managers
    assert f"corepack install --global {managers[1]}" in TEXT
    assert "COREPACK_HOME=/opt/corepack" in TEXT
    assert "SLIPWAY_SANDBOX=none" in TEXT  # the task is the sandbox in a container
