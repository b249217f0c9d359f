"""The build image, checked by structure (no container engine runs on the build machines).

checkov runs over this Dockerfile with the rest (tests/terraform); the corpus runs the runner
through the image's own ENTRYPOINT.
"""

from __future__ import annotations

import re

from scripts.dependencies.npm_tools import node_runtimes, package_managers
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


def test_the_runner_is_root_so_that_project_commands_are_not() -> None:
    # The runner drops every project command to a user of its own (build_runner/identity.py);
    # tests/e2e/test_push_to_deploy.py and the hostile corpus run that path as root here.
    final_stage = TEXT.rsplit("\nFROM ", 1)[1]
    users = re.findall(r"^USER (\S+)$", final_stage, re.MULTILINE)
    assert users == ["root"]
    assert "#checkov:skip=CKV_DOCKER_8:" in TEXT
    assert "SLIPWAY_SANDBOX=none" in TEXT
    assert args_of("ENTRYPOINT") == ['["/usr/bin/tini", "--", "python", "-m", "build_runner"]']
    assert args_of("HEALTHCHECK")


def test_copied_sources_exist() -> None:
    for rest in args_of("COPY"):
        if rest.startswith("--from"):
            continue
        source = rest.split()[0]
        assert (REPO_ROOT / source).exists(), source


def test_python_packages_come_only_from_the_lock() -> None:
    # tests/test_images.py runs this stage's commands and checks the result against the lock.
    assert "COPY requirements/runner.txt /tmp/requirements/runner.txt" in TEXT
    installs = [rest for rest in args_of("RUN") if "pip install" in rest]
    assert installs
    for rest in installs:
        assert "--require-hashes -r /tmp/requirements/runner.txt" in rest
    assert not re.search(r"\b[a-z0-9_-]+==\d", TEXT), "a version pinned outside the lock"


def test_package_managers_come_from_the_build_tools_pins() -> None:
    # The same files `make build-runner-tools` installs from (build_runner/install-tools.sh).
    assert (
        "COPY build_runner/tools/package.json build_runner/tools/package-lock.json /opt/build-tools/"
        in TEXT
    )
    node_stage = " ".join(args_of("RUN"))
    assert "npm ci --no-audit --no-fund --prefix /opt/build-tools" in node_stage
    assert 'require("/opt/build-tools/package.json").packageManagers' in node_stage
    assert not re.search(r"(corepack|pnpm|yarn)@\d", TEXT), (
        "a version pinned outside the tools pins"
    )
    for pin in package_managers():
        assert re.fullmatch(r"(pnpm|yarn)@\d+\.\d+\.\d+\+sha512\.[0-9a-f]{128}", pin), pin
    assert "COREPACK_HOME=/opt/corepack" in TEXT
    assert "SLIPWAY_SANDBOX=none" in TEXT  # the task is the sandbox in a container


def test_node_runtimes_come_from_the_build_tools_pins_and_downloads_go_to_tmp() -> None:
    # The installer is the runner's own (tests/build_runner/test_runtimes.py runs it).
    assert (
        "SLIPWAY_RUNTIMES_DIR=/opt/runtimes /opt/venv/bin/python -m build_runner.install_runtimes"
        in args_of("RUN")
    )
    (env,) = args_of("ENV")[-1:]
    assert "SLIPWAY_PREINSTALLED_RUNTIMES=/opt/runtimes" in env
    # The task's root filesystem is read-only; /tmp is its writable storage.
    assert "SLIPWAY_RUNTIMES_DIR=/tmp/slipway-runtimes" in env
    nodes, npm = node_runtimes()
    assert nodes
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in nodes)
    assert len({v.split(".")[0] for v in nodes}) == len(nodes)  # one release per line
    assert re.fullmatch(r"\d+\.\d+\.\d+", npm)
